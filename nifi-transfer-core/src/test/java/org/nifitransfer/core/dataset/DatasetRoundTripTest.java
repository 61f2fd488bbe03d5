package org.nifitransfer.core.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.nifitransfer.core.image.RgbImage;

class DatasetRoundTripTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> CLASSES = List.of("cats", "dogs");

    private static DatasetManifest imageManifest() {
        return DatasetManifest.of(DatasetKind.IMAGES, "run-1", Splits.TRAIN, CLASSES, new DatasetManifest.Source("/data", "split-folders", 7L));
    }

    private static DatasetManifest tensorManifest() {
        return imageManifest().withTensor(DatasetManifest.TensorSpec.of(2, 3, "stretch", "bilinear", NormalizationPreset.CAFFE));
    }

    @Test
    void imageDatasetRoundTripsNamesContentCountsAndSkips() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageDatasetWriter writer = new ImageDatasetWriter(out, imageManifest())) {
            writer.add(0, "cat 1.jpg", new byte[] {1, 2, 3});
            writer.add(1, "sub/狗 ü.png", 2, new ByteArrayInputStream(new byte[] {4, 5}));
            writer.skip("cats/broken.jpg", "corrupt");
        }
        try (ImageDatasetReader reader = ImageDatasetReader.open(new ByteArrayInputStream(out.toByteArray()))) {
            assertEquals(CLASSES, reader.getManifest().classes());
            assertEquals("run-1", reader.getManifest().runId());
            final ImageDatasetReader.ImageEntry first = reader.next();
            assertEquals("cats/cat 1.jpg", first.displayName());
            assertArrayEquals(new byte[] {1, 2, 3}, first.content());
            final ImageDatasetReader.ImageEntry second = reader.next();
            assertEquals(1, second.label());
            assertEquals("sub/狗 ü.png", second.relativePath());
            assertNull(reader.next());
            final DatasetSummary summary = reader.getSummary();
            assertEquals(2, summary.count());
            assertEquals(Map.of("cats", 1L, "dogs", 1L), summary.classCounts());
            assertEquals(List.of(new DatasetSummary.SkippedFile("cats/broken.jpg", "corrupt")), summary.skipped());
        }
    }

    @Test
    void tensorDatasetIsShardedNumpyInOrder() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TensorDatasetWriter writer = new TensorDatasetWriter(out, tensorManifest(), 2)) {
            for (int i = 0; i < 5; i++) {
                writer.add(RgbImage.solid(3, 2, i, 10 * i, 20 * i), i % 2, "img" + i);
            }
        }
        final List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                names.add(entry.getName());
                if (entry.getName().equals("shards/000002/images.npy")) {
                    final Npy.Header header = Npy.readHeader(tar);
                    assertArrayEquals(new long[] {1, 2, 3, 3}, header.shape());
                }
                if (entry.getName().equals("summary.json")) {
                    assertEquals(5, MAPPER.readTree(tar.readAllBytes()).get("count").asInt());
                }
            }
        }
        assertEquals(List.of("dataset.json", "shards/000000/images.npy", "shards/000000/labels.npy", "shards/000000/files.json",
                "shards/000001/images.npy", "shards/000001/labels.npy", "shards/000001/files.json",
                "shards/000002/images.npy", "shards/000002/labels.npy", "shards/000002/files.json", "summary.json"), names);

        try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(out.toByteArray()))) {
            int seen = 0;
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                for (int i = 0; i < shard.count(); i++) {
                    assertEquals(RgbImage.solid(3, 2, seen, 10 * seen, 20 * seen), shard.image(i));
                    assertEquals(seen % 2, shard.labels()[i]);
                    assertEquals("img" + seen, shard.files().get(i));
                    seen++;
                }
            }
            assertEquals(5, seen);
            assertEquals(Map.of("cats", 3L, "dogs", 2L), reader.getSummary().classCounts());
        }
    }

    @Test
    void writingTheSameDataTwiceGivesTheSameBytes() throws IOException {
        final byte[][] runs = new byte[2][];
        for (int run = 0; run < 2; run++) {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (TensorDatasetWriter writer = new TensorDatasetWriter(out, tensorManifest())) {
                writer.add(RgbImage.solid(3, 2, 1, 2, 3), 0, "a");
            }
            runs[run] = out.toByteArray();
        }
        assertArrayEquals(runs[0], runs[1]);
    }

    @Test
    void wrongKindAndNonDatasetContentFailWithAReason() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageDatasetWriter writer = new ImageDatasetWriter(out, imageManifest())) {
            writer.add(0, "a.jpg", new byte[] {1});
        }
        final DatasetFormatException wrongKind = assertThrows(DatasetFormatException.class,
                () -> TensorDatasetReader.open(new ByteArrayInputStream(out.toByteArray())));
        assertTrue(wrongKind.getMessage().contains("expected a dataset of kind tensor-dataset, got image-dataset"), wrongKind.getMessage());

        final DatasetFormatException text = assertThrows(DatasetFormatException.class,
                () -> ImageDatasetReader.open(new ByteArrayInputStream("just some text".getBytes(StandardCharsets.UTF_8))));
        assertTrue(text.getMessage().startsWith("content is not a dataset"), text.getMessage());
        assertThrows(DatasetFormatException.class, () -> ImageDatasetReader.open(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void copyWithManifestKeepsTheDataAndChangesTheHeader() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TensorDatasetWriter writer = new TensorDatasetWriter(out, tensorManifest())) {
            writer.add(RgbImage.solid(3, 2, 9, 8, 7), 1, "x");
        }
        final ByteArrayOutputStream copy = new ByteArrayOutputStream();
        DatasetCopier.copyWithManifest(new ByteArrayInputStream(out.toByteArray()), copy,
                manifest -> manifest.withAugmentation(new DatasetManifest.Augmentation(DatasetManifest.Augmentation.ON_THE_FLY,
                        MAPPER.createObjectNode().put("rotation", 40), 5, null, null)));
        try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(copy.toByteArray()))) {
            assertTrue(reader.getManifest().augmentation().isOnTheFly());
            assertEquals(40, reader.getManifest().augmentation().recipe().get("rotation").asInt());
            assertEquals(RgbImage.solid(3, 2, 9, 8, 7), reader.nextShard().image(0));
            assertNull(reader.nextShard());
            assertEquals(1, reader.getSummary().count());
        }
    }
}
