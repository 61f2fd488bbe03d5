package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UnfreezeLayers: the strategies, names that match nothing, and ONNX bases. */
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
