package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;

/**
 * Acceptance on real data: the flowers photos (../shared/data/datasets/flowers) and the real ImageNet SqueezeNet 1.1
 * base (TorchScript, Caffe preset) through all the processors. The head alone must reach 85% validation accuracy, and
 * fine-tuning with UnfreezeLayers' and FineTune's defaults (the top 7 blocks) must gain 2 points on it. Prints the figures it reached.
 */
class FlowersTransferLearningIT {

    private static String historyOf(final MockFlowFile model) {
        try {
            final org.nifitransfer.core.model.ModelManifest manifest = org.nifitransfer.core.model.ModelPackage.readManifest(
                    new java.io.ByteArrayInputStream(model.toByteArray()));
            final StringBuilder text = new StringBuilder();
            manifest.history().forEach(epoch -> text.append(String.format(Locale.ROOT, "[%d %s acc %.3f loss %.3f val %.3f/%.3f] ",
                    epoch.epoch(), epoch.phase(), epoch.accuracy(), epoch.loss(), epoch.validationAccuracy(), epoch.validationLoss())));
            return text.toString();
        } catch (final java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void headReachesEightyFivePercentAndFineTuningGainsTwoPoints() {
        final Path flowers = SharedData.require("datasets/flowers");
        final Path squeezeNet = SharedData.require("models/squeezenet1_1_features.pt");
        final long start = System.nanoTime();

        final TestRunner load = Chain.runner(LoadImageFolder.class, r -> r.setProperty(LoadImageFolder.INPUT_DIRECTORY, flowers.toString()));
        load.run();
        // 2,569 train images in shards of 1,000 (LoadImageFolder's default), and 550 validation images: 4 datasets
        final int datasets = 4;
        load.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, datasets);
        final TestRunner resize = Chain.runner(ResizeAndNormalize.class, r -> r.setProperty(ResizeAndNormalize.PRESET, ResizeAndNormalize.Preset.CAFFE));
        load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).forEach(flowFile -> Chain.pass(flowFile, resize));
        resize.run(datasets);
        resize.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_SUCCESS, datasets);
        final TestRunner augment = Chain.runner(Augment.class, r -> { });
        resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS).forEach(flowFile -> Chain.pass(flowFile, augment));
        augment.run(datasets);
        augment.assertAllFlowFilesTransferred(Augment.REL_SUCCESS, datasets);
        final List<MockFlowFile> tensors = augment.getFlowFilesForRelationship(Augment.REL_SUCCESS);

        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> {
            r.setProperty(ExtractFeatures.BASE_MODEL, squeezeNet.toString());
            r.setProperty(ExtractFeatures.EXPECTED_PRESET, ExtractFeatures.ExpectedPreset.CAFFE);
        });
        tensors.forEach(flowFile -> Chain.pass(flowFile, extract));
        extract.run(datasets);
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_SUCCESS, datasets);
        final double extracted = (System.nanoTime() - start) / 1e9;

        final TestRunner head = Chain.runner(TrainHead.class, r -> { });
        extract.getFlowFilesForRelationship(ExtractFeatures.REL_SUCCESS).forEach(flowFile -> Chain.pass(flowFile, head));
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 1);
        final MockFlowFile headModel = head.getFlowFilesForRelationship(TrainHead.REL_SUCCESS).getFirst();
        final double headAccuracy = Double.parseDouble(headModel.getAttribute("transfer.val.accuracy"));
        final double trained = (System.nanoTime() - start) / 1e9;

        final TestRunner unfreeze = Chain.runner(UnfreezeLayers.class, r -> { });
        Chain.pass(headModel, unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
        final MockFlowFile unfrozen = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();
        assertEquals("4,6,7,9,10,11,12", unfrozen.getAttribute(UnfreezeLayers.BLOCKS_ATTRIBUTE), "the default top 7 of SqueezeNet's 9 blocks");
        assertNull(unfrozen.getAttribute(UnfreezeLayers.WARNING_ATTRIBUTE));

        final TestRunner fineTune = Chain.runner(FineTune.class, r -> r.setProperty(FineTune.EPOCHS, "5"));
        Chain.pass(unfrozen, fineTune);
        tensors.forEach(flowFile -> Chain.pass(flowFile, fineTune));
        fineTune.run();
        fineTune.assertTransferCount(FineTune.REL_SUCCESS, 1);
        final MockFlowFile tuned = fineTune.getFlowFilesForRelationship(FineTune.REL_SUCCESS).getFirst();
        final double tunedAccuracy = Double.parseDouble(tuned.getAttribute("transfer.val.accuracy"));
        final double done = (System.nanoTime() - start) / 1e9;

        System.out.printf(Locale.ROOT, "%nFLOWERS + SqueezeNet 1.1 (Caffe preset, 224x224): head (defaults, 10 epochs) validation accuracy "
                        + "%.4f (loss %s, kept epoch %s); fine-tuned top 7 blocks (%s parameters) for 5 epochs: validation accuracy %.4f "
                        + "(loss %s, kept epoch %s; last epoch %s). Times: load+resize+extract %.0f s, head %.0f s, fine-tune %.0f s%n"
                        + "History: %s%n",
                headAccuracy, headModel.getAttribute("transfer.val.loss"), headModel.getAttribute("transfer.kept.epoch"),
                unfrozen.getAttribute(UnfreezeLayers.TRAINABLE_ATTRIBUTE), tunedAccuracy, tuned.getAttribute("transfer.val.loss"),
                tuned.getAttribute("transfer.kept.epoch"), tuned.getAttribute("transfer.last.val.accuracy"), extracted, trained - extracted,
                done - trained, new String(java.util.Arrays.copyOf(tuned.toByteArray(), 0), java.nio.charset.StandardCharsets.UTF_8)
                        + historyOf(tuned));
        assertTrue(headAccuracy >= 0.85, "head-only validation accuracy " + headAccuracy + " is under 85%");
        // Keep Best monitors the validation loss (Keras' ModelCheckpoint default): fine-tuning must lower it. With FineTune's
        // defaults (RMSprop 3e-4, warm-up then cosine decay; docs/fine-tuning.md) it must also gain 2 points of accuracy (11 of
        // the 550 validation images), the margin issue 17's acceptance asserts through the template; the sweep's gain with this
        // base and the top 7 blocks is 3.6 +- 1.0 points over three seeds
        final double headLoss = Double.parseDouble(headModel.getAttribute("transfer.val.loss"));
        final double tunedLoss = Double.parseDouble(tuned.getAttribute("transfer.val.loss"));
        assertTrue(tunedLoss < headLoss, "fine-tuning did not lower the validation loss: " + headLoss + " -> " + tunedLoss);
        assertTrue(tunedAccuracy >= headAccuracy + 0.02, "fine-tuning gained less than 2 points of validation accuracy: " + headAccuracy
                + " -> " + tunedAccuracy);
    }
}
