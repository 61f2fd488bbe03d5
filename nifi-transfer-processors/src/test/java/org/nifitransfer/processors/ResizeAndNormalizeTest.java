package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.image.RgbImage;

class ResizeAndNormalizeTest {

    private TestRunner runner;

    @BeforeEach
    void setRunner() {
        runner = TestRunners.newTestRunner(ResizeAndNormalize.class);
    }

    private MockFlowFile convertOne(final Map<String, byte[]> files) {
        runner.enqueue(TestDatasets.images("train", files), TestDatasets.attributes("train"));
        runner.run();
        runner.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_SUCCESS, 1);
        return runner.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS).getFirst();
    }

    /** A solid (R 200, G 100, B 50) PNG: exact numbers, in the expected channel order, for every preset. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "zero-one,      0.78431374,  0.39215687,  0.19607843",
        "minus-one-one, 0.56862745, -0.21568628, -0.60784316",
        "imagenet,      1.3070468,  -0.28501400, -0.93298475",
        "caffe,         -54.0,       -17.0,        77.0"
    })
    void solidColourGivesExactValuesPerPreset(final String preset, final float first, final float second, final float third)
            throws IOException {
        runner.setProperty(ResizeAndNormalize.PRESET, preset);
        runner.setProperty(ResizeAndNormalize.TARGET_WIDTH, "8");
        runner.setProperty(ResizeAndNormalize.TARGET_HEIGHT, "6");
        final MockFlowFile output = convertOne(Map.of("a/solid.png", TestImages.solid("png", 40, 30, new Color(200, 100, 50))));
        output.assertAttributeEquals(TransferAttributes.PRESET, preset);
        final byte[] content = output.toByteArray();
        final DatasetManifest manifest = TestDatasets.tensorManifest(content);
        final TensorShard shard = TestDatasets.shards(content).getFirst();
        assertEquals(RgbImage.solid(8, 6, 200, 100, 50), shard.image(0), "stored pixels are the exact uint8 colour");
        final float[] values = shard.normalized(manifest.tensor().normalization());
        final int plane = 8 * 6;
        assertEquals(3 * plane, values.length);
        for (int i = 0; i < plane; i++) {
            assertEquals(first, values[i], 1e-5f);
            assertEquals(second, values[plane + i], 1e-5f);
            assertEquals(third, values[2 * plane + i], 1e-5f);
        }
    }

    @Test
    void customPresetUsesTorchvisionUnitsAndChannelOrder() throws IOException {
        runner.setProperty(ResizeAndNormalize.PRESET, ResizeAndNormalize.Preset.CUSTOM);
        runner.setProperty(ResizeAndNormalize.CUSTOM_MEAN, "0.5, 0.5, 0.5");
        runner.setProperty(ResizeAndNormalize.CUSTOM_STD, "0.25, 0.5, 1");
        runner.setProperty(ResizeAndNormalize.CUSTOM_CHANNEL_ORDER, ResizeAndNormalize.Channels.BGR);
        final byte[] content = convertOne(Map.of("a/solid.png", TestImages.solid("png", 10, 10, new Color(200, 100, 50)))).toByteArray();
        final float[] values = TestDatasets.shards(content).getFirst().normalized(TestDatasets.tensorManifest(content).tensor().normalization());
        final int plane = 224 * 224;
        assertEquals((50 - 127.5f) / 63.75f, values[0], 1e-5f);
        assertEquals((100 - 127.5f) / 127.5f, values[plane], 1e-5f);
        assertEquals((200 - 127.5f) / 255f, values[2 * plane], 1e-5f);
    }

    @Test
    void convertsColourModelsAndSkipsUndecodableImages() throws IOException {
        runner.setProperty(ResizeAndNormalize.TARGET_WIDTH, "20");
        runner.setProperty(ResizeAndNormalize.TARGET_HEIGHT, "10");
        final Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a/gray.png", TestImages.grayPng(30, 30, 77));
        files.put("a/broken.jpg", TestImages.truncatedJpeg());
        files.put("b/text.png", "plain text".getBytes(StandardCharsets.UTF_8));
        files.put("b/red.bmp", TestImages.solid("bmp", 50, 25, Color.RED));
        final MockFlowFile output = convertOne(files);
        output.assertAttributeEquals(TransferAttributes.KIND, "tensor-dataset");
        output.assertAttributeEquals(TransferAttributes.IMAGE_SIZE, "20x10");
        output.assertAttributeEquals(TransferAttributes.COUNT, "2");
        output.assertAttributeEquals("transfer.count.a", "1");
        output.assertAttributeEquals("transfer.count.b", "1");
        output.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "2");
        assertTrue(output.getAttribute(TransferAttributes.SKIPPED).contains("a/broken.jpg: "), output.getAttribute(TransferAttributes.SKIPPED));
        assertTrue(output.getAttribute(TransferAttributes.SKIPPED).contains("b/text.png: not an image"), output.getAttribute(TransferAttributes.SKIPPED));
        final List<TensorShard> shards = TestDatasets.shards(output.toByteArray());
        assertEquals(RgbImage.solid(20, 10, 77, 77, 77), shards.getFirst().image(0));
        assertEquals(RgbImage.solid(20, 10, 255, 0, 0), shards.getFirst().image(1));
        assertEquals(List.of("a/gray.png", "b/red.bmp"), shards.getFirst().files());
        assertArrayEquals(new int[] {0, 1}, shards.getFirst().labels());
        assertEquals(ProvenanceEventType.CONTENT_MODIFIED, runner.getProvenanceEvents().getFirst().getEventType());
        assertTrue(runner.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg().contains("2 image(s) skipped")));
        // its progress, in the shape every processor that runs long uses: the run, the split, its images done
        runner.getStateManager().assertStateEquals("run.id", TestDatasets.RUN_ID, Scope.LOCAL);
        runner.getStateManager().assertStateEquals("phase", "resize", Scope.LOCAL);
        runner.getStateManager().assertStateEquals("split", "train", Scope.LOCAL);
        runner.getStateManager().assertStateEquals("images.done", "4", Scope.LOCAL);
        runner.getStateManager().assertStateEquals("status", "done", Scope.LOCAL);
    }

    @Test
    void manyImagesStreamThroughSeveralShardsInOrder() throws IOException {
        runner.setProperty(ResizeAndNormalize.TARGET_WIDTH, "16");
        runner.setProperty(ResizeAndNormalize.TARGET_HEIGHT, "16");
        final Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            files.put((i % 2 == 0 ? "a" : "b") + "/img" + String.format("%03d", i) + ".png", TestImages.stripes(i % 2, i, 24, 24, "png"));
        }
        final MockFlowFile output = convertOne(files);
        output.assertAttributeEquals(TransferAttributes.COUNT, "300");
        final List<TensorShard> shards = TestDatasets.shards(output.toByteArray());
        assertEquals(List.of(128, 128, 44), shards.stream().map(TensorShard::count).toList());
        assertEquals("a/img000.png", shards.getFirst().files().getFirst());
        assertEquals("b/img299.png", shards.getLast().files().getLast());
    }

    @Test
    void contentThatIsNotAnImageDatasetGoesToFailure() {
        runner.enqueue("not a tar".getBytes(StandardCharsets.UTF_8));
        runner.run();
        runner.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_FAILURE, 1);
        final MockFlowFile failure = runner.getFlowFilesForRelationship(ResizeAndNormalize.REL_FAILURE).getFirst();
        assertTrue(failure.getAttribute(TransferAttributes.ERROR).startsWith("content is not a dataset"), failure.getAttribute(TransferAttributes.ERROR));
        failure.assertContentEquals("not a tar");
    }

    @Test
    void aTensorDatasetIsRefusedAsInput() {
        final MockFlowFile tensors = convertOne(Map.of("a/x.png", TestImages.solid("png", 4, 4, Color.GREEN)));
        runner.clearTransferState();
        runner.enqueue(tensors.toByteArray());
        runner.run();
        runner.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(ResizeAndNormalize.REL_FAILURE).getFirst()
                .assertAttributeEquals(TransferAttributes.ERROR, "expected a dataset of kind image-dataset, got tensor-dataset");
    }

    @Test
    void datasetWithNoDecodableImageFailsKeepingItsContent() {
        final byte[] input = TestDatasets.images("train", Map.of("a/x.jpg", TestImages.truncatedJpeg(), "b/y.png", new byte[] {1, 2, 3}));
        runner.enqueue(input);
        runner.run();
        runner.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_FAILURE, 1);
        final MockFlowFile failure = runner.getFlowFilesForRelationship(ResizeAndNormalize.REL_FAILURE).getFirst();
        assertTrue(failure.getAttribute(TransferAttributes.ERROR).startsWith("no usable image in the dataset (2 skipped"),
                failure.getAttribute(TransferAttributes.ERROR));
        failure.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "2");
        assertArrayEquals(input, failure.toByteArray());
    }

    @Test
    void invalidCustomPreset() {
        runner.setProperty(ResizeAndNormalize.PRESET, ResizeAndNormalize.Preset.CUSTOM);
        runner.setProperty(ResizeAndNormalize.CUSTOM_STD, "0.5, 0, 0.5");
        runner.assertNotValid();
        runner.setProperty(ResizeAndNormalize.CUSTOM_STD, "0.5, 0.5");
        runner.assertNotValid();
        runner.setProperty(ResizeAndNormalize.CUSTOM_STD, "0.5, 0.5, 0.5");
        runner.assertValid();
        runner.setProperty(ResizeAndNormalize.TARGET_WIDTH, "0");
        runner.assertNotValid();
    }
}
