package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.pipeline.Hashes;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiInstance;

/**
 * "Train, then classify in the same flow", in a real NiFi 2.3.0: {@code sample-flows/train-then-classify.json} trains on the
 * committed flower photos with the committed SqueezeNet, and its ClassifyImage classifies photos that a test-only source
 * processor (EmitFiles, standing in for GetFile) feeds to the group's input port. Checked: images that come before the model
 * wait for it and then get Evaluate's probabilities; a second model hot-swaps; a NiFi restart keeps the installed model;
 * 1,000 images in, 1,000 out, nothing lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainThenClassifyIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String EMIT_FILES = "org.nifitransfer.testing.EmitFiles";
    private static final String TEST_BUNDLE = "org.nifitransfer:nifi-transfer-test-nar:0.1.0-SNAPSHOT";
    private static final String CLASSIFIER = "ClassifyImage";

    @TempDir
    static Path temporary;

    private static Path project;
    private static Path photos;
    private static Path incoming;
    private static NiFiInstance nifi;
    private static NiFiClient client;
    private static String group;
    private static String classifier;
    /** Images sent to ClassifyImage so far. */
    private static long sent;
    private static String headModelSha;

    @BeforeAll
    static void startNiFi() throws Exception {
        project = Path.of(System.getProperty("transfer.project.dir", "..")).toAbsolutePath().normalize();
        photos = project.resolve("examples/flowers");
        assertTrue(Files.isDirectory(photos.resolve("test")), "the committed flower photos are missing: " + photos);
        incoming = Files.createDirectories(temporary.resolve("incoming"));
        nifi = NiFiInstance.builder().name("train-then-classify").testExtensions(true).start();
        client = nifi.client();
        client.awaitProcessorTypes(List.of(EMIT_FILES, "org.nifitransfer.processors.ClassifyImage"), Duration.ofMinutes(2));
        final Map<String, String> parameters = new HashMap<>();
        parameters.put("data.directory", photos.toString());
        parameters.put("base.model", project.resolve("examples/models/squeezenet1_1_features.pt").toString());
        parameters.put("normalization.preset", "caffe");
        parameters.put("image.size", "224");
        parameters.put("test.from.validation", "0");
        parameters.put("head.epochs", "4");
        parameters.put("fine.tune.epochs", "1");
        parameters.put("unfreeze.top.blocks", "1");
        parameters.put("device", "cpu");
        group = FlowRun.importFlow(client, "train-then-classify", Files.readString(project.resolve("sample-flows/train-then-classify.json")),
                parameters);
        final String root = client.rootProcessGroupId();
        final String source = client.createProcessor(root, EMIT_FILES, TEST_BUNDLE, "EmitFiles (test only)",
                Map.of("Input Directory", incoming.toString(), "Batch Size", "100"), "0 sec");
        client.connectToInputPort(root, source, group, client.inputPorts(group).get("images to classify"), List.of("success"));
        // (the input port is the one thing to connect after importing: until then NiFi marks it as having no incoming connection)
        assertEquals(0, client.processGroup(group).path("component").path("invalidCount").asInt(-1), "nothing invalid on the canvas");
        classifier = client.processors(group).stream().filter(processor -> processor.name().equals(CLASSIFIER)).findFirst().orElseThrow().id();
    }

    @AfterAll
    static void stopNiFi() {
        if (nifi != null) {
            nifi.close();
        }
    }

    /** Copies a file into the incoming folder under a hidden name, then renames it, so EmitFiles takes it whole. */
    private static void deliver(final Path file, final String relativeName) throws IOException {
        final Path target = incoming.resolve(relativeName);
        Files.createDirectories(target.getParent());
        final Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
        Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deliver(final byte[] content, final String relativeName) throws IOException {
        final Path file = temporary.resolve("content-" + relativeName.replace('/', '-'));
        Files.write(file, content);
        deliver(file, relativeName);
    }

    private static List<Path> images(final String split) throws IOException {
        try (Stream<Path> files = Files.walk(photos.resolve(split))) {
            return files.filter(Files::isRegularFile).filter(file -> file.getFileName().toString().endsWith(".jpg")).sorted().toList();
        }
    }

    /** What left ClassifyImage so far, by where it went: classified, uncertain, failures. */
    private static Map<String, Long> outcomes() throws Exception {
        final Map<String, Long> counts = new HashMap<>(Map.of("classified", 0L, "uncertain", 0L, "failures", 0L));
        for (final NiFiClient.ConnectionQueue queue : client.connectionQueues(group)) {
            if (CLASSIFIER.equals(queue.sourceName()) && counts.containsKey(queue.target())) {
                counts.merge(queue.target(), queue.flowFilesQueued(), Long::sum);
            }
        }
        return counts;
    }

    private static long out() throws Exception {
        return outcomes().values().stream().mapToLong(Long::longValue).sum();
    }

    private static void await(final String what, final Duration timeout, final Callable<Boolean> condition) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Waited " + timeout + " for " + what + "; ClassifyImage's outcomes " + outcomes() + ", queues "
                        + client.connectionQueues(group) + ", failures " + FlowRun.failureReasons(client, group) + "\nNiFi log:\n" + nifi.logTail(60));
            }
            Thread.sleep(1000);
        }
    }

    /** ClassifyImage's ROUTE events for the images a model classified (not the one for the model flowfile itself). */
    private static List<NiFiClient.ProvenanceEvent> classifiedBy(final String sha, final int expected) throws Exception {
        final java.util.function.Function<List<NiFiClient.ProvenanceEvent>, List<NiFiClient.ProvenanceEvent>> images = events -> events.stream()
                .filter(event -> List.of("success", "uncertain").contains(event.relationship())).toList();
        return images.apply(client.awaitProvenanceEvents(Map.of("ProcessorID", classifier, "EventType", "ROUTE", "transfer.model.sha256", sha),
                events -> images.apply(events).size() >= expected, Duration.ofMinutes(2)));
    }

    @Test
    @Order(1)
    void imagesThatComeBeforeTheModelWaitForItAndGetTheProbabilitiesEvaluateGaveThem() throws Exception {
        final List<Path> test = images("test");
        for (final Path image : test) {
            deliver(image, photos.resolve("test").relativize(image).toString());
        }
        sent += test.size();
        client.startProcessGroup(client.rootProcessGroupId());
        await("the test photos to queue at ClassifyImage", Duration.ofMinutes(2), () -> out() > 0 || client.connectionQueues(group).stream()
                .anyMatch(queue -> CLASSIFIER.equals(queue.destinationName()) && queue.flowFilesQueued() == test.size()));
        assertEquals(0, out(), "nothing is classified, failed or dropped before the model comes");
        await("a bulletin saying what the images wait for", Duration.ofMinutes(1), () -> client.bulletins(group, -1).stream().anyMatch(
                bulletin -> CLASSIFIER.equals(bulletin.sourceName()) && bulletin.message().contains("wait in the queue for a model")));
        assertEquals(0, out(), "still nothing classified, failed or dropped while they wait");

        await("the trained model to classify the waiting photos", Duration.ofMinutes(10), () -> out() == sent);
        final Map<String, Long> outcomes = outcomes();
        assertEquals(0, outcomes.get("failures"), "failures: " + outcomes);
        final Map<String, String> state = client.processorState(classifier);
        assertEquals("fine-tune", state.get("model.phase"), "the fine-tuned model, passed on by Evaluate: " + state);
        final String sha = state.get("model.sha256");

        // Evaluate's predictions for the same photos (the test split)
        final Path results = Files.createDirectories(temporary.resolve("results"));
        FlowRun.evaluations(client, group, List.of("Evaluate Fine-Tuned Model"), null, results);
        final Path csv;
        try (Stream<Path> files = Files.list(results)) {
            csv = files.filter(file -> file.getFileName().toString().endsWith("-predictions.csv")).findFirst().orElseThrow();
        }
        final List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        final List<String> header = List.of(lines.getFirst().split(","));
        final Map<String, String[]> evaluated = new HashMap<>();
        lines.stream().skip(1).map(line -> line.split(",")).forEach(fields -> evaluated.put(fields[0], fields));
        assertEquals(test.size(), evaluated.size());

        final List<NiFiClient.ProvenanceEvent> routes = classifiedBy(sha, test.size());
        assertEquals(test.size(), routes.size());
        for (final NiFiClient.ProvenanceEvent route : routes) {
            final String name = route.attribute("path") + "/" + route.attribute("filename");
            final String[] expected = evaluated.get(name);
            assertEquals(expected[header.indexOf("predicted_class")], route.attribute("transfer.class"), name);
            assertEquals(Float.parseFloat(expected[header.indexOf("probability")]), Float.parseFloat(route.attribute("transfer.confidence")), 1e-5,
                    name);
            final JsonNode top = MAPPER.readTree(route.attribute("transfer.top"));
            assertEquals(3, top.size());
            for (final JsonNode entry : top) {
                assertEquals(Float.parseFloat(expected[header.indexOf("p_" + entry.get("class").asText())]), entry.get("probability").floatValue(),
                        1e-5, name + " " + entry);
            }
            assertTrue(route.details().startsWith("Classified as " + route.attribute("transfer.class")), route.details());
        }
    }

    @Test
    @Order(2)
    void aSecondModelReplacesTheFirstForTheImagesAfterIt() throws Exception {
        // the head model, as Evaluate passed it on, downloaded from provenance and dropped in as a file
        final Path results = Files.createDirectories(temporary.resolve("head"));
        FlowRun.evaluations(client, group, List.of("Evaluate Head Model"), null, results);
        final Path model;
        try (Stream<Path> files = Files.list(results)) {
            model = files.filter(file -> file.getFileName().toString().endsWith(".tar")).findFirst().orElseThrow();
        }
        headModelSha = Hashes.sha256(model);
        assertNotEquals(client.processorState(classifier).get("model.sha256"), headModelSha);
        deliver(model, "head-model.tar");
        await("ClassifyImage to install the head model", Duration.ofMinutes(2),
                () -> headModelSha.equals(client.processorState(classifier).get("model.sha256")));
        assertEquals("head", client.processorState(classifier).get("model.phase"));

        final List<Path> train = images("train").subList(0, 20);
        for (final Path image : train) {
            deliver(image, "second/" + image.getFileName());
        }
        sent += train.size();
        await("the photos after the second model", Duration.ofMinutes(2), () -> out() == sent);
        assertEquals(train.size(), classifiedBy(headModelSha, train.size()).size());
    }

    @Test
    @Order(3)
    void aRestartedNiFiKeepsTheInstalledModel() throws Exception {
        nifi.restart();
        assertEquals(headModelSha, client.processorState(classifier).get("model.sha256"), "the installed model is in the processor's state");
        final List<Path> validation = images("validation").subList(0, 20);
        for (final Path image : validation) {
            deliver(image, "after-restart/" + image.getFileName());
        }
        sent += validation.size();
        await("the photos after the restart", Duration.ofMinutes(3), () -> out() == sent);
        assertEquals(40, classifiedBy(headModelSha, 40).size(), "classified by the model installed before the restart");
    }

    @Test
    @Order(4)
    void aThousandImagesInAThousandOutNothingLost() throws Exception {
        final List<Path> all = new ArrayList<>();
        for (final String split : List.of("train", "validation", "test")) {
            all.addAll(images(split));
        }
        final long before = out();
        final long failedBefore = outcomes().get("failures");
        int delivered = 0;
        for (int i = 0; delivered < 990; i++) {
            final Path image = all.get(i % all.size());
            deliver(image, "thousand/" + i + "-" + image.getFileName());
            delivered++;
        }
        final byte[] jpeg = Files.readAllBytes(all.getFirst());
        for (int i = 0; i < 4; i++) {
            deliver(("not an image " + i).getBytes(StandardCharsets.UTF_8), "thousand/bad-text-" + i + ".jpg");
            deliver(new byte[0], "thousand/bad-empty-" + i + ".jpg");
        }
        deliver(java.util.Arrays.copyOf(jpeg, jpeg.length / 3), "thousand/bad-truncated-0.jpg");
        deliver(java.util.Arrays.copyOf(jpeg, 200), "thousand/bad-truncated-1.jpg");
        delivered += 10;
        assertEquals(1000, delivered);
        sent += delivered;
        await("a thousand images through ClassifyImage", Duration.ofMinutes(6), () -> out() >= sent);
        Thread.sleep(3000);
        assertEquals(before + 1000, out(), "each image comes out exactly once: " + outcomes());
        assertEquals(failedBefore + 10, outcomes().get("failures"), "exactly the ten bad files fail: " + outcomes());
        final NiFiClient.ConnectionQueue failures = client.connectionQueues(group).stream()
                .filter(queue -> CLASSIFIER.equals(queue.sourceName()) && "failures".equals(queue.target())).findFirst().orElseThrow();
        for (final Map<String, String> failed : client.queuedAttributes(failures.id())) {
            assertTrue(failed.get("filename").startsWith("bad-"), failed.toString());
            assertTrue(failed.get("transfer.error") != null && !failed.get("transfer.error").isBlank(), failed.toString());
        }
        try (Stream<Path> left = Files.walk(incoming)) {
            assertEquals(0, left.filter(Files::isRegularFile).count(), "EmitFiles took every file");
        }
        final Map<String, String> state = client.processorState(classifier);
        assertEquals(String.valueOf(sent - outcomes().get("failures")), state.get("images.classified"), state.toString());
    }
}
