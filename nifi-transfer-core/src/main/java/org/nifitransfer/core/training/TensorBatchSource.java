package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Random;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.pipeline.DatasetAugmentation;

/**
 * Batches of normalised images from a {@link TensorCache}: in a new random order every epoch when shuffling,
 * and, when an augmenter is given, with every image replaced by a fresh random variant each epoch (image
 * {@code i} of epoch {@code e} draws from {@code variantSeed(seed, i, e)}), so the model never sees the same
 * image twice.
 *
 * <p>Batches are NCHW-shaped. With {@code channelsLast} their data is in NHWC order (channels-last strides, as
 * {@link org.nifitransfer.core.model.BaseModel#predict} feeds a base), so that oneDNN's convolutions run forward and
 * backward without reordering every feature map; the values are the same.
 */
public final class TensorBatchSource implements BatchSource {

    private final TensorCache cache;
    private final DatasetManifest.TensorSpec spec;
    private final int batchSize;
    private final boolean shuffle;
    private final Augmenter augmenter;
    private final long seed;
    private final boolean channelsLast;

    /**
     * @param augmenter the on-the-fly augmentation, or null
     * @param channelsLast whether the batches' data is in NHWC order behind their NCHW shape
     */
    public TensorBatchSource(final TensorCache cache, final DatasetManifest.TensorSpec spec, final int batchSize, final boolean shuffle,
                             final Augmenter augmenter, final long seed, final boolean channelsLast) {
        this.channelsLast = channelsLast;
        this.cache = cache;
        this.spec = spec;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.augmenter = augmenter;
        this.seed = seed;
    }

    /** Checks that a dataset's images fit a model taking {@code expected} images. */
    public static void checkCompatible(final DatasetManifest.TensorSpec expected, final DatasetManifest.TensorSpec actual, final String what) {
        if (actual.height() != expected.height() || actual.width() != expected.width() || actual.channels() != expected.channels()) {
            throw new DatasetFormatException("The " + what + " holds " + actual.sizeText() + " images, the model takes " + expected.sizeText()
                    + ": prepare it with ResizeAndNormalize at the model's size");
        }
        if (!actual.normalization().equals(expected.normalization())) {
            throw new DatasetFormatException("The " + what + " uses the '" + actual.normalization().name() + "' normalisation, the model "
                    + "was trained with '" + expected.normalization().name() + "': prepare it with the same preset");
        }
    }

    @Override
    public void forEachBatch(final int epoch, final NDManager manager, final BatchHandler handler) throws IOException {
        final int count = cache.count();
        final int[] order = BatchSource.order(count, shuffle, seed, epoch);
        final int imageBytes = spec.height() * spec.width() * 3;
        final byte[] pixels = new byte[batchSize * imageBytes];
        final float[] data = new float[batchSize * imageBytes];
        final byte[] single = new byte[imageBytes];
        for (int start = 0; start < count; start += batchSize) {
            final int size = Math.min(batchSize, count - start);
            final long[] labels = new long[size];
            for (int i = 0; i < size; i++) {
                final int index = order[start + i];
                labels[i] = cache.label(index);
                if (augmenter == null) {
                    cache.read(index, pixels, i * imageBytes);
                } else {
                    cache.read(index, single, 0);
                    final RgbImage variant = augmenter.augment(new RgbImage(spec.width(), spec.height(), single),
                            new Random(DatasetAugmentation.variantSeed(seed, index, epoch)));
                    System.arraycopy(variant.getData(), 0, pixels, i * imageBytes, imageBytes);
                }
            }
            try (NDManager scope = manager.newSubManager()) {
                final NDArray images;
                if (channelsLast) {
                    spec.normalization().normalizeInterleaved(pixels, 0, size, spec.height(), spec.width(), data, 0);
                    // an [N, C, H, W] view of NHWC data
                    images = scope.create(FloatBuffer.wrap(data, 0, size * imageBytes), new Shape(size, spec.height(), spec.width(), 3))
                            .transpose(0, 3, 1, 2);
                } else {
                    spec.normalization().normalize(pixels, 0, size, spec.height(), spec.width(), data, 0);
                    images = scope.create(FloatBuffer.wrap(data, 0, size * imageBytes), new Shape(size, 3, spec.height(), spec.width()));
                }
                handler.accept(images, scope.create(labels));
            }
        }
    }
}
