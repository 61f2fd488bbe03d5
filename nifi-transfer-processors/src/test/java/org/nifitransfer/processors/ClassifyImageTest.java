package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.pipeline.Hashes;

/** ClassifyImage: models from flowfiles and files, images as they come, and everything that can go wrong. */
class ClassifyImageTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    static Path images;

    /** A head on the TorchScript fixture base, and one on the ONNX base: two different models of the same classes. */
    private static Chain.Outputs torchScript;
    private static Chain.Outputs onnx;

    @TempDir
    Path work;

    private TestRunner runner;

    @BeforeAll
    static void train() {
        TestImages.stripedFolder(images, new String[] {"train", "validation", "test"}, new int[] {20, 8, 8}, 32);
        torchScript = Chain.run(images, "tiny_base.pt", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "3"), null);
        onnx = Chain.run(images, "tiny_base.onnx", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "3"), null);
    }

    @BeforeEach
    void newRunner() {
        runner = newClassifier(work);
    }

    private static TestRunner newClassifier(final Path work) {
        final TestRunner classifier = TestRunners.newTestRunner(ClassifyImage.class);
        classifier.setProperty(ClassifyImage.MODEL_DIRECTORY, work.resolve("models").toString());
        classifier.setProperty(ClassifyImage.TOP_CLASSES, "2");
        classifier.setProperty(ClassifyImage.MINIMUM_CONFIDENCE, "0");
        return classifier;
    }

    /** The test split's images: {@code class/name -> bytes}. */
    private static Map<String, byte[]> testImages() throws IOException {
        final Map<String, byte[]> files = new java.util.TreeMap<>();
        try (Stream<Path> walk = Files.walk(images.resolve("test"))) {
            for (final Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(images.resolve("test").relativize(file).toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    private static void enqueueImages(final TestRunner runner, final Map<String, byte[]> files) {
        files.forEach((name, content) -> runner.enqueue(content, Map.of(CoreAttributes.FILENAME.key(), name)));
    }

    /** Evaluate's probabilities by file, from its predictions CSV. */
    private static Map<String, float[]> evaluated(final Chain.Outputs outputs) {
        final String csv = new String(outputs.headResults().get("predictions").getFirst().toByteArray(), StandardCharsets.UTF_8);
        final Map<String, float[]> probabilities = new HashMap<>();
        for (final String line : csv.split("\r\n")) {
            final String[] fields = line.split(",");
            if (!fields[0].equals("file")) {
                probabilities.put(fields[0], new float[] {Float.parseFloat(fields[5]), Float.parseFloat(fields[6])});
            }
        }
        return probabilities;
    }

    /** A flowfile's transfer.top as class -> probability. */
    private static Map<String, Float> top(final MockFlowFile flowFile) throws IOException {
        final Map<String, Float> scores = new HashMap<>();
        for (final JsonNode entry : MAPPER.readTree(flowFile.getAttribute(ClassifyImage.TOP_ATTRIBUTE))) {
            scores.put(entry.get("class").asText(), (float) entry.get("probability").asDouble());
        }
        return scores;
    }

    private static String sha(final Chain.Outputs outputs) {
        try {
            final Path file = Files.createTempFile("model", ".tar");
            try {
                Files.write(file, outputs.headModel().toByteArray());
                return Hashes.sha256(file);
            } finally {
                Files.delete(file);
            }
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void imagesGetTheClassAndProbabilitiesEvaluateGaveThemAndGoOnUnchanged() throws IOException {
        Chain.pass(torchScript.headModel(), runner);
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.setProperty(ClassifyImage.BATCH_SIZE, "5");
        runner.run(6);
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 1);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        runner.assertTransferCount(ClassifyImage.REL_FAILURE, 0);
        final Map<String, float[]> expected = evaluated(torchScript);
        final String sha = sha(torchScript);
        for (final MockFlowFile image : runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)) {
            final String name = image.getAttribute(CoreAttributes.FILENAME.key());
            image.assertContentEquals(files.get(name));
            final float[] probabilities = expected.get(name);
            final String expectedClass = probabilities[0] >= probabilities[1] ? "horizontal" : "vertical";
            image.assertAttributeEquals(ClassifyImage.CLASS_ATTRIBUTE, expectedClass);
            assertEquals(Math.max(probabilities[0], probabilities[1]), Float.parseFloat(image.getAttribute(ClassifyImage.CONFIDENCE_ATTRIBUTE)), 1e-5);
            final Map<String, Float> top = top(image);
            assertEquals(probabilities[0], top.get("horizontal"), 1e-5, name);
            assertEquals(probabilities[1], top.get("vertical"), 1e-5, name);
            image.assertAttributeEquals(ClassifyImage.MODEL_SHA_ATTRIBUTE, sha);
            image.assertAttributeEquals(ClassifyImage.MODEL_RUN_ATTRIBUTE, torchScript.headModel().getAttribute(TransferAttributes.RUN_ID));
            image.assertAttributeEquals(ClassifyImage.MODEL_PHASE_ATTRIBUTE, "head");
        }
        final List<ProvenanceEventRecord> routes = runner.getProvenanceEvents().stream()
                .filter(event -> event.getEventType() == ProvenanceEventType.ROUTE && event.getRelationship().equals("success")).toList();
        assertEquals(files.size(), routes.size());
        assertTrue(routes.getFirst().getDetails().startsWith("Classified as "), routes.getFirst().getDetails());
        final Map<String, String> state = runner.getStateManager().getState(Scope.LOCAL).toMap();
        assertEquals(sha, state.get(ClassifyImage.STATE_SHA));
        assertEquals(String.valueOf(files.size()), state.get("images.classified"));
        assertTrue(Files.isRegularFile(Path.of(state.get(ClassifyImage.STATE_FILE))), "installed under Model Directory");
        assertTrue(state.get(ClassifyImage.STATE_FILE).startsWith(work.resolve("models").toString()));
    }

    @Test
    void withAFlipImagesGetTheProbabilitiesEvaluateGivesWithAFlip() throws IOException {
        runner.setProperty(ClassifyImage.TEST_TIME_AUGMENTATION, Evaluate.Augmentation.HORIZONTAL_FLIP);
        Chain.pass(torchScript.headModel(), runner);
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.setProperty(ClassifyImage.BATCH_SIZE, "5");
        runner.run(6);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());

        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> {
            r.setProperty(Evaluate.HEATMAP_IMAGES, "0");
            r.setProperty(Evaluate.BLOCK_ACTIVATIONS, "false");
            r.setProperty(Evaluate.TEST_TIME_AUGMENTATION, Evaluate.Augmentation.HORIZONTAL_FLIP);
        });
        Chain.pass(torchScript.headModel(), evaluate);
        Chain.pass(Chain.test(torchScript.tensors()), evaluate);
        evaluate.run();
        final MockFlowFile csv = evaluate.getFlowFilesForRelationship(Evaluate.REL_RESULTS).stream()
                .filter(result -> "predictions".equals(result.getAttribute(Evaluate.RESULT_ATTRIBUTE))).findFirst().orElseThrow();
        final Map<String, float[]> flipped = new HashMap<>();
        for (final String line : new String(csv.toByteArray(), StandardCharsets.UTF_8).split("\r\n")) {
            final String[] fields = line.split(",");
            if (!fields[0].equals("file")) {
                flipped.put(fields[0], new float[] {Float.parseFloat(fields[5]), Float.parseFloat(fields[6])});
            }
        }
        final Map<String, float[]> plain = evaluated(torchScript);
        int moved = 0;
        for (final MockFlowFile image : runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)) {
            final String name = image.getAttribute(CoreAttributes.FILENAME.key());
            final Map<String, Float> top = top(image);
            assertEquals(flipped.get(name)[0], top.get("horizontal"), 1e-5, name);
            assertEquals(flipped.get(name)[1], top.get("vertical"), 1e-5, name);
            moved += Math.abs(plain.get(name)[0] - top.get("horizontal")) > 1e-5 ? 1 : 0;
        }
        assertTrue(moved > 0, "the flip moved no probability");
    }

    @Test
    void imagesThatArriveBeforeAnyModelWaitInTheQueueWithAWarning() throws IOException {
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.run(3);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, 0);
        runner.assertTransferCount(ClassifyImage.REL_FAILURE, 0);
        runner.assertQueueNotEmpty();
        assertEquals(files.size(), runner.getQueueSize().getObjectCount(), "nothing taken, nothing dropped");
        final List<LogMessage> warnings = runner.getLogger().getWarnMessages();
        assertEquals(1, warnings.size(), "one bulletin per 30 seconds, not one per run");
        assertTrue(warnings.getFirst().getMsg().contains("wait in the queue for a model"), warnings.getFirst().getMsg());

        Chain.pass(torchScript.headModel(), runner);
        runner.run(3);
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 1);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        runner.assertQueueEmpty();
    }

    @Test
    void aSecondModelReplacesTheFirstForTheImagesAfterIt() throws IOException {
        final Map<String, byte[]> files = testImages();
        runner.setProperty(ClassifyImage.BATCH_SIZE, "100");
        Chain.pass(torchScript.headModel(), runner);
        enqueueImages(runner, files);
        runner.run(2, false, true);
        // (nifi-mock puts what a filter rejects at the end of the queue, so the second model comes once the first images are done)
        Chain.pass(onnx.headModel(), runner);
        enqueueImages(runner, files);
        runner.run(2, true, false);
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 2);
        final List<MockFlowFile> classified = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS);
        assertEquals(2 * files.size(), classified.size());
        final String first = sha(torchScript);
        final String second = sha(onnx);
        assertNotEquals(first, second);
        // images are classified in queue order: those before the second model by the first, those after by the second
        for (int i = 0; i < classified.size(); i++) {
            classified.get(i).assertAttributeEquals(ClassifyImage.MODEL_SHA_ATTRIBUTE, i < files.size() ? first : second);
        }
        assertEquals(second, runner.getStateManager().getState(Scope.LOCAL).get(ClassifyImage.STATE_SHA));
        try (Stream<Path> installed = Files.list(work.resolve("models").resolve(runner.getProcessor().getIdentifier()))) {
            assertEquals(List.of(second + ".tar"), installed.map(path -> path.getFileName().toString()).toList(), "only the model in use is kept");
        }
    }

    @Test
    void theInstalledModelSurvivesARestart() throws IOException {
        Chain.pass(torchScript.headModel(), runner);
        runner.run();
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 1);
        final Map<String, String> state = runner.getStateManager().getState(Scope.LOCAL).toMap();

        // a new instance with the old one's state and Model Directory: what NiFi starts after a restart
        final TestRunner restarted = newClassifier(work);
        restarted.getStateManager().setState(state, Scope.LOCAL);
        final Map<String, byte[]> files = testImages();
        enqueueImages(restarted, files);
        restarted.run(2);
        restarted.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        restarted.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)
                .forEach(image -> image.assertAttributeEquals(ClassifyImage.MODEL_SHA_ATTRIBUTE, state.get(ClassifyImage.STATE_SHA)));
    }

    @Test
    void aModelFileIsLoadedAndLoadedAgainWhenItChanges() throws Exception {
        final Path modelFile = work.resolve("model.tar");
        Files.write(modelFile, torchScript.headModel().toByteArray());
        runner.setProperty(ClassifyImage.MODEL_FILE, modelFile.toString());
        runner.assertValid();
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.run(1, false, true);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)
                .forEach(image -> image.assertAttributeEquals(ClassifyImage.MODEL_SHA_ATTRIBUTE, sha(torchScript)));
        runner.clearTransferState();

        Files.write(modelFile, onnx.headModel().toByteArray());
        Files.setLastModifiedTime(modelFile, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        Thread.sleep(1_100);
        enqueueImages(runner, files);
        runner.run(1, true, false);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)
                .forEach(image -> image.assertAttributeEquals(ClassifyImage.MODEL_SHA_ATTRIBUTE, sha(onnx)));
    }

    @Test
    void aModelFileThatIsNoModelMakesTheProcessorInvalidWithTheReason() {
        runner.setProperty(ClassifyImage.MODEL_FILE, images.resolve("test/horizontal/img0.png").toString());
        runner.assertNotValid();
        final String explanation = ((org.apache.nifi.util.MockProcessContext) runner.getProcessContext()).validate().stream().filter(result -> !result.isValid()).findFirst().orElseThrow().getExplanation();
        assertTrue(explanation.contains("not a model"), explanation);
        runner.setProperty(ClassifyImage.MODEL_FILE, images.resolve("nope.tar").toString());
        runner.assertNotValid();
    }

    @Test
    void imagesBelowMinimumConfidenceGoToUncertain() throws IOException {
        final Map<String, byte[]> files = testImages();
        Chain.pass(torchScript.headModel(), runner);
        enqueueImages(runner, files);
        runner.run(2);
        final List<Float> confidences = new ArrayList<>();
        runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)
                .forEach(image -> confidences.add(Float.parseFloat(image.getAttribute(ClassifyImage.CONFIDENCE_ATTRIBUTE))));
        confidences.sort(null);
        final float threshold = confidences.get(confidences.size() / 2);
        final long below = confidences.stream().filter(confidence -> confidence < threshold).count();
        assertTrue(below > 0 && below < files.size(), "the threshold splits the images: " + confidences);

        final TestRunner strict = newClassifier(work.resolve("strict"));
        strict.setProperty(ClassifyImage.MINIMUM_CONFIDENCE, Float.toString(threshold));
        Chain.pass(torchScript.headModel(), strict);
        enqueueImages(strict, files);
        strict.run(2);
        strict.assertTransferCount(ClassifyImage.REL_UNCERTAIN, (int) below);
        strict.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size() - (int) below);
        for (final MockFlowFile image : strict.getFlowFilesForRelationship(ClassifyImage.REL_UNCERTAIN)) {
            assertTrue(Float.parseFloat(image.getAttribute(ClassifyImage.CONFIDENCE_ATTRIBUTE)) < threshold);
            assertTrue(image.getAttribute(ClassifyImage.CLASS_ATTRIBUTE) != null, "an uncertain image still says what it looks like");
        }
        assertEquals(String.valueOf(below), strict.getStateManager().getState(Scope.LOCAL).get("images.uncertain"));
    }

    @Test
    void contentThatIsNoImageGoesToFailureWithTheReasonAndTheRestAreClassified() throws IOException {
        Chain.pass(torchScript.headModel(), runner);
        runner.enqueue("just some text".getBytes(StandardCharsets.UTF_8), Map.of(CoreAttributes.FILENAME.key(), "notes.txt"));
        runner.enqueue(new byte[0], Map.of(CoreAttributes.FILENAME.key(), "empty.jpg"));
        runner.enqueue(TestImages.truncatedJpeg(), Map.of(CoreAttributes.FILENAME.key(), "truncated.jpg"));
        runner.enqueue(TestImages.stripes(1, 2, 50, 40, "jpg"), Map.of(CoreAttributes.FILENAME.key(), "good.jpg"));
        runner.enqueue(TestImages.stripes(0, 2, 30, 60, "bmp"), Map.of(CoreAttributes.FILENAME.key(), "good.bmp"));
        runner.run(2);
        runner.assertTransferCount(ClassifyImage.REL_FAILURE, 3);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, 2);
        final Map<String, String> reasons = new HashMap<>();
        runner.getFlowFilesForRelationship(ClassifyImage.REL_FAILURE).forEach(failed ->
                reasons.put(failed.getAttribute(CoreAttributes.FILENAME.key()), failed.getAttribute(TransferAttributes.ERROR)));
        assertTrue(reasons.get("notes.txt").startsWith("not a decodable image: not an image"), reasons.get("notes.txt"));
        assertTrue(reasons.get("empty.jpg").contains("empty"), reasons.get("empty.jpg"));
        assertTrue(reasons.get("truncated.jpg").contains("JPEG"), reasons.get("truncated.jpg"));
        assertEquals("3", runner.getStateManager().getState(Scope.LOCAL).get("images.failed"));
    }

    @Test
    void aModelFlowfileThatCannotBeUsedGoesToFailureAndTheModelInUseStays() throws IOException {
        Chain.pass(torchScript.headModel(), runner);
        runner.enqueue("not a model".getBytes(StandardCharsets.UTF_8), Map.of(TransferAttributes.KIND, TransferAttributes.MODEL_KIND));
        final byte[] model = torchScript.headModel().toByteArray();
        runner.enqueue(java.util.Arrays.copyOf(model, model.length / 2), Map.of(TransferAttributes.KIND, TransferAttributes.MODEL_KIND));
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.run(4);
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 1);
        runner.assertTransferCount(ClassifyImage.REL_FAILURE, 2);
        for (final MockFlowFile failed : runner.getFlowFilesForRelationship(ClassifyImage.REL_FAILURE)) {
            assertTrue(failed.getAttribute(TransferAttributes.ERROR).contains("model"), failed.getAttribute(TransferAttributes.ERROR));
        }
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)
                .forEach(image -> image.assertAttributeEquals(ClassifyImage.MODEL_SHA_ATTRIBUTE, sha(torchScript)));
    }

    @Test
    void aModelWithoutAttributesIsRecognisedByItsContent() throws IOException {
        runner.enqueue(torchScript.headModel().toByteArray(), Map.of(CoreAttributes.FILENAME.key(), "downloaded-model.tar"));
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.run(3);
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 1);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
    }

    @Test
    void anImageDatasetIsClassifiedWholeIntoAPredictionsCsv() {
        Chain.pass(torchScript.headModel(), runner);
        final MockFlowFile testImages = torchScript.runners().getFirst().getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).stream()
                .filter(flowFile -> "test".equals(flowFile.getAttribute(TransferAttributes.SPLIT))).findFirst().orElseThrow();
        Chain.pass(testImages, runner);
        runner.run(2);
        runner.assertTransferCount(ClassifyImage.REL_PREDICTIONS, 1);
        runner.assertTransferCount(ClassifyImage.REL_ORIGINAL, 2);
        final MockFlowFile csv = runner.getFlowFilesForRelationship(ClassifyImage.REL_PREDICTIONS).getFirst();
        csv.assertAttributeEquals(TransferAttributes.COUNT, "16");
        csv.assertAttributeEquals(CoreAttributes.MIME_TYPE.key(), "text/csv");
        final String evaluateCsv = new String(torchScript.headResults().get("predictions").getFirst().toByteArray(), StandardCharsets.UTF_8);
        final String[] ours = csv.getContent().split("\r\n");
        final String[] theirs = evaluateCsv.split("\r\n");
        assertEquals(theirs.length, ours.length);
        assertEquals(theirs[0], ours[0], "the same columns as Evaluate's");
        final Map<String, float[]> expected = evaluated(torchScript);
        for (int i = 1; i < ours.length; i++) {
            final String[] fields = ours[i].split(",");
            assertEquals(expected.get(fields[0])[1], Float.parseFloat(fields[6]), 1e-5, fields[0]);
        }
        assertEquals(Double.parseDouble(torchScript.headResults().get("metrics").getFirst().getAttribute("transfer.eval.accuracy")),
                Double.parseDouble(csv.getAttribute("transfer.accuracy")), 1e-4);
    }

    @Test
    void withEmitHeatmapsEachImageAlsoGetsItsHeatmapAndTheSameAnswer() throws IOException {
        assertTrue(runner.getProcessor().getRelationships().stream().noneMatch(relationship -> relationship.getName().equals("heatmaps")),
                "no heatmaps relationship to connect unless asked");
        runner.setProperty(ClassifyImage.EMIT_HEATMAPS, "true");
        assertTrue(runner.getProcessor().getRelationships().contains(ClassifyImage.REL_HEATMAPS));
        Chain.pass(torchScript.headModel(), runner);
        final Map<String, byte[]> files = testImages();
        enqueueImages(runner, files);
        runner.run(2);
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, files.size());
        runner.assertTransferCount(ClassifyImage.REL_HEATMAPS, files.size());
        final Map<String, float[]> expected = evaluated(torchScript);
        for (final MockFlowFile image : runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)) {
            final String name = image.getAttribute(CoreAttributes.FILENAME.key());
            assertEquals(expected.get(name)[1], top(image).get("vertical"), 1e-5, "the same answer from the maps' pass: " + name);
        }
        for (final MockFlowFile heatmap : runner.getFlowFilesForRelationship(ClassifyImage.REL_HEATMAPS)) {
            final java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(heatmap.toByteArray()));
            assertEquals(32, png.getWidth(), "the image as the model saw it");
            assertTrue(heatmap.getAttribute(CoreAttributes.FILENAME.key()).endsWith(".png-heatmap.png"));
            heatmap.assertAttributeEquals(CoreAttributes.MIME_TYPE.key(), "image/png");
            assertTrue(heatmap.getAttribute(ClassifyImage.HEATMAP_METHOD_ATTRIBUTE).startsWith("CAM"));
            heatmap.assertAttributeExists(ClassifyImage.CLASS_ATTRIBUTE);
        }
    }

    @Test
    void concurrentTasksShareTheModelAndEveryImageComesOutOnce() throws IOException {
        Chain.pass(torchScript.headModel(), runner);
        runner.run();
        runner.setThreadCount(3);
        runner.setProperty(ClassifyImage.BATCH_SIZE, "4");
        final Map<String, byte[]> files = testImages();
        for (int copy = 0; copy < 4; copy++) {
            final int number = copy;
            files.forEach((name, content) -> runner.enqueue(content, Map.of(CoreAttributes.FILENAME.key(), number + "/" + name)));
        }
        runner.run(30);
        runner.assertQueueEmpty();
        final List<MockFlowFile> classified = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS);
        assertEquals(4 * files.size(), classified.size());
        assertEquals(4 * files.size(), classified.stream().map(image -> image.getAttribute(CoreAttributes.FILENAME.key())).distinct().count());
        final Map<String, float[]> expected = evaluated(torchScript);
        for (final MockFlowFile image : classified) {
            final String name = image.getAttribute(CoreAttributes.FILENAME.key()).substring(2);
            assertEquals(expected.get(name)[0], top(image).get("horizontal"), 1e-5, "the same answer on any thread, in any batch: " + name);
        }
    }
}
