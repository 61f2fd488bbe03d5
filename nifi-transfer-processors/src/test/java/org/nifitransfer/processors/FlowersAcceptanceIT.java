package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        load.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 2);
        final Map<String, MockFlowFile> images = bySplit(load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS));
        assertEquals(List.of("train", "validation"), List.copyOf(images.keySet()));
        assertCounts(images.get("train"), TRAIN);
        assertCounts(images.get("validation"), VALIDATION);
        images.values().forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "0"));

        final TestRunner resize = TestRunners.newTestRunner(ResizeAndNormalize.class);
        resize.setProperty(ResizeAndNormalize.PRESET, ResizeAndNormalize.Preset.CAFFE);
        images.values().forEach(flowFile -> resize.enqueue(flowFile));
        resize.run(2);
        resize.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_SUCCESS, 2);
        final Map<String, MockFlowFile> tensors = bySplit(resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS));
        assertCounts(tensors.get("train"), TRAIN);
        assertCounts(tensors.get("validation"), VALIDATION);
        for (final MockFlowFile flowFile : tensors.values()) {
            flowFile.assertAttributeEquals(TransferAttributes.IMAGE_SIZE, "224x224");
            flowFile.assertAttributeEquals(TransferAttributes.PRESET, "caffe");
            assertShapes(flowFile);
        }

        final TestRunner augment = TestRunners.newTestRunner(Augment.class);
        tensors.values().forEach(flowFile -> augment.enqueue(flowFile));
        augment.run(2);
        augment.assertAllFlowFilesTransferred(Augment.REL_SUCCESS, 2);
        final Map<String, MockFlowFile> augmented = bySplit(augment.getFlowFilesForRelationship(Augment.REL_SUCCESS));
        augmented.get("train").assertAttributeEquals(TransferAttributes.AUGMENTATION, "on-the-fly");
        augmented.get("validation").assertAttributeEquals(TransferAttributes.AUGMENTATION, "none");
        assertCounts(augmented.get("train"), TRAIN);
    }

    private static Map<String, MockFlowFile> bySplit(final List<MockFlowFile> flowFiles) {
        final Map<String, MockFlowFile> bySplit = new LinkedHashMap<>();
        flowFiles.stream().sorted((a, b) -> a.getAttribute(TransferAttributes.SPLIT).compareTo(b.getAttribute(TransferAttributes.SPLIT)))
                .forEach(flowFile -> bySplit.put(flowFile.getAttribute(TransferAttributes.SPLIT), flowFile));
        return bySplit;
    }

    private static void assertCounts(final MockFlowFile flowFile, final long[] expected) {
        flowFile.assertAttributeEquals(TransferAttributes.CLASSES, TransferAttributes.json(CLASSES));
        long total = 0;
        for (int i = 0; i < CLASSES.size(); i++) {
            flowFile.assertAttributeEquals(TransferAttributes.COUNT_PREFIX + CLASSES.get(i), String.valueOf(expected[i]));
            total += expected[i];
        }
        flowFile.assertAttributeEquals(TransferAttributes.COUNT, String.valueOf(total));
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
