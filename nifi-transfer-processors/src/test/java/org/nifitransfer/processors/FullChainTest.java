package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.EngineResources;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;

/** The eight processors, chained in nifi-mock, on generated images whose classes are learnable. */
class FullChainTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path images;

    @TempDir
    Path work;

    @BeforeAll
    static void makeImages() {
        TestImages.stripedFolder(images, new String[] {"train", "validation", "test"}, new int[] {60, 20, 20}, 32);
    }

    private static Chain.Outputs chain() {
        return Chain.run(images, "tiny_base.pt", 32, "zero-one", head -> {
            head.setProperty(TrainHead.OPTIMIZER, TrainingSupport.Optimizer.ADAM);
            head.setProperty(TrainHead.LEARNING_RATE, "0.05");
            head.setProperty(TrainHead.EPOCHS, "10");
            head.setProperty(TrainHead.DROPOUT, "0");
        }, fineTune -> {
            fineTune.setProperty(FineTune.LEARNING_RATE, "0.0005");
            fineTune.setProperty(FineTune.EPOCHS, "2");
        });
    }

    private Map<String, float[]> baseWeights(final MockFlowFile model) throws Exception {
        final ModelPackage unpacked = ModelPackage.read(new ByteArrayInputStream(model.toByteArray()), Files.createTempDirectory(work, "m"));
        final Map<String, float[]> weights = new HashMap<>();
        try (BaseModel base = BaseModel.builder().setLocation(unpacked.baseFile().toString()).optTrainable(true).load()) {
            for (final Pair<String, Parameter> pair : base.getBlock().getParameters()) {
                weights.put(pair.getValue().getName(), pair.getValue().getArray().toFloatArray());
            }
        }
        return weights;
    }

    /**
     * Every transfer.* attribute a processor writes on what it emits (one that none of its inputs carried with that value)
     * is in its {@code @WritesAttributes}; a name there may hold a placeholder such as {@code <class>}.
     */
    @Test
    void everyAttributeAProcessorWritesIsDocumentedOnIt() {
        final Chain.Outputs outputs = chain();
        final List<String> undocumented = new java.util.ArrayList<>();
        for (final org.apache.nifi.util.TestRunner runner : outputs.runners()) {
            final Class<?> type = runner.getProcessor().getClass();
            final org.apache.nifi.annotation.behavior.WritesAttributes writes = type.getAnnotation(org.apache.nifi.annotation.behavior.WritesAttributes.class);
            final List<java.util.regex.Pattern> documented = writes == null ? List.of() : Arrays.stream(writes.value())
                    .map(attribute -> java.util.regex.Pattern.compile(Arrays.stream(attribute.attribute().split("<[^>]+>", -1))
                            .map(java.util.regex.Pattern::quote).collect(java.util.stream.Collectors.joining(".+")))).toList();
            final java.util.Set<String> written = new java.util.TreeSet<>();
            for (final org.apache.nifi.processor.Relationship relationship : runner.getProcessor().getRelationships()) {
                for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(relationship)) {
                    flowFile.getAttributes().forEach((key, value) -> {
                        if (key.startsWith("transfer.") && Chain.inputs(runner).stream().noneMatch(input -> value.equals(input.get(key)))) {
                            written.add(key);
                        }
                    });
                }
            }
            for (final String key : written) {
                if (documented.stream().noneMatch(pattern -> pattern.matcher(key).matches())) {
                    undocumented.add(type.getSimpleName() + ": " + key);
                }
            }
        }
        assertEquals(List.of(), undocumented, "attributes the processors write but do not document");
    }

    @Test
    void theChainLearnsReportsAndFineTunesExactlyTheUnfrozenLayers() throws Exception {
        final Chain.Outputs outputs = chain();

        final MockFlowFile headModel = outputs.headModel();
        headModel.assertAttributeEquals(TransferAttributes.KIND, "model");
        headModel.assertAttributeEquals(TransferAttributes.PHASE, "head");
        headModel.assertAttributeEquals("transfer.epochs", "10");
        assertTrue(Double.parseDouble(headModel.getAttribute("transfer.val.accuracy")) >= 0.85, headModel.getAttribute("transfer.val.accuracy"));
        final ModelManifest headManifest = ModelPackage.readManifest(new ByteArrayInputStream(headModel.toByteArray()));
        assertEquals(10, headManifest.history().size());
        assertEquals(List.of("horizontal", "vertical"), headManifest.classes());

        final MockFlowFile unfrozen = outputs.unfrozen();
        unfrozen.assertAttributeEquals(UnfreezeLayers.LAYERS_ATTRIBUTE, "4");
        unfrozen.assertAttributeEquals(UnfreezeLayers.TRAINABLE_ATTRIBUTE, String.valueOf(16 * 16 * 9 + 16));

        final MockFlowFile tuned = outputs.tunedModel();
        tuned.assertAttributeEquals(TransferAttributes.PHASE, "fine-tune");
        tuned.assertAttributeEquals("transfer.epochs", "12");
        final Map<String, float[]> before = baseWeights(headModel);
        final Map<String, float[]> after = baseWeights(tuned);
        assertEquals(before.keySet(), after.keySet());
        for (final String name : before.keySet()) {
            assertEquals(name.startsWith("4."), !Arrays.equals(before.get(name), after.get(name)), name);
        }

        for (final Map<String, List<MockFlowFile>> results : List.of(outputs.headResults(), outputs.tunedResults())) {
            final MockFlowFile metrics = results.get("metrics").getFirst();
            final double accuracy = Double.parseDouble(metrics.getAttribute("transfer.eval.accuracy"));
            assertTrue(accuracy >= 0.8, "test accuracy " + accuracy + " is not well above chance (0.5)");
            final JsonNode json = MAPPER.readTree(metrics.toByteArray());
            assertEquals(accuracy, json.get("accuracy").asDouble(), 1e-4);
            assertEquals(40, json.get("count").asInt());
            assertTrue(json.has("rocAuc") && json.get("rocAuc").asDouble() > 0.8);
            assertEquals(Double.parseDouble(metrics.getAttribute("transfer.eval.seconds")), json.get("seconds").asDouble(), 1e-3);
            assertEquals(16, json.path("heatmaps").path("images").asInt(), json.toString());
            assertTrue(json.path("heatmaps").path("seconds").asDouble() > 0, json.toString());
            assertEquals(List.of("0", "2", "4"), MAPPER.convertValue(json.path("activations").path("blocks"), List.class), json.toString());
            metrics.assertAttributeExists("transfer.eval.precision.horizontal");
            metrics.assertAttributeExists("transfer.eval.f1.vertical");
            final BufferedImage curve = ImageIO.read(new ByteArrayInputStream(results.get("learning-curve").getFirst().toByteArray()));
            assertTrue(curve.getWidth() >= 800, "learning curve PNG");
            assertTrue(ImageIO.read(new ByteArrayInputStream(results.get("confusion-matrix").getFirst().toByteArray())) != null);
            final MockFlowFile heatmaps = results.get("heatmaps").getFirst();
            final BufferedImage gallery = ImageIO.read(new ByteArrayInputStream(heatmaps.toByteArray()));
            assertTrue(gallery != null && gallery.getWidth() >= 4 * 32, "a gallery of heatmaps");
            heatmaps.assertAttributeEquals("transfer.heatmap.images", "16");
            heatmaps.assertAttributeEquals("mime.type", "image/png");
            assertTrue(heatmaps.getAttribute("transfer.heatmap.method").startsWith("CAM"), heatmaps.getAttribute("transfer.heatmap.method"));
            assertTrue(heatmaps.getAttribute("transfer.heatmap.layer").contains("last feature map"), heatmaps.getAttribute("transfer.heatmap.layer"));
            // the head model's base is the fixture file; the fine-tuned one was written back by DJL: both open up block by block
            final MockFlowFile activations = results.get("activations").getFirst();
            activations.assertAttributeEquals("transfer.activations.blocks", "0, 2, 4");
            activations.assertAttributeNotExists("transfer.activations.unavailable");
            activations.assertAttributeExists("transfer.activations.seconds");
            final String csv = new String(results.get("predictions").getFirst().toByteArray(), StandardCharsets.UTF_8);
            activations.assertAttributeEquals("transfer.activations.image", csv.lines().skip(1).findFirst().orElseThrow().split(",")[0]);
            assertTrue(ImageIO.read(new ByteArrayInputStream(activations.toByteArray())).getHeight() > 3 * 2 * 80, "three blocks of two rows");
            assertEquals(41, csv.lines().count());
            assertTrue(csv.startsWith("file,true_class,predicted_class,probability,correct"), csv.lines().findFirst().orElse(""));
            results.get("model").getFirst().assertAttributeEquals("transfer.eval.accuracy", metrics.getAttribute("transfer.eval.accuracy"));
        }
        outputs.tunedResults().get("metrics").getFirst().assertAttributeEquals("transfer.eval.phase", "fine-tune");
        outputs.headResults().get("metrics").getFirst().assertAttributeEquals("transfer.eval.phase", "head");

        for (final org.apache.nifi.util.TestRunner runner : outputs.runners()) {
            for (final ProvenanceEventRecord event : runner.getProvenanceEvents()) {
                assertFalse(event.getRelationship() != null && event.getRelationship().equals("failure"), event.toString());
            }
        }
        final List<ProvenanceEventType> evaluateEvents = outputs.runners().getLast().getProvenanceEvents().stream()
                .map(ProvenanceEventRecord::getEventType).distinct().toList();
        assertTrue(evaluateEvents.contains(ProvenanceEventType.JOIN), evaluateEvents.toString());
    }

    @Test
    void theSameSeedGivesTheSameMetrics() {
        final Chain.Outputs first = Chain.run(images, "tiny_base.pt", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "3"), null);
        final Chain.Outputs second = Chain.run(images, "tiny_base.pt", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "3"), null);
        assertEquals(first.headModel().getAttribute("transfer.val.loss"), second.headModel().getAttribute("transfer.val.loss"));
        assertEquals(first.headResults().get("metrics").getFirst().getAttribute("transfer.eval.loss"),
                second.headResults().get("metrics").getFirst().getAttribute("transfer.eval.loss"));
    }

    @Test
    void repeatedChainsGiveBackTheirNativeMemory() {
        Chain.run(images, "tiny_base.onnx", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "1"), null);
        final int pytorch = EngineResources.live("PyTorch");
        final int onnx = EngineResources.live("OnnxRuntime");
        for (int run = 0; run < 3; run++) {
            final Chain.Outputs outputs = Chain.run(images, "tiny_base.onnx", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "1"), null);
            outputs.runners().forEach(runner -> runner.shutdown());
        }
        assertEquals(pytorch, EngineResources.live("PyTorch"), "PyTorch managers left open");
        assertEquals(onnx, EngineResources.live("OnnxRuntime"), "ONNX Runtime managers left open");
    }
}
