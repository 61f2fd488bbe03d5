package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void extractFeaturesReportsBadBaseFilesByName() {
        final TestRunner missing = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, work.resolve("nope.pt").toString()));
        missing.assertNotValid();
        for (final String name : List.of("not_a_model.pt", "truncated_base.pt")) {
            final TestRunner runner = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, Chain.fixture(name).toString()));
            Chain.pass(split(torchScript.tensors(), "train"), runner);
            final AssertionError error = assertThrows(AssertionError.class, runner::run);
            final StringBuilder messages = new StringBuilder();
            for (Throwable cause = error; cause != null; cause = cause.getCause()) {
                messages.append(cause.getMessage()).append(" | ");
            }
            final String message = messages.toString();
            assertTrue(message.contains(name) && message.contains("zip archive"), message);
            assertEquals(1, runner.getQueueSize().getObjectCount(), "the dataset stays queued");
        }
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
