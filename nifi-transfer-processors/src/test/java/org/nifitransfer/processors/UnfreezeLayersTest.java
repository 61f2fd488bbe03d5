package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UnfreezeLayers: the strategies, a Top Blocks above the base's count, names that match nothing, and ONNX bases. */
class UnfreezeLayersTest {

    @TempDir
    Path work;

    @Test
    void unfreezeLayersRefusesAnOnnxBase() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(ModelChains.onnx().headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_FAILURE, 1);
        assertTrue(unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .startsWith("Fine-tuning needs a TorchScript (.pt) base"));
    }

    @Test
    void unfreezeLayersListsTheLayersWhenANameMatchesNothing() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> {
            r.setProperty(UnfreezeLayers.STRATEGY, UnfreezeLayers.Strategy.FROM_LAYER);
            r.setProperty(UnfreezeLayers.LAYER_NAME, "block5_conv1");
        });
        Chain.pass(ModelChains.torchScript().headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_FAILURE, 1);
        assertEquals("no layer named 'block5_conv1'; layers are: 0, 2, 4",
                unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR));
    }

    @Test
    void theDefaultTopSevenBlocksUnfreezeEveryBlockOfASmallerBaseAndSaySo() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(ModelChains.torchScript().headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
        final MockFlowFile model = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();
        model.assertAttributeEquals(UnfreezeLayers.BASE_BLOCKS_ATTRIBUTE, "0,2,4");
        model.assertAttributeEquals(UnfreezeLayers.BLOCKS_ATTRIBUTE, "0,2,4");
        model.assertAttributeEquals(UnfreezeLayers.UNFREEZE_ATTRIBUTE, "top 3 blocks (all; 7 asked)");
        final String warning = "the base has only 3 blocks (0, 2, 4), fewer than the top 7 asked for: all 3 are unfrozen";
        model.assertAttributeEquals(UnfreezeLayers.WARNING_ATTRIBUTE, warning);
        final List<String> warnings = unfreeze.getLogger().getWarnMessages().stream().map(message -> message.getMsg()).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains(warning), warnings.toString());

        final TestRunner two = Chain.runner(UnfreezeLayers.class, r -> r.setProperty(UnfreezeLayers.TOP_BLOCKS, "2"));
        Chain.pass(ModelChains.torchScript().headModel(), two);
        two.run();
        two.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
        final MockFlowFile topTwo = two.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();
        topTwo.assertAttributeEquals(UnfreezeLayers.BLOCKS_ATTRIBUTE, "2,4");
        topTwo.assertAttributeEquals(UnfreezeLayers.UNFREEZE_ATTRIBUTE, "top 2 blocks");
        topTwo.assertAttributeNotExists(UnfreezeLayers.WARNING_ATTRIBUTE);
        assertTrue(two.getLogger().getWarnMessages().isEmpty(), two.getLogger().getWarnMessages().toString());
    }

    @Test
    void updatingBatchNormStatisticsOfABaseTracedInInferenceModeIsReportedAsHavingNoEffect() {
        final String noEffect = "Update BatchNorm Statistics has no effect with this base: it was traced in inference mode";
        for (final String base : List.of("tiny_base_bn_traced.pt", "tiny_base_bn.pt")) {
            final MockFlowFile headModel = Chain.run(ModelChains.images(), base, 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "1"),
                    null).headModel();
            final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> {
                r.setProperty(UnfreezeLayers.TOP_BLOCKS, "2");
                r.setProperty(UnfreezeLayers.BATCH_NORM_STATISTICS, "true");
            });
            Chain.pass(headModel, unfreeze);
            unfreeze.run();
            unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
            final MockFlowFile model = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();
            model.assertAttributeEquals(UnfreezeLayers.UNFREEZE_ATTRIBUTE, "top 2 blocks, BatchNorm statistics updated");
            if (base.contains("traced")) {
                assertTrue(model.getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE).startsWith(noEffect), model.getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE));
                assertEquals(1, unfreeze.getLogger().getWarnMessages().size());
                assertTrue(unfreeze.getLogger().getWarnMessages().getFirst().getMsg().contains(noEffect));
            } else {
                model.assertAttributeNotExists(UnfreezeLayers.WARNING_ATTRIBUTE);
                assertTrue(unfreeze.getLogger().getWarnMessages().isEmpty(), "a scripted base follows the mode: " + unfreeze.getLogger().getWarnMessages());
            }

            // without the option there is nothing to warn about; with the default 7 of these 6 blocks, the count is said first
            final TestRunner frozen = Chain.runner(UnfreezeLayers.class, r -> r.setProperty(UnfreezeLayers.TOP_BLOCKS, "2"));
            Chain.pass(headModel, frozen);
            frozen.run();
            frozen.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst().assertAttributeNotExists(UnfreezeLayers.WARNING_ATTRIBUTE);
            final TestRunner both = Chain.runner(UnfreezeLayers.class, r -> r.setProperty(UnfreezeLayers.BATCH_NORM_STATISTICS, "true"));
            Chain.pass(headModel, both);
            both.run();
            final String warning = both.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst().getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE);
            assertTrue(warning.startsWith("the base has only 6 blocks (0, 1, 3, 4, 6, 7), fewer than the top 7 asked for: all 6 are unfrozen"),
                    warning);
            assertEquals(base.contains("traced"), warning.contains("; " + noEffect), warning);
        }
    }

    @Test
    void unfreezeLayersByPatternAndAll() {
        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> {
            r.setProperty(UnfreezeLayers.STRATEGY, UnfreezeLayers.Strategy.PATTERN);
            r.setProperty(UnfreezeLayers.PATTERN, "^[24]\\.weight$");
        });
        Chain.pass(ModelChains.torchScript().headModel(), unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
        final MockFlowFile model = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();
        model.assertAttributeEquals(UnfreezeLayers.LAYERS_ATTRIBUTE, "2,4");
        model.assertAttributeEquals(UnfreezeLayers.TRAINABLE_ATTRIBUTE, String.valueOf(16 * 12 * 9 + 16 * 16 * 9));
    }
}
