package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TrainHead: its progress, class weights, and its properties' validation. */
class TrainHeadTest {

    @TempDir
    Path work;

    @Test
    void progressIsInTheProcessorState() {
        final TestRunner head = Chain.runner(TrainHead.class, r -> r.setProperty(TrainHead.EPOCHS, "3"));
        ModelChains.torchScript().features().forEach(flowFile -> Chain.pass(flowFile, head));
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
            r.setProperty(TrainHead.CLASS_WEIGHTS, TrainHead.Weighting.BALANCED);
        });
        ModelChains.torchScript().features().forEach(flowFile -> Chain.pass(flowFile, balanced));
        balanced.run();
        balanced.assertTransferCount(TrainHead.REL_SUCCESS, 1);

        final TestRunner explicit = Chain.runner(TrainHead.class, r -> {
            r.setProperty(TrainHead.EPOCHS, "1");
            r.setProperty(TrainHead.CLASS_WEIGHTS, TrainHead.Weighting.EXPLICIT);
            r.setProperty(TrainHead.EXPLICIT_WEIGHTS, "horizontal=1.0, diagonal=2.0");
        });
        ModelChains.torchScript().features().forEach(flowFile -> Chain.pass(flowFile, explicit));
        explicit.run();
        explicit.assertAllFlowFilesTransferred(TrainHead.REL_FAILURE, 2);
        assertEquals("Explicit Class Weights: 'diagonal=2.0' is not class=weight for one of [horizontal, vertical]",
                explicit.getFlowFilesForRelationship(TrainHead.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR));
    }

    @Test
    void dropoutAndHiddenLayersAreValidatedWithTheReason() {
        final TestRunner runner = TestRunners.newTestRunner(TrainHead.class);
        runner.assertValid();
        runner.setProperty(TrainHead.DROPOUT, "1");
        runner.assertNotValid();
        assertTrue(ModelChains.validationErrors(runner).contains("must be in [0, 1)"), ModelChains.validationErrors(runner));
        runner.setProperty(TrainHead.DROPOUT, "0.5");
        runner.setProperty(TrainHead.HIDDEN_LAYERS, "256, zero");
        runner.assertNotValid();
        assertTrue(ModelChains.validationErrors(runner).contains("'zero' is not a positive layer size"), ModelChains.validationErrors(runner));
        runner.setProperty(TrainHead.HIDDEN_LAYERS, "256, 64");
        runner.assertValid();
        runner.setProperty(TrainHead.CLASS_WEIGHTS, TrainHead.Weighting.EXPLICIT.getValue());
        runner.setProperty(TrainHead.EXPLICIT_WEIGHTS, "cats=2");
        runner.assertValid();
    }
}
