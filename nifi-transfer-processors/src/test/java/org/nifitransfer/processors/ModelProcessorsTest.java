package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.MockProcessContext;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.TrainingCheckpoint;

/** Joins, bad inputs, stops and progress of ExtractFeatures, TrainHead, UnfreezeLayers, FineTune and Evaluate. */
class ModelProcessorsTest {

    @TempDir
    static Path images;

    private static Chain.Outputs torchScript;
    private static Chain.Outputs onnx;

    @TempDir
    Path work;

    @BeforeAll
    static void prepare() {
        TestImages.stripedFolder(images, new String[] {"train", "validation", "test"}, new int[] {20, 8, 8}, 32);
        torchScript = Chain.run(images, "tiny_base.pt", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "2"), null);
        onnx = Chain.run(images, "tiny_base.onnx", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "2"), null);
    }

    private static MockFlowFile split(final List<MockFlowFile> flowFiles, final String split) {
        return flowFiles.stream().filter(flowFile -> split.equals(flowFile.getAttribute(TransferAttributes.SPLIT))).findFirst().orElseThrow();
    }

    private static void passAs(final MockFlowFile flowFile, final TestRunner runner, final String runId) {
        final Map<String, String> attributes = new HashMap<>(flowFile.getAttributes());
        attributes.remove("uuid");
        attributes.put(TransferAttributes.RUN_ID, runId);
        runner.enqueue(flowFile.toByteArray(), attributes);
    }

    @Test
    void trainHeadWaitsForACompleteRunAndTrainsOnlyThatOne() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.EPOCHS, "1"));
        passAs(split(torchScript.features(), "train"), head, "run-a");
        passAs(split(torchScript.features(), "train"), head, "run-b");
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 0);
        head.assertTransferCount(TrainHead.REL_TIMEOUT, 0);
        assertEquals(2, head.getQueueSize().getObjectCount(), "incomplete runs wait in the queue");

        passAs(split(torchScript.features(), "validation"), head, "run-b");
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 1);
        head.getFlowFilesForRelationship(TrainHead.REL_SUCCESS).getFirst().assertAttributeEquals(TransferAttributes.RUN_ID, "run-b");
        head.assertTransferCount(TrainHead.REL_ORIGINAL, 2);
        assertEquals(1, head.getQueueSize().getObjectCount(), "run-a still waits");
    }

    @Test
    void anIncompleteRunTimesOutWithTheReason() throws InterruptedException {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.MAXIMUM_WAIT, "10 ms"));
        passAs(split(torchScript.features(), "train"), head, "lonely");
        Thread.sleep(50);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_TIMEOUT, 1);
        head.getFlowFilesForRelationship(TrainHead.REL_TIMEOUT).getFirst()
                .assertAttributeEquals(TransferAttributes.ERROR, "run lonely: no validation feature dataset arrived within 10 ms");
    }

    @Test
    void aRunThatCanNeverCompleteGoesToFailureAtOnceSayingWhy() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> { });
        final Map<String, String> attributes = new HashMap<>(split(torchScript.features(), "train").getAttributes());
        attributes.remove("uuid");
        attributes.put(TransferAttributes.RUN_ID, "no-validation");
        attributes.put(TransferAttributes.RUN_SPLITS, "train,test");
        head.enqueue(split(torchScript.features(), "train").toByteArray(), attributes);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 1);
        final String error = head.getFlowFilesForRelationship(TrainHead.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("run no-validation has no validation split: LoadImageFolder emitted only train, test for "
                + images + ", so no validation feature dataset can ever arrive. Add a validation folder, or set LoadImageFolder's "
                + "'Validation Fraction From Train' above 0."), error);

        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> { });
        final Map<String, String> model = new HashMap<>(torchScript.headModel().getAttributes());
        model.remove("uuid");
        model.put(TransferAttributes.RUN_SPLITS, "train,validation");
        evaluate.enqueue(torchScript.headModel().toByteArray(), model);
        evaluate.run();
        evaluate.assertAllFlowFilesTransferred(Evaluate.REL_FAILURE, 1);
        assertTrue(evaluate.getFlowFilesForRelationship(Evaluate.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .endsWith("set LoadImageFolder's 'Test Fraction From Validation' above 0."));
    }

    @Test
    void aStalledRunPostsAWarningNamingWhatItHasAndWhatItLacksOncePerPeriod() throws InterruptedException {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.WARN_AFTER, "200 ms"));
        passAs(split(torchScript.features(), "train"), head, "run-stalled");
        head.run();
        assertEquals(0, head.getLogger().getWarnMessages().size(), "no warning before Warn After");
        Thread.sleep(250);
        head.run(3);
        final List<String> warnings = head.getLogger().getWarnMessages().stream().map(message -> message.getMsg()).toList();
        assertEquals(1, warnings.size(), "one warning per Warn After: " + warnings);
        assertTrue(warnings.getFirst().contains("Run run-stalled (" + images + "): have train feature dataset, waiting 0 s for validation "
                + "feature dataset. The validation feature dataset comes from ExtractFeatures"), warnings.getFirst());
        assertTrue(warnings.getFirst().endsWith("The group goes to 'timeout' after Maximum Wait (30 min)"), warnings.getFirst());
        assertEquals(1, head.getQueueSize().getObjectCount(), "it keeps waiting");
        Thread.sleep(250);
        head.run();
        assertEquals(2, head.getLogger().getWarnMessages().size(), "repeated after another Warn After");
    }

    /** TrainHead whose model write fails after the output flowfile was created, as a full content repository would. */
    static final class FailingWriteTrainHead extends TrainHead {
        @Override
        void writeModel(final ModelPackage model, final OutputStream out) throws IOException {
            out.write(new byte[1024]);
            throw new IOException("No space left on device");
        }
    }

    /** FineTune whose model write fails after the output flowfile was created. */
    static final class FailingWriteFineTune extends FineTune {
        @Override
        void writeModel(final ModelPackage model, final OutputStream out) throws IOException {
            throw new IOException("No space left on device");
        }
    }

    @Test
    void aWriteThatFailsAfterTheOutputWasCreatedSendsTheGroupToFailureOnce() {
        final TestRunner head = TestRunners.newTestRunner(new FailingWriteTrainHead());
        head.setProperty(TrainHead.EPOCHS, "1");
        torchScript.features().forEach(flowFile -> Chain.pass(flowFile, head));
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 2);
        head.getFlowFilesForRelationship(TrainHead.REL_FAILURE)
                .forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.ERROR, "head training failed: java.io.IOException: No space left on device"));
        assertEquals(0, head.getQueueSize().getObjectCount());

        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(torchScript.headModel(), unfreeze);
        unfreeze.run();
        final TestRunner fineTune = TestRunners.newTestRunner(new FailingWriteFineTune());
        fineTune.setProperty(FineTune.EPOCHS, "1");
        Chain.pass(unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst(), fineTune);
        Chain.pass(split(torchScript.tensors(), "train"), fineTune);
        Chain.pass(split(torchScript.tensors(), "validation"), fineTune);
        fineTune.run();
        fineTune.assertAllFlowFilesTransferred(FineTune.REL_FAILURE, 3);
        assertTrue(fineTune.getFlowFilesForRelationship(FineTune.REL_FAILURE).stream().allMatch(flowFile -> flowFile.getAttribute(TransferAttributes.ERROR)
                .equals("fine-tuning failed: java.io.IOException: No space left on device")));
    }

    /** FineTune that is stopped, as by a user pressing Stop, once its checkpoint holds {@code stopAfter} epochs. */
    static final class StoppedFineTune extends FineTune {
        private volatile int stopAfter = Integer.MAX_VALUE;

        @Override
        boolean stopRequested(final TrainingCheckpoint checkpoint) {
            return checkpoint.savedEpoch().orElse(0) >= stopAfter;
        }
    }

    @Test
    void aStoppedFineTuningResumesAfterItsLastFinishedEpochWithTheSameResult() throws Exception {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(torchScript.headModel(), unfreeze);
        unfreeze.run();
        final MockFlowFile unfrozen = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();

        final TestRunner uninterrupted = Chain.runner(FineTune.class, r -> r.setProperty(FineTune.EPOCHS, "3"));
        Chain.pass(unfrozen, uninterrupted);
        Chain.pass(split(torchScript.tensors(), "train"), uninterrupted);
        Chain.pass(split(torchScript.tensors(), "validation"), uninterrupted);
        uninterrupted.run();
        final List<EpochRecord> expected = history(uninterrupted.getFlowFilesForRelationship(FineTune.REL_SUCCESS).getFirst());

        final StoppedFineTune processor = new StoppedFineTune();
        processor.stopAfter = 3;
        final TestRunner fineTune = TestRunners.newTestRunner(processor);
        fineTune.setProperty(FineTune.EPOCHS, "3");
        fineTune.setProperty(FineTune.WORK_DIRECTORY, work.toString());
        Chain.pass(unfrozen, fineTune);
        Chain.pass(split(torchScript.tensors(), "train"), fineTune);
        Chain.pass(split(torchScript.tensors(), "validation"), fineTune);
        fineTune.run();
        fineTune.assertTransferCount(FineTune.REL_SUCCESS, 0);
        assertEquals(3, fineTune.getQueueSize().getObjectCount(), "stopped after the first fine-tuning epoch (epoch 3): the inputs wait again");
        final Path checkpoint = Path.of(fineTune.getStateManager().getState(Scope.LOCAL).get("checkpoint"));
        assertTrue(checkpoint.startsWith(work.resolve("nifi-transfer-checkpoints")) && Files.exists(checkpoint.resolve("checkpoint.bin")),
                "the checkpoint folder is named in the state: " + checkpoint);

        processor.stopAfter = Integer.MAX_VALUE;
        fineTune.run();
        fineTune.assertTransferCount(FineTune.REL_SUCCESS, 1);
        assertTrue(fineTune.getLogger().getInfoMessages().stream().anyMatch(message -> message.getMsg().contains("resuming fine-tuning after "
                + "epoch 3, from its checkpoint")), "it says it resumes");
        assertEquals(expected, history(fineTune.getFlowFilesForRelationship(FineTune.REL_SUCCESS).getFirst()),
                "the same history as a run never stopped: epoch 3 is not trained twice");
        assertTrue(Files.notExists(checkpoint), "the checkpoint is removed once the model is out");
    }

    private static List<EpochRecord> history(final MockFlowFile model) throws IOException {
        return ModelPackage.readManifest(new java.io.ByteArrayInputStream(model.toByteArray())).history();
    }

    @Test
    void aLearningRateOfZeroIsInvalidForBothTrainingProcessors() {
        for (final Class<? extends org.apache.nifi.processor.Processor> type : List.of(TrainHead.class, FineTune.class)) {
            final TestRunner runner = Chain.runner(type, r -> { });
            runner.setProperty(type == TrainHead.class ? TrainHead.LEARNING_RATE : FineTune.LEARNING_RATE, "0");
            runner.assertNotValid();
            assertTrue(validationErrors(runner).contains("must be a number above 0"), validationErrors(runner));
            runner.setProperty(type == TrainHead.class ? TrainHead.LEARNING_RATE : FineTune.LEARNING_RATE, "1e-5");
            runner.assertValid();
        }
    }

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
        final MockFlowFile activations = onnx.headResults().get("activations").getFirst();
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
        Chain.pass(torchScript.headModel(), evaluate);
        Chain.pass(Chain.test(torchScript.tensors()), evaluate);
        evaluate.run();
        evaluate.assertTransferCount(Evaluate.REL_RESULTS, 4);
        assertEquals(java.util.Set.of("metrics", "learning-curve", "confusion-matrix", "predictions"), evaluate.getFlowFilesForRelationship(
                Evaluate.REL_RESULTS).stream().map(result -> result.getAttribute(Evaluate.RESULT_ATTRIBUTE)).collect(java.util.stream.Collectors.toSet()));
        evaluate.setProperty(Evaluate.BLOCK_ACTIVATIONS, "maybe");
        evaluate.assertNotValid();
    }

    @Test
    void somethingThatIsNoPartOfAJoinGoesToFailure() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> { });
        Chain.pass(split(torchScript.tensors(), "train"), head);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 1);
        assertTrue(head.getFlowFilesForRelationship(TrainHead.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("expected train feature dataset + validation feature dataset"));
    }

    @Test
    void splitsAProcessorDoesNotUseGoToUnused() throws Exception {
        final MockFlowFile testTensors = Chain.test(torchScript.tensors());
        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, Chain.fixture("tiny_base.pt").toString()));
        Chain.pass(testTensors, extract);
        extract.run();
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_UNUSED, 1);
        extract.getFlowFilesForRelationship(ExtractFeatures.REL_UNUSED).getFirst().assertContentEquals(testTensors.toByteArray());

        final TestRunner fineTune = Chain.runner(FineTune.class, r -> { });
        Chain.pass(testTensors, fineTune);
        fineTune.run();
        fineTune.assertAllFlowFilesTransferred(FineTune.REL_UNUSED, 1);

        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> { });
        Chain.pass(split(torchScript.tensors(), "train"), evaluate);
        evaluate.run();
        evaluate.assertAllFlowFilesTransferred(Evaluate.REL_UNUSED, 1);
    }

    @Test
    void progressIsInTheProcessorState() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.EPOCHS, "3"));
        torchScript.features().forEach(flowFile -> Chain.pass(flowFile, head));
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 1);
        head.getStateManager().assertStateEquals("epoch", "3/3", Scope.LOCAL);
        head.getStateManager().assertStateEquals("status", "done", Scope.LOCAL);
        head.getStateManager().assertStateEquals("phase", "head", Scope.LOCAL);
        assertTrue(head.getLogger().getInfoMessages().stream().anyMatch(message -> message.getMsg().contains("head epoch 3/3 done")));
    }

    @Test
    void evaluateReportsItsProgressAsExtractFeaturesDoes() {
        // the run, the split, its images done of the total, in the shape every processor that runs long uses
        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> {
            r.setProperty(Evaluate.HEATMAP_IMAGES, "0");
            r.setProperty(Evaluate.BLOCK_ACTIVATIONS, "false");
        });
        Chain.pass(torchScript.headModel(), evaluate);
        final MockFlowFile test = Chain.test(torchScript.tensors());
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
    void classWeightsBalancedTrainAndAnUnknownClassIsReported() {
        final TestRunner balanced = Chain.runner(TrainHead.class, r -> {
            r.setProperty(TrainHead.EPOCHS, "1");
            r.setProperty(TrainHead.CLASS_WEIGHTS, "balanced");
        });
        torchScript.features().forEach(flowFile -> Chain.pass(flowFile, balanced));
        balanced.run();
        balanced.assertTransferCount(TrainHead.REL_SUCCESS, 1);

        final TestRunner explicit = Chain.runner(TrainHead.class, r -> {
            r.setProperty(TrainHead.EPOCHS, "1");
            r.setProperty(TrainHead.CLASS_WEIGHTS, "explicit");
            r.setProperty(TrainHead.EXPLICIT_WEIGHTS, "horizontal=1.0, diagonal=2.0");
        });
        torchScript.features().forEach(flowFile -> Chain.pass(flowFile, explicit));
        explicit.run();
        explicit.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 2);
        assertEquals("Explicit Class Weights: 'diagonal=2.0' is not class=weight for one of [horizontal, vertical]",
                explicit.getFlowFilesForRelationship(TrainHead.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR));
    }

    @Test
    void unfreezeLayersRefusesAnOnnxBase() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(onnx.headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_FAILURE, 1);
        assertTrue(unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("Fine-tuning needs a TorchScript (.pt) base"));
    }

    @Test
    void unfreezeLayersListsTheLayersWhenANameMatchesNothing() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> {
            r.setProperty(UnfreezeLayers.STRATEGY, "FROM_LAYER");
            r.setProperty(UnfreezeLayers.LAYER_NAME, "block5_conv1");
        });
        Chain.pass(torchScript.headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_FAILURE, 1);
        assertEquals("no layer named 'block5_conv1'; layers are: 0, 2, 4",
                unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR));
    }

    @Test
    void unfreezeLayersByPatternAndAll() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> {
            r.setProperty(UnfreezeLayers.STRATEGY, "PATTERN");
            r.setProperty(UnfreezeLayers.PATTERN, "^[24]\\.weight$");
        });
        Chain.pass(torchScript.headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
        final MockFlowFile model = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();
        model.assertAttributeEquals(UnfreezeLayers.LAYERS_ATTRIBUTE, "2,4");
        model.assertAttributeEquals(UnfreezeLayers.TRAINABLE_ATTRIBUTE, String.valueOf(16 * 12 * 9 + 16 * 16 * 9));
    }

    private static String validationErrors(final TestRunner runner) {
        return ((MockProcessContext) runner.getProcessContext()).validate().stream().filter(result -> !result.isValid())
                .map(ValidationResult::getExplanation).toList().toString();
    }

    @Test
    void aBaseFileThatIsNoModelMakesExtractFeaturesInvalidWithTheReason() throws IOException {
        final TestRunner missing = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, work.resolve("nope.pt").toString()));
        missing.assertNotValid();
        assertTrue(validationErrors(missing).contains("Base model file " + work.resolve("nope.pt") + " does not exist"), validationErrors(missing));

        final Path photo = work.resolve("photo.pt");
        Files.write(photo, TestImages.stripes(0, 1, 32, 32, "jpg"));
        final Map<String, String> expected = Map.of(
                photo.toString(), "Base model photo.pt is a JPEG image, not a TorchScript model",
                Chain.fixture("truncated_base.pt").toString(), "Base model truncated_base.pt is not a TorchScript model: the zip archive has "
                        + "no central directory: the file is truncated or damaged",
                Chain.fixture("not_a_model.pt").toString(), "Base model not_a_model.pt is a text file, not a TorchScript model");
        for (final Map.Entry<String, String> bad : expected.entrySet()) {
            final TestRunner runner = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, bad.getKey()));
            runner.assertNotValid();
            assertTrue(validationErrors(runner).contains(bad.getValue()), validationErrors(runner));
        }
    }

    @Test
    void aBaseThatFailsToLoadSendsTheWaitingDatasetsToFailureUntilTheFileIsFixed() throws IOException {
        // a zip that looks like TorchScript (a code/ folder) but is not one: it passes validation and fails in the engine
        final Path base = work.resolve("broken.pt");
        try (OutputStream file = Files.newOutputStream(base); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("broken/code/__torch__.py"));
            zip.write("def forward(self): pass".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("broken/data.pkl"));
            zip.write(new byte[] {1, 2, 3});
        }
        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, base.toString()));
        extract.assertValid();
        Chain.pass(split(torchScript.tensors(), "train"), extract);
        Chain.pass(split(torchScript.tensors(), "validation"), extract);
        extract.run(2, false, true);
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_FAILURE, 2);
        final String error = extract.getFlowFilesForRelationship(ExtractFeatures.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("the base model could not be loaded: Cannot load base model " + base), error);
        assertTrue(extract.getLogger().getErrorMessages().stream().anyMatch(message -> message.getMsg().contains("Cannot load base model")));

        // the file is replaced by a real base while the processor runs: the next dataset loads it and is extracted
        Files.copy(Chain.fixture("tiny_base.pt"), base, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(base, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        extract.clearTransferState();
        Chain.pass(split(torchScript.tensors(), "train"), extract);
        extract.run(1, true, false);
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_SUCCESS, 1);
    }

    @Test
    void aBaseThatOutputsAVectorIsReportedAsLookingLikeAClassifier() {
        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL,
                Chain.fixture("tiny_base_flat.pt").toString()));
        Chain.pass(split(torchScript.tensors(), "validation"), extract);
        extract.run();
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_SUCCESS, 1);
        final String warning = extract.getFlowFilesForRelationship(ExtractFeatures.REL_SUCCESS).getFirst()
                .getAttribute(ExtractFeatures.BASE_WARNING_ATTRIBUTE);
        assertTrue(warning.startsWith("Base model tiny_base_flat.pt outputs a vector of 1024 values per image, not a feature map: it looks "
                + "like a classifier rather than a headless base"), warning);
        assertTrue(extract.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg().contains("looks like a classifier")),
                "a warning bulletin");

        final TestRunner headless = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, Chain.fixture("tiny_base.pt").toString()));
        Chain.pass(split(torchScript.tensors(), "validation"), headless);
        headless.run();
        headless.getFlowFilesForRelationship(ExtractFeatures.REL_SUCCESS).getFirst().assertAttributeNotExists(ExtractFeatures.BASE_WARNING_ATTRIBUTE);
        headless.getStateManager().assertStateEquals("images.done", "16", Scope.LOCAL);
        headless.getStateManager().assertStateEquals("images.total", "16", Scope.LOCAL);
    }

    @Test
    void extractFeaturesRefusesImagesOfTheWrongSizeAndDatasetsOfTheWrongKind() {
        final TestRunner resize = Chain.runner(ResizeAndNormalize.class, r -> {
            r.setProperty(ResizeAndNormalize.TARGET_WIDTH, "64");
            r.setProperty(ResizeAndNormalize.TARGET_HEIGHT, "64");
        });
        final TestRunner load = Chain.runner(LoadImageFolder.class, r -> r.setProperty(LoadImageFolder.INPUT_DIRECTORY, images.toString()));
        load.run();
        final MockFlowFile imageDataset = split(load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS), "test");
        Chain.pass(imageDataset, resize);
        resize.run();
        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> {
            r.setProperty(ExtractFeatures.BASE_MODEL, Chain.fixture("tiny_base.onnx").toString());
            r.setProperty(ExtractFeatures.SPLITS, "train, validation, test");
        });
        Chain.pass(resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS).getFirst(), extract);
        Chain.pass(imageDataset, extract);
        extract.run(2);
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_FAILURE, 2);
        final List<String> errors = extract.getFlowFilesForRelationship(ExtractFeatures.REL_FAILURE).stream()
                .map(flowFile -> flowFile.getAttribute(TransferAttributes.ERROR)).toList();
        assertTrue(errors.get(0).startsWith("Base model tiny_base.onnx does not accept 3x64x64 images"), errors.get(0));
        assertEquals("expected a dataset of kind tensor-dataset, got image-dataset", errors.get(1));
    }

    @Test
    void extractFeaturesChecksTheNormalizationPreset() {
        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> {
            r.setProperty(ExtractFeatures.BASE_MODEL, Chain.fixture("tiny_base.pt").toString());
            r.setProperty(ExtractFeatures.EXPECTED_PRESET, "caffe");
        });
        Chain.pass(split(torchScript.tensors(), "validation"), extract);
        extract.run();
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_FAILURE, 1);
        assertTrue(extract.getFlowFilesForRelationship(ExtractFeatures.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .contains("expects the 'caffe' normalisation preset, but the dataset was prepared with 'zero-one'"));
    }

    @Test
    void aStopDuringFineTuningReturnsEverythingToTheQueueAndLeavesNoFiles() throws Exception {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(torchScript.headModel(), unfreeze);
        unfreeze.run();
        final TestRunner fineTune = Chain.runner(FineTune.class, r -> {
            r.setProperty(FineTune.EPOCHS, "1");
            r.setProperty(FineTune.WORK_DIRECTORY, work.toString());
        });
        Chain.pass(unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst(), fineTune);
        Chain.pass(split(torchScript.tensors(), "train"), fineTune);
        Chain.pass(split(torchScript.tensors(), "validation"), fineTune);
        // not scheduled: as after a stop request, training ends at its first batch
        fineTune.run(1, true, false);
        fineTune.assertTransferCount(FineTune.REL_SUCCESS, 0);
        fineTune.assertTransferCount(FineTune.REL_FAILURE, 0);
        assertEquals(3, fineTune.getQueueSize().getObjectCount());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(List.of(), left.toList(), "work files removed");
        }
        fineTune.run();
        fineTune.assertTransferCount(FineTune.REL_SUCCESS, 1);
        fineTune.getFlowFilesForRelationship(FineTune.REL_SUCCESS).getFirst().assertAttributeEquals("transfer.epochs", "3");
    }

    @Test
    void fineTuneRefusesAnOnnxModel() {
        final TestRunner fineTune = Chain.runner(FineTune.class, r -> { });
        Chain.pass(onnx.headModel(), fineTune);
        Chain.pass(split(onnx.tensors(), "train"), fineTune);
        Chain.pass(split(onnx.tensors(), "validation"), fineTune);
        fineTune.run();
        fineTune.assertAllFlowFilesTransferred(FineTune.REL_FAILURE, 3);
        assertTrue(fineTune.getFlowFilesForRelationship(FineTune.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("Fine-tuning needs a TorchScript (.pt) base"));
    }

    @Test
    void evaluateRefusesContentThatIsNotAModel() {
        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> { });
        final Map<String, String> attributes = new HashMap<>(torchScript.headModel().getAttributes());
        attributes.remove("uuid");
        evaluate.enqueue("not a model".getBytes(StandardCharsets.UTF_8), attributes);
        Chain.pass(Chain.test(torchScript.tensors()), evaluate);
        evaluate.run();
        evaluate.assertAllFlowFilesTransferred(Evaluate.REL_FAILURE, 2);
        assertTrue(evaluate.getFlowFilesForRelationship(Evaluate.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("content is not a model"));
    }
}
