package org.nifitransfer.core.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.image.RgbImage;

class DatasetShardsTest {

    private static final List<String> CLASSES = List.of("cats", "dogs");

    private static DatasetManifest tensorManifest(final DatasetManifest.Shard shard) {
        return DatasetManifest.of(DatasetKind.IMAGES, "run-1", Splits.TRAIN, CLASSES, new DatasetManifest.Source("/data", "class-folders", 7L))
                .withTensor(DatasetManifest.TensorSpec.of(2, 3, "stretch", "bilinear", NormalizationPreset.CAFFE))
                .withShard(shard);
    }

    /** Images {@code from} to {@code to - 1} of a split, as one tensor dataset with tar chunks of 2 images. */
    private static byte[] tensors(final DatasetManifest manifest, final int from, final int to, final String skipped) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TensorDatasetWriter writer = new TensorDatasetWriter(out, manifest, 2)) {
            for (int i = from; i < to; i++) {
                writer.add(RgbImage.solid(3, 2, i, 2 * i, 3 * i), i % 3 == 0 ? 1 : 0, "img" + i);
            }
            if (skipped != null) {
                writer.skip(skipped, "corrupt");
            }
        }
        return out.toByteArray();
    }

    private static List<DatasetShards.Source> sources(final byte[]... shards) {
        final List<DatasetShards.Source> sources = new ArrayList<>();
        for (final byte[] shard : shards) {
            sources.add(() -> new ByteArrayInputStream(shard));
        }
        return sources;
    }

    /** Everything a tensor reader sees: pixels, labels and names in order, and the summary. */
    private record Read(DatasetManifest manifest, List<String> files, List<Integer> labels, byte[] pixels, DatasetSummary summary) {
    }

    private static Read readTensors(final InputStream in) throws IOException {
        try (TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            final List<String> files = new ArrayList<>();
            final List<Integer> labels = new ArrayList<>();
            final ByteArrayOutputStream pixels = new ByteArrayOutputStream();
            TensorShard chunk;
            while ((chunk = reader.nextShard()) != null) {
                files.addAll(chunk.files());
                for (int i = 0; i < chunk.count(); i++) {
                    labels.add(chunk.labels()[i]);
                }
                pixels.write(chunk.pixels(), 0, chunk.count() * chunk.imageBytes());
            }
            return new Read(reader.getManifest(), files, labels, pixels.toByteArray(), reader.getSummary());
        }
    }

    @Test
    void shardsReadAsTheWholeSplitWithChunksRenumberedAndOneSummary() throws IOException {
        final byte[] whole = tensors(tensorManifest(null), 0, 10, "cats/broken.jpg");
        // 10 images as shards of 3, 3, 3 and 1: chunks of 2 inside each, so the chunk numbers restart in every shard
        final byte[][] shards = {
            tensors(tensorManifest(new DatasetManifest.Shard(0, 4, 0)), 0, 3, "cats/broken.jpg"),
            tensors(tensorManifest(new DatasetManifest.Shard(1, 4, 3)), 3, 6, null),
            tensors(tensorManifest(new DatasetManifest.Shard(2, 4, 6)), 6, 9, null),
            tensors(tensorManifest(new DatasetManifest.Shard(3, 4, 9)), 9, 10, null),
        };
        final Read expected = readTensors(new ByteArrayInputStream(whole));
        final Read joined = readTensors(DatasetShards.concatenate(sources(shards)));
        assertEquals(expected.files(), joined.files());
        assertEquals(expected.labels(), joined.labels());
        assertArrayEquals(expected.pixels(), joined.pixels());
        assertEquals(expected.summary(), joined.summary());
        assertEquals(10, joined.summary().count());
        assertEquals(Map.of("cats", 6L, "dogs", 4L), joined.summary().classCounts());
        assertNull(joined.manifest().shard(), "the joined dataset is the whole split");
        assertEquals(tensorManifest(null), joined.manifest());
    }

    @Test
    void aSingleSourceIsReadAsItIs() throws IOException {
        final InputStream only = new ByteArrayInputStream(new byte[] {1, 2, 3});
        assertSame(only, DatasetShards.concatenate(List.of(() -> only)));
    }

    @Test
    void featureShardsKeepTheFirstShardsBaseAndEveryVector(@TempDir final Path directory) throws IOException {
        final Path base = Files.write(directory.resolve("base.pt"), new byte[] {9, 8, 7, 6});
        final DatasetManifest.FeatureSpec withEntry = new DatasetManifest.FeatureSpec(2, "avg",
                new DatasetManifest.BaseInfo("base.pt", "PyTorch", "abc", "base/base.pt", new long[] {2, 1, 1}));
        final DatasetManifest.FeatureSpec withoutEntry = new DatasetManifest.FeatureSpec(2, "avg",
                new DatasetManifest.BaseInfo("base.pt", "PyTorch", "abc", null, new long[] {2, 1, 1}));
        final byte[] first = features(tensorManifest(new DatasetManifest.Shard(0, 2, 0)).withFeatures(withEntry), base, 0, 3);
        final byte[] second = features(tensorManifest(new DatasetManifest.Shard(1, 2, 3)).withFeatures(withoutEntry), null, 3, 5);
        final List<String> baseEntries = new ArrayList<>();
        final List<Float> vectors = new ArrayList<>();
        try (FeatureDatasetReader reader = FeatureDatasetReader.open(DatasetShards.concatenate(sources(first, second)))) {
            reader.setBaseSink((entry, content) -> {
                baseEntries.add(entry);
                assertArrayEquals(new byte[] {9, 8, 7, 6}, content.readAllBytes());
            });
            assertEquals("base/base.pt", reader.getManifest().features().base().entry());
            FeatureShard chunk;
            while ((chunk = reader.nextShard()) != null) {
                for (int i = 0; i < chunk.count() * chunk.dimension(); i++) {
                    vectors.add(chunk.features()[i]);
                }
            }
            assertEquals(5, reader.getSummary().count());
        }
        assertEquals(List.of("base/base.pt"), baseEntries);
        assertEquals(List.of(0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f, 4f, 4.5f), vectors);
    }

    private static byte[] features(final DatasetManifest manifest, final Path base, final int from, final int to) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FeatureDatasetWriter writer = new FeatureDatasetWriter(out, manifest)) {
            if (base != null) {
                writer.embedBase("base/base.pt", base);
            }
            for (int i = from; i < to; i++) {
                writer.add(new float[] {i, i + 0.5f}, 0, i % 2, "img" + i);
            }
        }
        return out.toByteArray();
    }

    @Test
    void imageShardsKeepEveryImageInOrder() throws IOException {
        final DatasetManifest images = DatasetManifest.of(DatasetKind.IMAGES, "run-1", Splits.TEST, CLASSES, null);
        final byte[] first = images(images.withShard(new DatasetManifest.Shard(0, 2, 0)), "a.jpg", "b.jpg");
        final byte[] second = images(images.withShard(new DatasetManifest.Shard(1, 2, 2)), "c.jpg");
        final List<String> names = new ArrayList<>();
        try (ImageDatasetReader reader = ImageDatasetReader.open(DatasetShards.concatenate(sources(first, second)))) {
            ImageDatasetReader.ImageEntry entry;
            while ((entry = reader.next()) != null) {
                names.add(entry.displayName() + "=" + entry.content()[0]);
            }
            assertEquals(3, reader.getSummary().count());
        }
        assertEquals(List.of("cats/a.jpg=97", "cats/b.jpg=98", "cats/c.jpg=99"), names);
    }

    private static byte[] images(final DatasetManifest manifest, final String... files) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageDatasetWriter writer = new ImageDatasetWriter(out, manifest)) {
            for (final String file : files) {
                writer.add(0, file, new byte[] {(byte) file.charAt(0)});
            }
        }
        return out.toByteArray();
    }

    @Test
    void shardsOutOfOrderMissingOrWholeAreRefused() throws IOException {
        final byte[] zero = tensors(tensorManifest(new DatasetManifest.Shard(0, 3, 0)), 0, 2, null);
        final byte[] one = tensors(tensorManifest(new DatasetManifest.Shard(1, 3, 2)), 2, 4, null);
        final byte[] two = tensors(tensorManifest(new DatasetManifest.Shard(2, 3, 4)), 4, 6, null);
        final DatasetFormatException swapped = assertThrows(DatasetFormatException.class,
                () -> readTensors(DatasetShards.concatenate(sources(zero, two, one))));
        assertTrue(swapped.getMessage().contains("says it is shard 2 of 3"), swapped.getMessage());
        final DatasetFormatException missing = assertThrows(DatasetFormatException.class,
                () -> readTensors(DatasetShards.concatenate(sources(zero, one))));
        assertTrue(missing.getMessage().contains("shard 0 of 2") && missing.getMessage().contains("of 3"), missing.getMessage());
        final byte[] whole = tensors(tensorManifest(null), 0, 2, null);
        final DatasetFormatException notAShard = assertThrows(DatasetFormatException.class,
                () -> readTensors(DatasetShards.concatenate(sources(whole, whole))));
        assertTrue(notAShard.getMessage().contains("is a whole split"), notAShard.getMessage());
    }

    @Test
    void aShardPreparedWithOtherSettingsIsRefusedNamingWhatDiffers() throws IOException {
        final byte[] zero = tensors(tensorManifest(new DatasetManifest.Shard(0, 2, 0)), 0, 2, null);
        final DatasetManifest other = DatasetManifest.of(DatasetKind.IMAGES, "run-1", Splits.TRAIN, CLASSES,
                        new DatasetManifest.Source("/data", "class-folders", 7L))
                .withTensor(DatasetManifest.TensorSpec.of(2, 3, "stretch", "bicubic", NormalizationPreset.CAFFE))
                .withShard(new DatasetManifest.Shard(1, 2, 2));
        final byte[] one = tensors(other, 2, 4, null);
        final DatasetFormatException mismatch = assertThrows(DatasetFormatException.class,
                () -> readTensors(DatasetShards.concatenate(sources(zero, one))));
        assertTrue(mismatch.getMessage().contains("does not match shard 0 in tensor"), mismatch.getMessage());
    }

    @Test
    void aTruncatedShardIsAnError() throws IOException {
        final byte[] zero = tensors(tensorManifest(new DatasetManifest.Shard(0, 2, 0)), 0, 4, null);
        final byte[] one = tensors(tensorManifest(new DatasetManifest.Shard(1, 2, 4)), 4, 8, null);
        final byte[] cut = java.util.Arrays.copyOf(one, one.length / 2);
        assertThrows(Exception.class, () -> readTensors(DatasetShards.concatenate(sources(zero, cut))));
    }
}
