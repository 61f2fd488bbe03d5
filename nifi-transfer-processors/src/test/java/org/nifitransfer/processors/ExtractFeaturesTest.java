package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ExtractFeatures: base files that are no models or fail to load, classifier-like bases, and datasets that do not fit the base. */
class ExtractFeaturesTest {

    @TempDir
    Path work;

    @Test
    void aBaseFileThatIsNoModelMakesExtractFeaturesInvalidWithTheReason() throws IOException {
        final TestRunner missing = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, work.resolve("nope.pt").toString()));
        missing.assertNotValid();
        assertTrue(ModelChains.validationErrors(missing).contains("Base model file " + work.resolve("nope.pt") + " does not exist"), ModelChains.validationErrors(missing));

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
            assertTrue(ModelChains.validationErrors(runner).contains(bad.getValue()), ModelChains.validationErrors(runner));
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
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), extract);
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), extract);
        extract.run(2, false, true);
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_FAILURE, 2);
        final String error = extract.getFlowFilesForRelationship(ExtractFeatures.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("the base model could not be loaded: Cannot load base model " + base), error);
        assertTrue(extract.getLogger().getErrorMessages().stream().anyMatch(message -> message.getMsg().contains("Cannot load base model")));

        // the file is replaced by a real base while the processor runs: the next dataset loads it and is extracted
        Files.copy(Chain.fixture("tiny_base.pt"), base, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(base, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        extract.clearTransferState();
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "train"), extract);
        extract.run(1, true, false);
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_SUCCESS, 1);
    }

    @Test
    void aBaseThatOutputsAVectorIsReportedAsLookingLikeAClassifier() {
        final TestRunner extract = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL,
                Chain.fixture("tiny_base_flat.pt").toString()));
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), extract);
        extract.run();
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_SUCCESS, 1);
        final String warning = extract.getFlowFilesForRelationship(ExtractFeatures.REL_SUCCESS).getFirst()
                .getAttribute(ExtractFeatures.BASE_WARNING_ATTRIBUTE);
        assertTrue(warning.startsWith("Base model tiny_base_flat.pt outputs a vector of 1024 values per image, not a feature map: it looks "
                + "like a classifier rather than a headless base"), warning);
        assertTrue(extract.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg().contains("looks like a classifier")),
                "a warning bulletin");

        final TestRunner headless = Chain.runner(ExtractFeatures.class, r -> r.setProperty(ExtractFeatures.BASE_MODEL, Chain.fixture("tiny_base.pt").toString()));
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), headless);
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
        final TestRunner load = Chain.runner(LoadImageFolder.class, r -> r.setProperty(LoadImageFolder.INPUT_DIRECTORY, ModelChains.images().toString()));
        load.run();
        final MockFlowFile imageDataset = ModelChains.split(load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS), "test");
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
            r.setProperty(ExtractFeatures.EXPECTED_PRESET, ExtractFeatures.ExpectedPreset.CAFFE);
        });
        Chain.pass(ModelChains.split(ModelChains.torchScript().tensors(), "validation"), extract);
        extract.run();
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_FAILURE, 1);
        assertTrue(extract.getFlowFilesForRelationship(ExtractFeatures.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .contains("expects the 'caffe' normalisation preset, but the dataset was prepared with 'zero-one'"));
    }
}
