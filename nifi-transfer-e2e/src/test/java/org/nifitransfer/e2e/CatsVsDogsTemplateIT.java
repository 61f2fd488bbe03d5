package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiInstance;
import org.nifitransfer.e2e.runtime.TcpSockets;

/**
 * End to end in a real NiFi 2.3.0: the NAR installed, templates/cats-vs-dogs.json and every sample flow imported through
 * the REST API and validated, the template run on generated images with the fixture TorchScript base, its results read
 * from provenance, a stop in the middle of FineTune, a restart of NiFi, and the flowers sample flow on the real data.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatsVsDogsTemplateIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);

    @TempDir
    static Path temporary;

    private static Path project;
    private static NiFiInstance nifi;
    private static NiFiClient client;
    private static String templateGroup;
    private static Path images;

    @BeforeAll
    static void startNiFi() throws Exception {
        project = Path.of(System.getProperty("transfer.project.dir", "..")).toAbsolutePath().normalize();
        // train/ and test/ only, as most downloads are: LoadImageFolder carves the validation split from train
        images = writeStripes(temporary.resolve("stripes"), 60, 0, 20);
        nifi = NiFiInstance.builder().name("cats-vs-dogs-template").start();
        client = nifi.client();
    }

    @AfterAll
    static void stopNiFi() {
        if (nifi != null) {
            nifi.close();
        }
    }

    private static Map<String, String> templateParameters(final Path data, final String fineTuneEpochs) {
        final Map<String, String> values = new HashMap<>();
        values.put("data.directory", data.toString());
        values.put("base.model", project.resolve("fixtures/models/tiny_base.pt").toString());
        values.put("normalization.preset", "zero-one");
        values.put("image.size", "64");
        values.put("head.epochs", "40");
        values.put("fine.tune.learning.rate", "0.001");
        values.put("fine.tune.epochs", fineTuneEpochs);
        return values;
    }

    private static Map<String, String> processorIds(final String group) throws Exception {
        return client.processors(group).stream().collect(Collectors.toMap(NiFiClient.ProcessorSummary::name, NiFiClient.ProcessorSummary::id));
    }

    private static long queuedInto(final String group, final String destination) throws Exception {
        return client.connectionQueues(group).stream().filter(queue -> destination.equals(queue.target()))
                .mapToLong(NiFiClient.ConnectionQueue::flowFilesQueued).sum();
    }

    private static void awaitQueued(final String group, final String destination, final long count, final Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (queuedInto(group, destination) < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Only " + queuedInto(group, destination) + " of " + count + " flowfiles reached '" + destination
                        + "' in " + timeout + "; queues: " + client.connectionQueues(group) + "\nNiFi log:\n" + nifi.logTail(60));
            }
            assertEquals(0, queuedInto(group, "failures"), () -> "flowfiles went to failures: " + failures(group));
            Thread.sleep(1000);
        }
    }

    private static String failures(final String group) {
        try {
            return client.queryProvenance(Map.of("Relationship", "failure"), 20, Duration.ofSeconds(30)).stream()
                    .map(event -> event.componentName() + ": " + event.attribute("transfer.error")).toList() + "\n" + nifi.logTail(40);
        } catch (final Exception e) {
            return e.toString();
        }
    }

    @Test
    @Order(1)
    void theTemplateAndEverySampleFlowImportAndValidate() throws Exception {
        final String root = client.rootProcessGroupId();
        templateGroup = client.uploadFlowDefinition(root, "cats-vs-dogs", project.resolve("templates/cats-vs-dogs.json")).path("id").asText();
        client.updateParameters(client.parameterContextId(templateGroup), templateParameters(images, "3"), Duration.ofMinutes(1));
        assertAllValid(templateGroup, 9);

        // a JPEG renamed .pt: ExtractFeatures is invalid on the canvas, saying what the file is
        final Path photo = temporary.resolve("photo.pt");
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "jpg", photo.toFile());
        client.updateParameters(client.parameterContextId(templateGroup), Map.of("base.model", photo.toString()), Duration.ofMinutes(1));
        final NiFiClient.ProcessorSummary extract = client.awaitValidation(templateGroup, Duration.ofMinutes(1)).stream()
                .filter(processor -> processor.name().equals("ExtractFeatures")).findFirst().orElseThrow();
        assertTrue(!extract.isValid() && extract.validationErrors().toString().contains("Base model photo.pt is a JPEG image, not a TorchScript model"),
                extract.validationStatus() + ": " + extract.validationErrors());
        client.updateParameters(client.parameterContextId(templateGroup), templateParameters(images, "3"), Duration.ofMinutes(1));
        assertAllValid(templateGroup, 9);

        final Map<String, Map<String, String>> samples = Map.of(
                "flowers-onnx-head-only", Map.of("data.directory", images.resolve("train").toString(),
                        "base.model", project.resolve("fixtures/models/tiny_base_dynamic.onnx").toString(), "normalization.preset", "zero-one"),
                "fine-tune-on-the-fly", Map.of("data.directory", images.toString(), "base.model",
                        project.resolve("fixtures/models/tiny_base.pt").toString(), "fine.tune.from.layer", "2"),
                "materialized-augmentation", Map.of("data.directory", images.toString(), "base.model",
                        project.resolve("fixtures/models/tiny_base.onnx").toString()));
        int position = 1;
        for (final Map.Entry<String, Map<String, String>> sample : samples.entrySet()) {
            final String group = client.uploadFlowDefinition(root, sample.getKey(), project.resolve("sample-flows/" + sample.getKey() + ".json"))
                    .path("id").asText();
            client.updateParameters(client.parameterContextId(group), sample.getValue(), Duration.ofMinutes(1));
            assertAllValid(group, client.processors(group).size());
            position++;
        }
        assertEquals(4, position);
    }

    private static void assertAllValid(final String group, final int expected) throws Exception {
        final List<NiFiClient.ProcessorSummary> processors = client.awaitValidation(group, Duration.ofMinutes(1));
        assertEquals(expected, processors.size());
        for (final NiFiClient.ProcessorSummary processor : processors) {
            assertTrue(processor.isValid(), processor.name() + " is " + processor.validationStatus() + ": " + processor.validationErrors());
        }
        // nothing the flow creates is invalid once its parameters are set: no warning triangle on the canvas (an output
        // port that nothing consumes at the parent level would be one)
        final JsonNode component = client.processGroup(group).path("component");
        assertEquals(0, component.path("invalidCount").asInt(-1), "invalid components in " + component.path("name").asText());
    }

    @Test
    @Order(2)
    void theTemplateRunsAndItsResultsAreInProvenance() throws Exception {
        client.startProcessGroup(templateGroup);
        awaitQueued(templateGroup, "results", 2 * FlowRun.RESULTS_PER_EVALUATION, RUN_TIMEOUT);
        awaitQueued(templateGroup, "models", 2, Duration.ofMinutes(1));
        client.stopProcessGroup(templateGroup);
        assertEquals(0, queuedInto(templateGroup, "failures"), () -> failures(templateGroup));

        final Map<String, String> ids = processorIds(templateGroup);
        final Map<String, Double> accuracies = new HashMap<>();
        for (final String evaluator : List.of("Evaluate Head Model", "Evaluate Fine-Tuned Model")) {
            final List<NiFiClient.ProvenanceEvent> events = client.awaitProvenanceEvents(Map.of("ProcessorID", ids.get(evaluator)),
                    found -> found.stream().anyMatch(event -> "metrics".equals(event.attribute("transfer.result")))
                            && found.stream().anyMatch(event -> "heatmaps".equals(event.attribute("transfer.result")))
                            && found.stream().anyMatch(event -> "activations".equals(event.attribute("transfer.result"))), Duration.ofMinutes(1));
            final NiFiClient.ProvenanceEvent metrics = events.stream().filter(event -> "metrics".equals(event.attribute("transfer.result")))
                    .findFirst().orElseThrow();
            assertEquals("JOIN", metrics.eventType());
            final double accuracy = Double.parseDouble(metrics.attribute("transfer.eval.accuracy"));
            final JsonNode json = MAPPER.readTree(client.provenanceOutputContent(metrics.eventId()));
            assertEquals(accuracy, json.path("accuracy").asDouble(), 1e-4);
            assertEquals(40, json.path("count").asInt());
            assertTrue(json.has("confusionMatrix") && json.has("rocAuc"), json.toString());
            accuracies.put(metrics.attribute("transfer.eval.phase"), accuracy);

            final NiFiClient.ProvenanceEvent curve = events.stream().filter(event -> "learning-curve".equals(event.attribute("transfer.result")))
                    .findFirst().orElseThrow();
            final BufferedImage png = ImageIO.read(new ByteArrayInputStream(client.provenanceOutputContent(curve.eventId())));
            assertTrue(png != null && png.getWidth() >= 800, "a learning curve PNG");
            final NiFiClient.ProvenanceEvent heatmaps = events.stream().filter(event -> "heatmaps".equals(event.attribute("transfer.result")))
                    .findFirst().orElseThrow();
            assertTrue(ImageIO.read(new ByteArrayInputStream(client.provenanceOutputContent(heatmaps.eventId()))) != null, "a heatmap gallery PNG");
            final NiFiClient.ProvenanceEvent activations = events.stream().filter(event -> "activations".equals(event.attribute("transfer.result")))
                    .findFirst().orElseThrow();
            assertEquals("0, 2, 4", activations.attribute("transfer.activations.blocks"), "the fixture base's three convolution blocks");
            assertTrue(ImageIO.read(new ByteArrayInputStream(client.provenanceOutputContent(activations.eventId()))) != null, "an activations PNG");

            final NiFiClient.ProvenanceEvent model = events.stream().filter(event -> "ATTRIBUTES_MODIFIED".equals(event.eventType()))
                    .findFirst().orElseThrow();
            final Path unpacked = Files.createTempDirectory(temporary, "model");
            final ModelPackage loaded = ModelPackage.read(new ByteArrayInputStream(client.provenanceOutputContent(model.eventId())), unpacked);
            try (ModelRunner runner = ModelRunner.open(loaded, ai.djl.Device.cpu())) {
                final float[][] probabilities = runner.predict(new float[3 * 64 * 64], 1);
                assertEquals(1.0, probabilities[0][0] + probabilities[0][1], 1e-4, "the model flowfile is a loadable model");
            }
        }
        // the template's top 7 blocks, on a base of 3: all 3 are unfrozen, and the model, the log and the canvas say so
        final NiFiClient.ProvenanceEvent unfrozen = client.awaitProvenanceEvents(Map.of("ProcessorID", ids.get("UnfreezeLayers")),
                found -> !found.isEmpty(), Duration.ofMinutes(1)).getFirst();
        assertEquals("top 3 blocks (all; 7 asked)", unfrozen.attribute("transfer.unfreeze"));
        assertEquals("0,2,4", unfrozen.attribute("transfer.unfrozen.blocks"));
        final String capped = "the base has only 3 blocks (0, 2, 4), fewer than the top 7 asked for: all 3 are unfrozen";
        assertEquals(capped, unfrozen.attribute("transfer.unfreeze.warning"));
        assertTrue(client.bulletins(templateGroup, -1).stream().anyMatch(bulletin -> "UnfreezeLayers".equals(bulletin.sourceName())
                && "WARNING".equals(bulletin.level()) && bulletin.message().contains(capped)), () -> "no warning bulletin from UnfreezeLayers");

        System.out.printf(Locale.ROOT, "%nEND TO END (real NiFi 2.3.0, cats-vs-dogs template, generated stripes, fixture base): "
                + "test accuracy head %.3f, fine-tuned %.3f%n", accuracies.get("head"), accuracies.get("fine-tune"));
        assertTrue(accuracies.get("head") > 0.6, "head accuracy " + accuracies.get("head") + " is not above chance");
        assertTrue(accuracies.get("fine-tune") > 0.6, "fine-tuned accuracy " + accuracies.get("fine-tune") + " is not above chance");

        final List<TcpSockets.Socket> outside = nifi.tcpSockets().stream().filter(socket -> !socket.isLoopbackOnly()).toList();
        assertEquals(List.of(), outside, "NiFi, with DJL engines loaded, talks only to 127.0.0.1");
    }

    @Test
    @Order(3)
    void aStopDuringFineTuningReturnsItsInputsAndARestartKeepsThem() throws Exception {
        final Path again = temporary.resolve("stripes-again");
        copyTree(images, again);
        client.updateParameters(client.parameterContextId(templateGroup), templateParameters(again, "2000"), Duration.ofMinutes(1));
        final Map<String, String> ids = processorIds(templateGroup);
        client.startProcessGroup(templateGroup);
        try {
            final long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (!"training".equals(state(ids.get("FineTune")).get("status"))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("FineTune never started training: " + state(ids.get("FineTune")) + "\n" + nifi.logTail(40));
                }
                Thread.sleep(500);
            }
            assertTrue(state(ids.get("FineTune")).get("epoch").matches("\\d+/\\d+"), "progress is in FineTune's state");
        } finally {
            client.stopProcessGroup(templateGroup);
        }
        // NiFi counts the flowfiles a session holds as queued until it commits: after the stop they must be back, the
        // session rolled back, and no fine-tuned model emitted
        final long stopped = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (isRunning(ids.get("FineTune")) && System.nanoTime() < stopped) {
            Thread.sleep(500);
        }
        // the model, train and validation datasets return to FineTune's queues; the test split may wait there too, when it
        // arrived while FineTune was training (FineTune routes it to 'unused' on its next run)
        final List<String> queued = new java.util.ArrayList<>();
        for (final NiFiClient.ConnectionQueue queue : client.connectionQueues(templateGroup)) {
            if ("FineTune".equals(queue.target()) && queue.flowFilesQueued() > 0) {
                client.queuedAttributes(queue.id()).forEach(attributes -> queued.add("model".equals(attributes.get("transfer.kind")) ? "model"
                        : attributes.get("transfer.split")));
            }
        }
        java.util.Collections.sort(queued);
        assertTrue(queued.equals(List.of("model", "train", "validation")) || queued.equals(List.of("model", "test", "train", "validation")),
                "the model, train and validation datasets return to FineTune's queues: " + queued);
        final long fineTunedMetrics = client.queryProvenance(Map.of("ProcessorID", ids.get("Evaluate Fine-Tuned Model")), 1000, Duration.ofSeconds(30))
                .stream().filter(event -> "metrics".equals(event.attribute("transfer.result"))).count();
        assertEquals(1, fineTunedMetrics, "the stopped run produced no fine-tuned model: only the first run's was evaluated");
        assertEquals(0, queuedInto(templateGroup, "failures"));
        assertTrue(nifi.logSinceStart().contains("Stopped during fine-tuning of run"), "FineTune logged its stop");

        nifi.restart();
        client = nifi.client();
        assertEquals(9, client.processors(templateGroup).size(), "the flow survives a restart");
        assertEquals(queued.size(), queuedInto(templateGroup, "FineTune"), "the queued data survives a restart");
    }

    private static boolean isRunning(final String processorId) throws Exception {
        return client.get("/flow/processors/" + processorId + "/status").path("processorStatus").path("aggregateSnapshot")
                .path("activeThreadCount").asInt(0) > 0;
    }

    private static Map<String, String> state(final String processorId) throws Exception {
        final Map<String, String> values = new HashMap<>();
        for (final JsonNode entry : client.get("/processors/" + processorId + "/state").path("componentState").path("localState").path("state")) {
            values.put(entry.path("key").asText(), entry.path("value").asText());
        }
        return values;
    }

    @Test
    @Order(4)
    void theFlowersSampleFlowRunsOnTheRealData() throws Exception {
        final Path flowers = sharedData("datasets/flowers/train");
        final Path squeezeNet = sharedData("models/squeezenet1_1_features.onnx");
        final String group = client.uploadFlowDefinition(client.rootProcessGroupId(), "flowers on real data",
                project.resolve("sample-flows/flowers-onnx-head-only.json")).path("id").asText();
        client.updateParameters(client.parameterContextId(group), Map.of("data.directory", flowers.toString(), "base.model", squeezeNet.toString(),
                "normalization.preset", "caffe", "image.size", "224"), Duration.ofMinutes(1));
        assertAllValid(group, 5);
        final long start = System.nanoTime();
        client.startProcessGroup(group);
        awaitQueued(group, "results", FlowRun.RESULTS_PER_EVALUATION + 1, RUN_TIMEOUT);
        client.stopProcessGroup(group);
        final String evaluate = processorIds(group).get("Evaluate");
        final NiFiClient.ProvenanceEvent metrics = client.awaitProvenanceEvents(Map.of("ProcessorID", evaluate),
                found -> found.stream().anyMatch(event -> "metrics".equals(event.attribute("transfer.result"))), Duration.ofMinutes(1))
                .stream().filter(event -> "metrics".equals(event.attribute("transfer.result"))).findFirst().orElseThrow();
        final double accuracy = Double.parseDouble(metrics.attribute("transfer.eval.accuracy"));
        System.out.printf(Locale.ROOT, "%nEND TO END on real data (flowers/train split 80/10/10, ONNX SqueezeNet 1.1, head only): test accuracy "
                + "%.3f on %s images, %.0f s%n", accuracy, metrics.attribute("transfer.eval.count"), (System.nanoTime() - start) / 1e9);
        assertTrue(accuracy >= 0.8, "flowers test accuracy " + accuracy);

        // the heatmap gallery of 16 test images, by CAM on the ONNX base, and what it costs
        final NiFiClient.ProvenanceEvent heatmaps = client.awaitProvenanceEvents(Map.of("ProcessorID", evaluate),
                found -> found.stream().anyMatch(event -> "heatmaps".equals(event.attribute("transfer.result"))), Duration.ofMinutes(1))
                .stream().filter(event -> "heatmaps".equals(event.attribute("transfer.result"))).findFirst().orElseThrow();
        final double gallerySeconds = Double.parseDouble(heatmaps.attribute("transfer.heatmap.seconds"));
        final double evaluationSeconds = Double.parseDouble(heatmaps.attribute("transfer.eval.seconds"));
        System.out.printf(Locale.ROOT, "Heatmap gallery: %s images by %s in %.2f s of the evaluation's %.2f s (%.1f%%)%n",
                heatmaps.attribute("transfer.heatmap.images"), heatmaps.attribute("transfer.heatmap.method"), gallerySeconds, evaluationSeconds,
                100 * gallerySeconds / evaluationSeconds);
        assertEquals("16", heatmaps.attribute("transfer.heatmap.images"));
        assertTrue(heatmaps.attribute("transfer.heatmap.method").startsWith("CAM"), "CAM works on an ONNX base: no gradients needed");
        // The fastest evaluation we have (ONNX Runtime, 257 images in under 2 s): 8-10% here, 12-17% in a fresh JVM, where
        // every line of the gallery runs for the first time. Issue 13's 10% is held on the template's real-data runs
        // (MainJobIT); here the gallery must stay a small part of even this evaluation.
        assertTrue(gallerySeconds < 0.2 * evaluationSeconds, "the gallery took " + gallerySeconds + " s of " + evaluationSeconds + " s");
        final BufferedImage gallery = ImageIO.read(new ByteArrayInputStream(client.provenanceOutputContent(heatmaps.eventId())));
        assertTrue(gallery != null && gallery.getWidth() >= 4 * 224, "a gallery of 224 x 224 heatmaps, four a row");

        // an ONNX base's inner blocks cannot be reached: the activations result says so rather than being left out
        final NiFiClient.ProvenanceEvent activations = client.awaitProvenanceEvents(Map.of("ProcessorID", evaluate),
                found -> found.stream().anyMatch(event -> "activations".equals(event.attribute("transfer.result"))), Duration.ofMinutes(1))
                .stream().filter(event -> "activations".equals(event.attribute("transfer.result"))).findFirst().orElseThrow();
        assertTrue(activations.attribute("transfer.activations.unavailable").startsWith("ONNX Runtime runs the base"),
                activations.attribute("transfer.activations.unavailable"));
        assertTrue(ImageIO.read(new ByteArrayInputStream(client.provenanceOutputContent(activations.eventId()))) != null, "a PNG that says why");
    }

    @Test
    @Order(5)
    void anEvaluationThatFailsSendsTheModelAndTheTestSplitToFailureFromBothConnections() throws Exception {
        final String group = client.uploadFlowDefinition(client.rootProcessGroupId(), "failing evaluation",
                org.nifitransfer.e2e.flows.FlowDefinitions.failingEvaluationJson().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 1200)
                .path("id").asText();
        client.updateParameters(client.parameterContextId(group), Map.of("data.directory", images.toString(), "base.model",
                project.resolve("fixtures/models/tiny_base.pt").toString(), "image.size", "64", "test.image.size", "32"), Duration.ofMinutes(1));
        assertAllValid(group, 6);
        client.startProcessGroup(group);
        try {
            final long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (queuedInto(group, "failures") < 2) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the failed evaluation's inputs did not reach failures: " + client.connectionQueues(group) + "\n"
                            + nifi.logTail(40));
                }
                Thread.sleep(1000);
            }
            Thread.sleep(3000);
        } finally {
            client.stopProcessGroup(group);
        }
        final List<NiFiClient.ConnectionQueue> queues = client.connectionQueues(group);
        assertEquals(2, queuedInto(group, "failures"), () -> "the model and the test split, once each: " + queues);
        assertEquals(0, queuedInto(group, "Evaluate"), "nothing is left waiting in either of Evaluate's connections");
        assertEquals(0, queuedInto(group, "results"));
        assertTrue(nifi.logSinceStart().contains("evaluation failed, its 2 inputs go to failure"), nifi.logTail(40));
    }

    private static Path sharedData(final String relative) {
        final Path path = Path.of(System.getProperty("transfer.shared.data", "../shared/data")).resolve(relative).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new AssertionError("ACCEPTANCE DATA MISSING: " + path + " (the real images and weights in ../shared/data beside the "
                    + "checkout); run ./mvnw verify -Dacceptance=false to leave the acceptance tests out");
        }
        return path;
    }

    /** Horizontal versus vertical stripes, 64x64 PNG: the images the fixture base's edge detectors were made for. */
    static Path writeStripes(final Path root, final int train, final int validation, final int test) throws IOException {
        final Random random = new Random(11);
        final String[] splits = {"train", "validation", "test"};
        final int[] counts = {train, validation, test};
        for (int s = 0; s < splits.length; s++) {
            for (final String label : new String[] {"horizontal", "vertical"}) {
                final Path folder = Files.createDirectories(root.resolve(splits[s]).resolve(label));
                for (int i = 0; i < counts[s]; i++) {
                    final BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
                    final Graphics2D graphics = image.createGraphics();
                    graphics.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
                    graphics.fillRect(0, 0, 64, 64);
                    graphics.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
                    final int stripe = 2 + random.nextInt(7);
                    for (int offset = -random.nextInt(2 * stripe); offset < 64; offset += 2 * stripe) {
                        if (label.equals("horizontal")) {
                            graphics.fillRect(0, offset, 64, stripe);
                        } else {
                            graphics.fillRect(offset, 0, stripe, 64);
                        }
                    }
                    graphics.dispose();
                    ImageIO.write(image, "png", folder.resolve(label + "." + i + ".png").toFile());
                }
            }
        }
        return root;
    }

    private static void copyTree(final Path source, final Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (final Path path : paths.toList()) {
                final Path destination = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination);
                }
            }
        }
    }
}
