package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.TrainingCheckpoint;

/** FineTune: resuming after a stop, a stop in the middle, and the models it refuses. */
class FineTuneTest {

    @TempDir
    Path work;

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
        Chain.pass(ModelChains.torchScript().headModel(), unfreeze);
        unfreeze.run();
        final MockFlowFile unfrozen = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();

        final TestRunner uninterrupted = Chain.runner(FineTune.class, r -> r.setProperty(FineTune.EPOCHS, "3"));
        Chain.pass(unfrozen, uninterrupted);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), uninterrupted);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), uninterrupted);
        uninterrupted.run();
        final List<EpochRecord> expected = history(uninterrupted.getFlowFilesForRelationship(FineTune.REL_SUCCESS).getFirst());

        final StoppedFineTune processor = new StoppedFineTune();
        processor.stopAfter = 3;
        final TestRunner fineTune = TestRunners.newTestRunner(processor);
        fineTune.setProperty(FineTune.EPOCHS, "3");
        fineTune.setProperty(FineTune.WORK_DIRECTORY, work.toString());
        Chain.pass(unfrozen, fineTune);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), fineTune);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), fineTune);
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
    void aStopDuringFineTuningReturnsEverythingToTheQueueAndLeavesNoFiles() throws Exception {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(ModelChains.torchScript().headModel(), unfreeze);
        unfreeze.run();
        final TestRunner fineTune = Chain.runner(FineTune.class, r -> {
            r.setProperty(FineTune.EPOCHS, "1");
            r.setProperty(FineTune.WORK_DIRECTORY, work.toString());
        });
        Chain.pass(unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst(), fineTune);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), fineTune);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), fineTune);
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
        Chain.pass(ModelChains.onnx().headModel(), fineTune);
        Chain.pass(ModelChains.split(ModelChains.onnx().tensors(), "train"), fineTune);
        Chain.pass(ModelChains.split(ModelChains.onnx().tensors(), "validation"), fineTune);
        fineTune.run();
        fineTune.assertAllFlowFilesTransferred(FineTune.REL_FAILURE, 3);
        assertTrue(fineTune.getFlowFilesForRelationship(FineTune.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("Fine-tuning needs a TorchScript (.pt) base"));
    }

    @Test
    void aLearningRateOfZeroIsInvalidForBothTrainingProcessors() {
        for (final Class<? extends org.apache.nifi.processor.Processor> type : List.of(TrainHead.class, FineTune.class)) {
            final TestRunner runner = Chain.runner(type, r -> { });
            runner.setProperty(type == TrainHead.class ? TrainHead.LEARNING_RATE : FineTune.LEARNING_RATE, "0");
            runner.assertNotValid();
            assertTrue(ModelChains.validationErrors(runner).contains("must be a number above 0"), ModelChains.validationErrors(runner));
            runner.setProperty(type == TrainHead.class ? TrainHead.LEARNING_RATE : FineTune.LEARNING_RATE, "1e-5");
            runner.assertValid();
        }
    }
}
