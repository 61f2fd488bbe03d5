package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluate: dropped classes in the metrics, the pictures it can leave out or explain, its progress, and content that is no model. */
class EvaluateTest {

    @TempDir
    Path work;

    @Test
    void classesDroppedForHavingNoTrainingImagesAreNamedInTheMetrics(@TempDir final Path folder) throws IOException {
        TestImages.stripedFolder(folder, new String[] {"train", "validation", "test"}, new int[] {12, 4, 4}, 32);
        for (int i = 0; i < 3; i++) {
            TestImages.write(folder.resolve("test/checkered/c" + i + ".png"), TestImages.stripes(0, i, 32, 32, "png"));
        }
        final Chain.Outputs outputs = Chain.run(folder, load -> load.setProperty(LoadImageFolder.UNTRAINED_CLASSES, UntrainedClasses.DROP.getValue()),
                "tiny_base.pt", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "1"), null);
        final MockFlowFile metrics = outputs.headResults().get("metrics").getFirst();
        metrics.assertAttributeEquals(Evaluate.DROPPED_ATTRIBUTE, "[\"checkered (3 test images)\"]");
        final com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(metrics.toByteArray());
        assertEquals("checkered", json.path("droppedClasses").path(0).path("name").asText());
        assertEquals(8, json.path("count").asInt(), "the metrics cover the trained classes' test images");
    }

    @Test
    void anOnnxBaseSaysInItsActivationsPictureWhyItsBlocksCannotBeShown() {
        final MockFlowFile activations = ModelChains.onnx().headResults().get("activations").getFirst();
        activations.assertAttributeNotExists("transfer.activations.blocks");
        assertTrue(activations.getAttribute("transfer.activations.unavailable").startsWith("ONNX Runtime runs the base tiny_base.onnx as one graph"),
                activations.getAttribute("transfer.activations.unavailable"));
        activations.assertAttributeEquals("mime.type", "image/png");
        assertTrue(activations.getAttribute("filename").endsWith("-activations.png"), activations.getAttribute("filename"));
    }

    @Test
    void theGalleryAndTheActivationsCanBeLeftOut() {
        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> {
            r.setProperty(Evaluate.HEATMAP_IMAGES, "0");
            r.setProperty(Evaluate.BLOCK_ACTIVATIONS, "false");
        });
        Chain.pass(ModelChains.torchScript().headModel(), evaluate);
        Chain.pass(Chain.test(ModelChains.torchScript().tensors()), evaluate);
        evaluate.run();
        evaluate.assertTransferCount(Evaluate.REL_RESULTS, 4);
        assertEquals(java.util.Set.of("metrics", "learning-curve", "confusion-matrix", "predictions"), evaluate.getFlowFilesForRelationship(
                Evaluate.REL_RESULTS).stream().map(result -> result.getAttribute(Evaluate.RESULT_ATTRIBUTE)).collect(java.util.stream.Collectors.toSet()));
        evaluate.setProperty(Evaluate.BLOCK_ACTIVATIONS, "maybe");
        evaluate.assertNotValid();
    }

    @Test
    void evaluateReportsItsProgressAsExtractFeaturesDoes() {
        // the run, the split, its images done of the total, in the shape every processor that runs long uses
        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> {
            r.setProperty(Evaluate.HEATMAP_IMAGES, "0");
            r.setProperty(Evaluate.BLOCK_ACTIVATIONS, "false");
        });
        Chain.pass(ModelChains.torchScript().headModel(), evaluate);
        final MockFlowFile test = Chain.test(ModelChains.torchScript().tensors());
        Chain.pass(test, evaluate);
        evaluate.run();
        evaluate.assertTransferCount(Evaluate.REL_RESULTS, 4);
        final String count = test.getAttribute(TransferAttributes.COUNT);
        evaluate.getStateManager().assertStateEquals("run.id", test.getAttribute(TransferAttributes.RUN_ID), Scope.LOCAL);
        evaluate.getStateManager().assertStateEquals("phase", "evaluate", Scope.LOCAL);
        evaluate.getStateManager().assertStateEquals("split", "test", Scope.LOCAL);
        evaluate.getStateManager().assertStateEquals("images.done", count, Scope.LOCAL);
        evaluate.getStateManager().assertStateEquals("images.total", count, Scope.LOCAL);
        evaluate.getStateManager().assertStateEquals("status", "done", Scope.LOCAL);
        assertTrue(Integer.parseInt(count) > 0);
    }

    @Test
    void evaluateRefusesContentThatIsNotAModel() {
        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> { });
        final Map<String, String> attributes = new HashMap<>(ModelChains.torchScript().headModel().getAttributes());
        attributes.remove("uuid");
        evaluate.enqueue("not a model".getBytes(StandardCharsets.UTF_8), attributes);
        Chain.pass(Chain.test(ModelChains.torchScript().tensors()), evaluate);
        evaluate.run();
        evaluate.assertAllFlowFilesTransferred(Evaluate.REL_FAILURE, 2);
        assertTrue(evaluate.getFlowFilesForRelationship(Evaluate.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("content is not a model"));
    }

    /** Evaluate's metrics JSON and predictions CSV for the fixture head model, with Test-Time Augmentation {@code augmentation}. */
    private static List<String> evaluated(final Evaluate.Augmentation augmentation) throws Exception {
        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> {
            r.setProperty(Evaluate.HEATMAP_IMAGES, "0");
            r.setProperty(Evaluate.BLOCK_ACTIVATIONS, "false");
            r.setProperty(Evaluate.TEST_TIME_AUGMENTATION, augmentation);
        });
        Chain.pass(ModelChains.torchScript().headModel(), evaluate);
        Chain.pass(Chain.test(ModelChains.torchScript().tensors()), evaluate);
        evaluate.run();
        evaluate.assertTransferCount(Evaluate.REL_RESULTS, 4);
        final Map<String, String> byResult = new HashMap<>();
        for (final MockFlowFile result : evaluate.getFlowFilesForRelationship(Evaluate.REL_RESULTS)) {
            byResult.put(result.getAttribute(Evaluate.RESULT_ATTRIBUTE), new String(result.toByteArray(), StandardCharsets.UTF_8));
        }
        return List.of(byResult.get("metrics"), byResult.get("predictions"));
    }

    @Test
    void testTimeAugmentationAveragesEachImageWithItsMirrorImageAndSaysSo() throws Exception {
        final List<String> plain = evaluated(Evaluate.Augmentation.NONE);
        final List<String> flipped = evaluated(Evaluate.Augmentation.HORIZONTAL_FLIP);
        final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals("none", mapper.readTree(plain.get(0)).path("testTimeAugmentation").asText());
        assertEquals("horizontal-flip", mapper.readTree(flipped.get(0)).path("testTimeAugmentation").asText());
        final String[] plainRows = plain.get(1).split("\n");
        final String[] flippedRows = flipped.get(1).split("\n");
        assertEquals(plainRows.length, flippedRows.length, "one row per test image either way");
        assertEquals(plainRows[0], flippedRows[0]);
        int changed = 0;
        for (int i = 1; i < plainRows.length; i++) {
            // the same image in the same order; its probabilities move
            assertEquals(plainRows[i].split(",")[0], flippedRows[i].split(",")[0]);
            changed += plainRows[i].equals(flippedRows[i]) ? 0 : 1;
        }
        assertTrue(changed > 0, "no prediction moved with the mirror images averaged in");
    }
}
