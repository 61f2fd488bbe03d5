package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.pipeline.DatasetAugmentation;

/** Batches from the tensor cache: each image its own seeded variant, every image once per epoch, errors passed on. */
class TensorBatchSourceTest {

    private static final int SIZE = 16;
    private static final int IMAGE = SIZE * SIZE * 3;
    private static final DatasetManifest.TensorSpec SPEC = DatasetManifest.TensorSpec.of(SIZE, SIZE, null, null, NormalizationPreset.ZERO_ONE);
    private static final Augmenter AUGMENTER = new Augmenter(AugmentationRecipe.builder().optRotationRange(30).optHorizontalFlip(true)
            .optZoomRange(0.2).build());

    @TempDir
    Path work;

    private record Batch(float[] images, long[] labels, long[] shape) {
    }

    private static List<Batch> batches(final TensorBatchSource source, final int epoch) throws IOException {
        final List<Batch> batches = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            source.forEachBatch(epoch, manager, (data, labels) -> batches.add(new Batch(data.toFloatArray(), labels.toLongArray(),
                    data.getShape().getShape())));
        }
        return batches;
    }

    private TensorCache cache(final int perClass) throws IOException {
        return TensorCache.create(new ByteArrayInputStream(StripeDatasets.tensors("train", perClass, SIZE, 3)), work, SPEC,
                StripeDatasets.CLASSES, "train dataset");
    }

    /** Image {@code index} of the cache as the source must deliver it: augmented with its own seed, normalised to NCHW. */
    private static float[] expectedImage(final TensorCache cache, final int index, final int epoch, final long seed) throws IOException {
        final byte[] pixels = new byte[IMAGE];
        cache.read(index, pixels, 0);
        final RgbImage variant = AUGMENTER.augment(new RgbImage(SIZE, SIZE, pixels), new Random(DatasetAugmentation.variantSeed(seed, index, epoch)));
        final float[] out = new float[IMAGE];
        NormalizationPreset.ZERO_ONE.normalize(variant.getData(), 0, 1, SIZE, SIZE, out, 0);
        return out;
    }

    @Test
    void aDatasetOfOtherClassesThanTheModelsIsRefusedBeforeTraining() {
        // the same labels 0 and 1 would mean other classes: training on them would teach the model the wrong names
        final Exception error = assertThrows(org.nifitransfer.core.dataset.DatasetFormatException.class, () -> TensorCache.create(
                new ByteArrayInputStream(StripeDatasets.tensors("train", 2, SIZE, 3)), work, SPEC, List.of("vertical", "horizontal"),
                "train dataset"));
        assertEquals("The train dataset's classes [horizontal, vertical] differ from the model's [vertical, horizontal]", error.getMessage());
    }

    @Test
    void inOrderEveryImageIsItsOwnSeededVariantInItsBatch() throws IOException {
        try (TensorCache cache = cache(23)) {
            final List<Batch> batches = batches(new TensorBatchSource(cache, SPEC, 8, false, AUGMENTER, 5, false), 2);
            assertEquals(6, batches.size(), "46 images in batches of 8");
            assertArrayEquals(new long[] {6, 3, SIZE, SIZE}, batches.getLast().shape());
            int index = 0;
            for (final Batch batch : batches) {
                for (int i = 0; i < batch.labels().length; i++, index++) {
                    assertEquals(cache.label(index), batch.labels()[i], "label of image " + index);
                    assertArrayEquals(expectedImage(cache, index, 2, 5), Arrays.copyOfRange(batch.images(), i * IMAGE, (i + 1) * IMAGE),
                            "image " + index);
                }
            }
            assertEquals(46, index);
        }
    }

    @Test
    void shuffledEpochsHoldEveryImageOnceAndReproduce() throws IOException {
        try (TensorCache cache = cache(20)) {
            final TensorBatchSource source = new TensorBatchSource(cache, SPEC, 6, true, AUGMENTER, 9, false);
            final List<Batch> first = batches(source, 4);
            final List<Batch> again = batches(source, 4);
            assertEquals(first.size(), again.size());
            for (int b = 0; b < first.size(); b++) {
                assertArrayEquals(first.get(b).images(), again.get(b).images(), "batch " + b);
                assertArrayEquals(first.get(b).labels(), again.get(b).labels(), "batch " + b);
            }
            // every image of the epoch exactly once: each delivered image matches one image's variant, none twice
            final List<float[]> expected = new ArrayList<>();
            for (int index = 0; index < cache.count(); index++) {
                expected.add(expectedImage(cache, index, 4, 9));
            }
            final boolean[] seen = new boolean[cache.count()];
            for (final Batch batch : first) {
                for (int i = 0; i < batch.labels().length; i++) {
                    final float[] image = Arrays.copyOfRange(batch.images(), i * IMAGE, (i + 1) * IMAGE);
                    int match = -1;
                    for (int index = 0; index < expected.size() && match < 0; index++) {
                        if (!seen[index] && Arrays.equals(expected.get(index), image)) {
                            match = index;
                        }
                    }
                    assertTrue(match >= 0, "a delivered image is no image's variant, or a repeat");
                    seen[match] = true;
                    assertEquals(cache.label(match), batch.labels()[i]);
                }
            }
            for (final boolean wasSeen : seen) {
                assertTrue(wasSeen, "an image was left out");
            }
            assertFalse(Arrays.equals(first.getFirst().labels(), batches(source, 5).getFirst().labels())
                    && Arrays.equals(first.getFirst().images(), batches(source, 5).getFirst().images()), "another epoch, another order");
        }
    }

    @Test
    void channelsLastBatchesHoldTheSameValues() throws IOException {
        try (TensorCache cache = cache(10)) {
            final List<Batch> nchw = batches(new TensorBatchSource(cache, SPEC, 8, true, AUGMENTER, 1, false), 1);
            final List<Batch> nhwc = batches(new TensorBatchSource(cache, SPEC, 8, true, AUGMENTER, 1, true), 1);
            for (int b = 0; b < nchw.size(); b++) {
                assertArrayEquals(nchw.get(b).shape(), nhwc.get(b).shape(), "the same NCHW shape");
                assertArrayEquals(nchw.get(b).images(), nhwc.get(b).images(), "read back in NCHW order, the same values");
            }
        }
    }

    @Test
    void aFailingHandlerStopsTheEpoch() throws IOException {
        try (TensorCache cache = cache(30)) {
            final TensorBatchSource source = new TensorBatchSource(cache, SPEC, 4, true, AUGMENTER, 1, false);
            final int[] seen = new int[1];
            final CancellationException stop = new CancellationException("stopped");
            try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
                final CancellationException thrown = assertThrows(CancellationException.class, () -> source.forEachBatch(1, manager, (data, labels) -> {
                    if (++seen[0] == 3) {
                        throw stop;
                    }
                }));
                assertSame(stop, thrown);
            }
            assertEquals(3, seen[0]);
            assertEquals(15, batches(source, 1).size(), "the cache still reads after a stop");
        }
    }

    @Test
    void aReadFailureReachesTheCaller() throws IOException {
        final TensorCache cache = cache(12);
        final TensorBatchSource source = new TensorBatchSource(cache, SPEC, 4, false, null, 1, false);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final int[] seen = new int[1];
            assertThrows(IOException.class, () -> source.forEachBatch(1, manager, (data, labels) -> {
                seen[0]++;
                cache.close(); // the next batch can no longer be read
            }));
            assertEquals(1, seen[0]);
        }
    }
}

