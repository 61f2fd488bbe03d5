package org.nifitransfer.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetShards;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorDatasetWriter;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.image.RgbImage;

class DatasetAugmentationTest {

    private static final DatasetAugmentation AUGMENTATION = new DatasetAugmentation(AugmentationRecipe.builder()
            .optRotationRange(30).optWidthShiftRange(0.2).optHorizontalFlip(true).build(), 42L);

    private static DatasetManifest manifest(final DatasetManifest.Shard shard) {
        return DatasetManifest.of(DatasetKind.IMAGES, "run-1", Splits.TRAIN, List.of("a", "b"), null)
                .withTensor(DatasetManifest.TensorSpec.of(8, 8, "stretch", "bilinear", NormalizationPreset.CAFFE))
                .withShard(shard);
    }

    private static byte[] tensors(final DatasetManifest manifest, final int from, final int to) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TensorDatasetWriter writer = new TensorDatasetWriter(out, manifest)) {
            for (int i = from; i < to; i++) {
                final byte[] pixels = new byte[8 * 8 * 3];
                for (int p = 0; p < pixels.length; p++) {
                    pixels[p] = (byte) (p * 7 + i * 13);
                }
                writer.add(new RgbImage(8, 8, pixels), i % 2, "img" + i);
            }
        }
        return out.toByteArray();
    }

    private static byte[] materialize(final byte[] dataset) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        AUGMENTATION.materializeTensors(new ByteArrayInputStream(dataset), out, 2, false, Cancellation.NONE);
        return out.toByteArray();
    }

    private static byte[] pixels(final InputStream in) throws IOException {
        final ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        try (TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            TensorShard chunk;
            while ((chunk = reader.nextShard()) != null) {
                pixels.write(chunk.pixels(), 0, chunk.count() * chunk.imageBytes());
            }
        }
        return pixels.toByteArray();
    }

    @Test
    void theShardsOfASplitDrawTheVariantsTheWholeSplitWould() throws IOException {
        final byte[] whole = pixels(new ByteArrayInputStream(materialize(tensors(manifest(null), 0, 6))));
        final byte[] first = materialize(tensors(manifest(new DatasetManifest.Shard(0, 2, 0)), 0, 4));
        final byte[] second = materialize(tensors(manifest(new DatasetManifest.Shard(1, 2, 4)), 4, 6));
        final byte[] sharded = pixels(DatasetShards.concatenate(List.of(() -> new ByteArrayInputStream(first),
                () -> new ByteArrayInputStream(second))));
        assertEquals(6 * 2 * 8 * 8 * 3, whole.length);
        assertArrayEquals(whole, sharded);
        // and the second shard does not repeat the first shard's draws: had it started again from index 0, its variants
        // would be those of images 0 and 1 drawn on its own pixels
        final byte[] restarted = pixels(new ByteArrayInputStream(materialize(tensors(manifest(null), 4, 6))));
        assertFalse(Arrays.equals(Arrays.copyOfRange(whole, 4 * 2 * 192, whole.length), restarted));
    }
}
