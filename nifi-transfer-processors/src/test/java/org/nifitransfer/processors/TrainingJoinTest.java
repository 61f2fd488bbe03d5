package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.model.ModelPackage;

/** The joins the training processors share (TrainHead, FineTune, Evaluate): complete runs only, timeouts, runs that can never complete, stall warnings, failed writes, strays and unused splits. */
class TrainingJoinTest {

    @TempDir
    Path work;

    @Test
    void trainHeadWaitsForACompleteRunAndTrainsOnlyThatOne() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.EPOCHS, "1"));
        ModelChains.passAs(ModelChains.split(ModelChains.torchScript().features(), "train"), head, "run-a");
        ModelChains.passAs(ModelChains.split(ModelChains.torchScript().features(), "train"), head, "run-b");
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 0);
        head.assertTransferCount(TrainHead.REL_TIMEOUT, 0);
        assertEquals(2, head.getQueueSize().getObjectCount(), "incomplete runs wait in the queue");

        ModelChains.passAs(ModelChains.split(ModelChains.torchScript().features(), "validation"), head, "run-b");
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 1);
        head.getFlowFilesForRelationship(TrainHead.REL_SUCCESS).getFirst().assertAttributeEquals(TransferAttributes.RUN_ID, "run-b");
        head.assertTransferCount(TrainHead.REL_ORIGINAL, 2);
        assertEquals(1, head.getQueueSize().getObjectCount(), "run-a still waits");
    }

    @Test
    void anIncompleteRunTimesOutWithTheReason() throws InterruptedException {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.MAXIMUM_WAIT, "10 ms"));
        ModelChains.passAs(ModelChains.split(ModelChains.torchScript().features(), "train"), head, "lonely");
        Thread.sleep(50);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_TIMEOUT, 1);
        head.getFlowFilesForRelationship(TrainHead.REL_TIMEOUT).getFirst()
                .assertAttributeEquals(TransferAttributes.ERROR, "run lonely: no validation feature dataset arrived within 10 ms");
    }

    @Test
    void aRunThatCanNeverCompleteGoesToFailureAtOnceSayingWhy() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> { });
        final Map<String, String> attributes = new HashMap<>(ModelChains.split(ModelChains.torchScript().features(), "train").getAttributes());
        attributes.remove("uuid");
        attributes.put(TransferAttributes.RUN_ID, "no-validation");
        attributes.put(TransferAttributes.RUN_SPLITS, "train,test");
        head.enqueue(ModelChains.split(ModelChains.torchScript().features(), "train").toByteArray(), attributes);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 1);
        final String error = head.getFlowFilesForRelationship(TrainHead.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("run no-validation has no validation split: LoadImageFolder emitted only train, test for "
                + ModelChains.images() + ", so no validation feature dataset can ever arrive. Add a validation folder, or set LoadImageFolder's "
                + "'Validation Fraction From Train' above 0."), error);

        final TestRunner evaluate = Chain.runner(Evaluate.class, r -> { });
        final Map<String, String> model = new HashMap<>(ModelChains.torchScript().headModel().getAttributes());
        model.remove("uuid");
        model.put(TransferAttributes.RUN_SPLITS, "train,validation");
        evaluate.enqueue(ModelChains.torchScript().headModel().toByteArray(), model);
        evaluate.run();
        evaluate.assertAllFlowFilesTransferred(Evaluate.REL_FAILURE, 1);
        assertTrue(evaluate.getFlowFilesForRelationship(Evaluate.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .endsWith("set LoadImageFolder's 'Test Fraction From Validation' above 0."));
    }

    @Test
    void aStalledRunPostsAWarningNamingWhatItHasAndWhatItLacksOncePerPeriod() throws InterruptedException {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.WARN_AFTER, "200 ms"));
        ModelChains.passAs(ModelChains.split(ModelChains.torchScript().features(), "train"), head, "run-stalled");
        head.run();
        assertEquals(0, head.getLogger().getWarnMessages().size(), "no warning before Warn After");
        Thread.sleep(250);
        head.run(3);
        final List<String> warnings = head.getLogger().getWarnMessages().stream().map(message -> message.getMsg()).toList();
        assertEquals(1, warnings.size(), "one warning per Warn After: " + warnings);
        assertTrue(warnings.getFirst().contains("Run run-stalled (" + ModelChains.images() + "): have train feature dataset, waiting 0 s for validation "
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
        ModelChains.torchScript().features().forEach(flowFile -> Chain.pass(flowFile, head));
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 2);
        head.getFlowFilesForRelationship(TrainHead.REL_FAILURE)
                .forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.ERROR, "head training failed: java.io.IOException: No space left on device"));
        assertEquals(0, head.getQueueSize().getObjectCount());

        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(ModelChains.torchScript().headModel(), unfreeze);
        unfreeze.run();
        final TestRunner fineTune = TestRunners.newTestRunner(new FailingWriteFineTune());
        fineTune.setProperty(FineTune.EPOCHS, "1");
        Chain.pass(unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst(), fineTune);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), fineTune);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), fineTune);
        fineTune.run();
        fineTune.assertAllFlowFilesTransferred(FineTune.REL_FAILURE, 3);
        assertTrue(fineTune.getFlowFilesForRelationship(FineTune.REL_FAILURE).stream().allMatch(flowFile -> flowFile.getAttribute(TransferAttributes.ERROR)
                .equals("fine-tuning failed: java.io.IOException: No space left on device")));
    }

    @Test
    void somethingThatIsNoPartOfAJoinGoesToFailure() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> { });
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), head);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 1);
        assertTrue(head.getFlowFilesForRelationship(TrainHead.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("expected train feature dataset + validation feature dataset"));
    }

    @Test
    void splitsAProcessorDoesNotUseGoToUnused() throws Exception {
        final MockFlowFile testTensors = Chain.test(ModelChains.torchScript().tensors());
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
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), evaluate);
        evaluate.run();
        evaluate.assertAllFlowFilesTransferred(Evaluate.REL_UNUSED, 1);
    }

    /** Queues the train features as shard {@code index} of {@code count} of run {@code runId}. */
    private static void passShard(final TestRunner runner, final String runId, final String split, final int index, final int count) {
        final Map<String, String> attributes = new HashMap<>(ModelChains.split(ModelChains.torchScript().features(), split).getAttributes());
        attributes.remove("uuid");
        attributes.put(TransferAttributes.RUN_ID, runId);
        attributes.put(TransferAttributes.FRAGMENT_IDENTIFIER, runId + "-" + split);
        attributes.put(TransferAttributes.FRAGMENT_INDEX, String.valueOf(index));
        attributes.put(TransferAttributes.FRAGMENT_COUNT, String.valueOf(count));
        runner.enqueue(ModelChains.split(ModelChains.torchScript().features(), split).toByteArray(), attributes);
    }

    @Test
    void aRunWaitsForEveryShardAndAStalledOneSaysWhichShardsItLacks() throws InterruptedException {
        final TestRunner head = Chain.runner(TrainHead.class, r -> {
            r.setProperty(TrainHead.WARN_AFTER, "100 ms");
            r.setProperty(TrainHead.MAXIMUM_WAIT, "400 ms");
        });
        passShard(head, "run-s", "train", 0, 4);
        passShard(head, "run-s", "train", 2, 4);
        passShard(head, "run-s", "validation", 0, 1);
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 0);
        assertEquals(3, head.getQueueSize().getObjectCount());
        Thread.sleep(150);
        head.run();
        final String warning = head.getLogger().getWarnMessages().getFirst().getMsg();
        assertTrue(warning.contains("have train feature dataset (2 of 4 shards) and validation feature dataset, waiting 0 s for train feature "
                + "dataset (shards 1, 3 of 4)"), warning);
        assertTrue(warning.contains("raise its Back Pressure Data Size Threshold"), warning);
        Thread.sleep(300);
        head.run();
        head.assertAllFlowFilesTransferred(TrainHead.REL_TIMEOUT, 3);
        head.getFlowFilesForRelationship(TrainHead.REL_TIMEOUT).getFirst().assertAttributeEquals(TransferAttributes.ERROR,
                "run run-s: no train feature dataset (shards 1, 3 of 4) arrived within 400 ms");
    }

    @Test
    void aShardThatArrivesTwiceOrDisagreesOnTheCountGoesToFailureAloneSayingWhy() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> { });
        passShard(head, "run-d", "train", 0, 2);
        passShard(head, "run-d", "train", 0, 2);
        passShard(head, "run-d", "train", 1, 3);
        head.run(2);
        head.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 2);
        final List<String> errors = head.getFlowFilesForRelationship(TrainHead.REL_FAILURE).stream()
                .map(flowFile -> flowFile.getAttribute(TransferAttributes.ERROR)).toList();
        assertTrue(errors.getFirst().startsWith("shard 0 of 2 of the train split of run run-d is already queued"), errors.getFirst());
        assertEquals("a shard of the train split of run run-d says the split has 3 shards, others queued say 2: the shards of two loads "
                + "of the same run cannot be joined", errors.get(1));
        assertEquals(1, head.getQueueSize().getObjectCount(), "the first shard 0 still waits for shard 1");
    }
}
