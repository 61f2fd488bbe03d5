package org.nifitransfer.processors;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.MockProcessContext;
import org.apache.nifi.util.TestRunner;

/**
 * The chains the model processors' tests start from, run once per test JVM and shared: the eight processors over
 * generated stripes with the TorchScript and with the ONNX fixture base.
 */
final class ModelChains {

    private static Path images;
    private static Chain.Outputs torchScript;
    private static Chain.Outputs onnx;

    private ModelChains() {
    }

    private static synchronized void prepare() {
        if (torchScript != null) {
            return;
        }
        try {
            images = Files.createTempDirectory("model-chains");
            final Path folder = images;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> org.nifitransfer.core.pipeline.Folders.deleteQuietly(folder)));
            TestImages.stripedFolder(images, new String[] {"train", "validation", "test"}, new int[] {20, 8, 8}, 32);
            torchScript = Chain.run(images, "tiny_base.pt", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "2"), null);
            onnx = Chain.run(images, "tiny_base.onnx", 32, "zero-one", head -> head.setProperty(TrainHead.EPOCHS, "2"), null);
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The folder of stripes both chains loaded. */
    static Path images() {
        prepare();
        return images;
    }

    /** The chain with the TorchScript fixture base. */
    static Chain.Outputs torchScript() {
        prepare();
        return torchScript;
    }

    /** The chain with the ONNX fixture base. */
    static Chain.Outputs onnx() {
        prepare();
        return onnx;
    }

    static MockFlowFile split(final List<MockFlowFile> flowFiles, final String split) {
        return flowFiles.stream().filter(flowFile -> split.equals(flowFile.getAttribute(TransferAttributes.SPLIT))).findFirst().orElseThrow();
    }

    static void passAs(final MockFlowFile flowFile, final TestRunner runner, final String runId) {
        final Map<String, String> attributes = new HashMap<>(flowFile.getAttributes());
        attributes.remove("uuid");
        attributes.put(TransferAttributes.RUN_ID, runId);
        runner.enqueue(flowFile.toByteArray(), attributes);
    }

    static String validationErrors(final TestRunner runner) {
        return ((MockProcessContext) runner.getProcessContext()).validate().stream().filter(result -> !result.isValid())
                .map(ValidationResult::getExplanation).toList().toString();
    }
}
