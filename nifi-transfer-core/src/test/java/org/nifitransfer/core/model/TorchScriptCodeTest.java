package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptCodeTest {

    private static final Path FIXTURES = Path.of(System.getProperty("transfer.fixtures", "../fixtures")).resolve("models");

    @TempDir
    Path work;

    @Test
    void aScriptedBatchNormBaseFollowsTheModeAndABaseWithoutBatchNormHasNothingToFix() {
        // fixtures/make_fixture_models.py scripts tiny_base_bn.pt: its batch_norm passes `training`, a variable
        assertFalse(TorchScriptCode.batchNormFixedToInference(FIXTURES.resolve("tiny_base_bn.pt")));
        assertFalse(TorchScriptCode.batchNormFixedToInference(FIXTURES.resolve("tiny_base.pt")), "no BatchNorm at all");
        assertFalse(TorchScriptCode.batchNormFixedToInference(FIXTURES.resolve("not_a_model.pt")), "not an archive");
        assertFalse(TorchScriptCode.batchNormFixedToInference(work.resolve("missing.pt")));
    }

    @Test
    void aBaseTracedInInferenceModeHasEveryBatchNormFixed() throws IOException {
        // the same base as tiny_base_bn.pt, traced in eval mode by fixtures/make_fixture_models.py
        assertTrue(TorchScriptCode.batchNormFixedToInference(FIXTURES.resolve("tiny_base_bn_traced.pt")));

        // the call as torch.jit.trace writes it for torchvision's MobileNetV2 in eval mode (../shared/data's base)
        final String traced = "  _0 = torch.batch_norm(argument_1, weight, bias, running_mean, running_var, False, 0.10000000000000001, "
                + "1.0000000000000001e-05, True)\n";
        assertTrue(TorchScriptCode.batchNormFixedToInference(archive("traced.pt", traced, traced)));

        final String scripted = "  _2 = torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, True)\n";
        assertFalse(TorchScriptCode.batchNormFixedToInference(archive("mixed.pt", traced, scripted)),
                "one BatchNorm that follows the mode is enough for the statistics to move");
        assertFalse(TorchScriptCode.batchNormFixedToInference(archive("conv.pt", "  x = torch._convolution(input, weight)\n",
                "  y = torch.relu(x)\n")));
    }

    private Path archive(final String name, final String first, final String second) throws IOException {
        final Path file = work.resolve(name);
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("base/data.pkl"));
            zip.write(new byte[] {1});
            zip.putNextEntry(new ZipEntry("base/code/__torch__/torch/nn/modules/batchnorm.py"));
            zip.write(first.getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("base/code/__torch__/torch/nn/modules/batchnorm/___torch_mangle_1.py"));
            zip.write(second.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }
}
