package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;

/**
 * Acceptance: the real flowers photos (../shared/data/datasets/flowers) through LoadImageFolder,
 * ResizeAndNormalize (224x224, Caffe preset, as the shared SqueezeNet needs) and Augment.
 *
 * <p>nifi-mock holds flowfile content on the heap, so this test's JVM gets more heap than NiFi's default;
 * the processors themselves stream (see docs/formats.md).
 */
class FlowersAcceptanceIT {

    private static final List<String> CLASSES = List.of("daisy", "dandelion", "roses", "sunflowers", "tulips");
    private static final long[] TRAIN = {418, 643, 442, 495, 571};
    private static final long[] VALIDATION = {110, 122, 93, 103, 122};

    @Test
    void flowersLoadResizeAndAugmentWithTheExpectedCountsAndShapes() throws IOException {
        final Path flowers = SharedData.require("datasets/flowers");

        final TestRunner load = TestRunners.newTestRunner(LoadImageFolder.class);
        load.setProperty(LoadImageFolder.INPUT_DIRECTORY, flowers.toString());
        load.run();
        // the 2,569 train images in shards of 1,000 (the default), the 550 validation images in one
        final int datasets = 4;
        load.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, datasets);
        final Map<String, List<MockFlowFile>> images = bySplit(load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS));
        assertEquals(List.of("train", "validation"), List.copyOf(images.keySet()));
        assertEquals(List.of("0", "1", "2"), images.get("train").stream().map(flowFile -> flowFile.getAttribute("fragment.index")).toList());
        images.get("train").forEach(flowFile -> flowFile.assertAttributeEquals("fragment.count", "3"));
        assertCounts(images.get("train"), TRAIN);
        assertCounts(images.get("validation"), VALIDATION);
        images.values().stream().flatMap(List::stream).forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "0"));

        final TestRunner resize = TestRunners.newTestRunner(ResizeAndNormalize.class);
        resize.setProperty(ResizeAndNormalize.PRESET, ResizeAndNormalize.Preset.CAFFE);
        images.values().stream().flatMap(List::stream).forEach(flowFile -> resize.enqueue(flowFile));
        resize.run(datasets);
        resize.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_SUCCESS, datasets);
        final Map<String, List<MockFlowFile>> tensors = bySplit(resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS));
        assertCounts(tensors.get("train"), TRAIN);
        assertCounts(tensors.get("validation"), VALIDATION);
        for (final MockFlowFile flowFile : tensors.values().stream().flatMap(List::stream).toList()) {
            flowFile.assertAttributeEquals(TransferAttributes.IMAGE_SIZE, "224x224");
            flowFile.assertAttributeEquals(TransferAttributes.PRESET, "caffe");
            assertShapes(flowFile);
        }

        final TestRunner augment = TestRunners.newTestRunner(Augment.class);
        tensors.values().stream().flatMap(List::stream).forEach(flowFile -> augment.enqueue(flowFile));
        augment.run(datasets);
        augment.assertAllFlowFilesTransferred(Augment.REL_SUCCESS, datasets);
        final Map<String, List<MockFlowFile>> augmented = bySplit(augment.getFlowFilesForRelationship(Augment.REL_SUCCESS));
        augmented.get("train").forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.AUGMENTATION, "on-the-fly"));
        augmented.get("validation").forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.AUGMENTATION, "none"));
        assertCounts(augmented.get("train"), TRAIN);
    }

    /** The flowfiles of each split, splits in name order, shards in fragment.index order. */
    private static Map<String, List<MockFlowFile>> bySplit(final List<MockFlowFile> flowFiles) {
        final Map<String, List<MockFlowFile>> bySplit = new TreeMap<>();
        flowFiles.stream().sorted(Comparator.comparingInt(flowFile -> Integer.parseInt(flowFile.getAttribute("fragment.index"))))
                .forEach(flowFile -> bySplit.computeIfAbsent(flowFile.getAttribute(TransferAttributes.SPLIT), split -> new ArrayList<>())
                        .add(flowFile));
        return bySplit;
    }

    /** The class counts of a split's shards together, and each shard's attributes adding up to its own count. */
    private static void assertCounts(final List<MockFlowFile> shards, final long[] expected) {
        final long[] counted = new long[CLASSES.size()];
        for (final MockFlowFile flowFile : shards) {
            flowFile.assertAttributeEquals(TransferAttributes.CLASSES, TransferAttributes.json(CLASSES));
            long total = 0;
            for (int i = 0; i < CLASSES.size(); i++) {
                final long count = Long.parseLong(flowFile.getAttribute(TransferAttributes.COUNT_PREFIX + CLASSES.get(i)));
                counted[i] += count;
                total += count;
            }
            flowFile.assertAttributeEquals(TransferAttributes.COUNT, String.valueOf(total));
            assertTrue(total <= 1000, "a shard holds at most Images Per Shard images: " + total);
        }
        assertArrayEquals(expected, counted);
    }

    private static void assertShapes(final MockFlowFile flowFile) throws IOException {
        long images = 0;
        final long[] perClass = new long[CLASSES.size()];
        try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
            final DatasetManifest.TensorSpec spec = reader.getManifest().tensor();
            assertEquals(224, spec.height());
            assertEquals(224, spec.width());
            assertEquals("NHWC", spec.layout());
            assertEquals(NormalizationPreset.CAFFE, spec.normalization());
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                assertEquals((long) shard.count() * 224 * 224 * 3, shard.pixels().length);
                assertTrue(shard.count() <= 128);
                for (final int label : shard.labels()) {
                    perClass[label]++;
                }
                images += shard.count();
            }
        }
        assertEquals(Long.parseLong(flowFile.getAttribute(TransferAttributes.COUNT)), images);
        for (int i = 0; i < CLASSES.size(); i++) {
            assertEquals(Long.parseLong(flowFile.getAttribute(TransferAttributes.COUNT_PREFIX + CLASSES.get(i))), perClass[i]);
        }
    }
}
