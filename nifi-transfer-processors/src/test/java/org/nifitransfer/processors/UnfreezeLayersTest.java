package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Consumer;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;

/** UnfreezeLayers: the strategies, a Top Blocks above the base's count, traced BatchNorm, names that match nothing, and ONNX bases. */
class UnfreezeLayersTest {

    /** Runs UnfreezeLayers, configured, on one model, and asserts the model went to {@code expected}. */
    private static TestRunner unfreeze(final MockFlowFile model, final Consumer<TestRunner> configure, final Relationship expected) {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, configure);
        Chain.pass(model, unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(expected, 1);
        return unfreeze;
    }

    private static MockFlowFile output(final TestRunner runner, final Relationship relationship) {
        return runner.getFlowFilesForRelationship(relationship).getFirst();
    }

    private static List<String> warnings(final TestRunner runner) {
        return runner.getLogger().getWarnMessages().stream().map(message -> message.getMsg()).toList();
    }

    @Test
    void unfreezeLayersRefusesAnOnnxBase() {
        final TestRunner unfreeze = unfreeze(ModelChains.onnx().headModel(), r -> { }, UnfreezeLayers.REL_FAILURE);
        assertTrue(output(unfreeze, UnfreezeLayers.REL_FAILURE).getAttribute(TransferAttributes.ERROR)
                .startsWith("Fine-tuning needs a TorchScript (.pt) base"));
    }

    @Test
    void unfreezeLayersListsTheLayersWhenANameMatchesNothing() {
        final TestRunner unfreeze = unfreeze(ModelChains.torchScript().headModel(), r -> {
            r.setProperty(UnfreezeLayers.STRATEGY, UnfreezeLayers.Strategy.FROM_LAYER);
            r.setProperty(UnfreezeLayers.LAYER_NAME, "block5_conv1");
        }, UnfreezeLayers.REL_FAILURE);
        assertEquals("no layer named 'block5_conv1'; layers are: 0, 2, 4",
                output(unfreeze, UnfreezeLayers.REL_FAILURE).getAttribute(TransferAttributes.ERROR));
    }

    @Test
    void theDefaultTopSevenBlocksUnfreezeEveryBlockOfASmallerBaseAndSaySo() {
        final TestRunner unfreeze = unfreeze(ModelChains.torchScript().headModel(), r -> { }, UnfreezeLayers.REL_SUCCESS);
        final MockFlowFile model = output(unfreeze, UnfreezeLayers.REL_SUCCESS);
        model.assertAttributeEquals(UnfreezeLayers.BASE_BLOCKS_ATTRIBUTE, "0,2,4");
        model.assertAttributeEquals(UnfreezeLayers.BLOCKS_ATTRIBUTE, "0,2,4");
        model.assertAttributeEquals(UnfreezeLayers.UNFREEZE_ATTRIBUTE, "top 3 blocks (all; 7 asked)");
        final String warning = "the base has only 3 blocks (0, 2, 4), fewer than the top 7 asked for: all 3 are unfrozen";
        model.assertAttributeEquals(UnfreezeLayers.WARNING_ATTRIBUTE, warning);
        assertEquals(1, warnings(unfreeze).size(), warnings(unfreeze).toString());
        assertTrue(warnings(unfreeze).getFirst().contains(warning), warnings(unfreeze).toString());

        final TestRunner two = unfreeze(ModelChains.torchScript().headModel(), r -> r.setProperty(UnfreezeLayers.TOP_BLOCKS, "2"),
                UnfreezeLayers.REL_SUCCESS);
        final MockFlowFile topTwo = output(two, UnfreezeLayers.REL_SUCCESS);
        topTwo.assertAttributeEquals(UnfreezeLayers.BLOCKS_ATTRIBUTE, "2,4");
        topTwo.assertAttributeEquals(UnfreezeLayers.UNFREEZE_ATTRIBUTE, "top 2 blocks");
        topTwo.assertAttributeNotExists(UnfreezeLayers.WARNING_ATTRIBUTE);
        assertTrue(warnings(two).isEmpty(), warnings(two).toString());
    }

    @Test
    void updatingBatchNormStatisticsOfABaseTracedInInferenceModeIsReportedAsHavingNoEffect() {
        final String noEffect = "Update BatchNorm Statistics has no effect with this base: it was traced in inference mode";
        for (final String base : List.of("tiny_base_bn_traced.pt", "tiny_base_bn.pt")) {
            final boolean traced = base.contains("traced");
            final MockFlowFile headModel = Chain.run(ModelChains.images(), base, 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "1"),
                    null).headModel();
            final TestRunner unfreeze = unfreeze(headModel, r -> {
                r.setProperty(UnfreezeLayers.TOP_BLOCKS, "2");
                r.setProperty(UnfreezeLayers.BATCH_NORM_STATISTICS, "true");
            }, UnfreezeLayers.REL_SUCCESS);
            final MockFlowFile model = output(unfreeze, UnfreezeLayers.REL_SUCCESS);
            model.assertAttributeEquals(UnfreezeLayers.UNFREEZE_ATTRIBUTE, "top 2 blocks, BatchNorm statistics updated");
            if (traced) {
                assertTrue(model.getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE).startsWith(noEffect), model.getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE));
                assertEquals(1, warnings(unfreeze).size());
                assertTrue(warnings(unfreeze).getFirst().contains(noEffect));
            } else {
                model.assertAttributeNotExists(UnfreezeLayers.WARNING_ATTRIBUTE);
                assertTrue(warnings(unfreeze).isEmpty(), "a scripted base follows the mode: " + warnings(unfreeze));
            }

            // without the option there is nothing to warn about; with the default 7 of these 6 blocks, the count is said first
            output(unfreeze(headModel, r -> r.setProperty(UnfreezeLayers.TOP_BLOCKS, "2"), UnfreezeLayers.REL_SUCCESS), UnfreezeLayers.REL_SUCCESS)
                    .assertAttributeNotExists(UnfreezeLayers.WARNING_ATTRIBUTE);
            final String warning = output(unfreeze(headModel, r -> r.setProperty(UnfreezeLayers.BATCH_NORM_STATISTICS, "true"),
                    UnfreezeLayers.REL_SUCCESS), UnfreezeLayers.REL_SUCCESS).getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE);
            assertTrue(warning.startsWith("the base has only 6 blocks (0, 1, 3, 4, 6, 7), fewer than the top 7 asked for: all 6 are unfrozen"),
                    warning);
            assertEquals(traced, warning.contains("; " + noEffect), warning);
        }
    }

    @Test
    void unfreezeLayersByPatternAndAll() {
        final TestRunner unfreeze = unfreeze(ModelChains.torchScript().headModel(), r -> {
            r.setProperty(UnfreezeLayers.STRATEGY, UnfreezeLayers.Strategy.PATTERN);
            r.setProperty(UnfreezeLayers.PATTERN, "^[24]\\.weight$");
        }, UnfreezeLayers.REL_SUCCESS);
        final MockFlowFile model = output(unfreeze, UnfreezeLayers.REL_SUCCESS);
        model.assertAttributeEquals(UnfreezeLayers.LAYERS_ATTRIBUTE, "2,4");
        model.assertAttributeEquals(UnfreezeLayers.TRAINABLE_ATTRIBUTE, String.valueOf(16 * 12 * 9 + 16 * 16 * 9));
    }
}
