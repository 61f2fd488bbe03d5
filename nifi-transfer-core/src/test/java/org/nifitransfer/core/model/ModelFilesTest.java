package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.training.StripeDatasets;

/** The structural checks made on a base file before any engine loads it, on real fixture models and real damaged files. */
class ModelFilesTest {

    @TempDir
    Path work;

    private static String problem(final Path file, final String engine) {
        final Optional<String> problem = ModelFiles.problem(file, engine);
        assertTrue(problem.isPresent(), file + " passed the check");
        return problem.get();
    }

    private Path firstHalf(final String fixture, final String name) throws IOException {
        final byte[] bytes = Files.readAllBytes(StripeDatasets.fixture(fixture));
        return Files.write(work.resolve(name), Arrays.copyOf(bytes, bytes.length / 2));
    }

    @Test
    void realModelsPass() {
        for (final String name : new String[] {"tiny_base.pt", "tiny_base_bn.pt", "tiny_base_flat.pt"}) {
            assertEquals(Optional.empty(), ModelFiles.problem(StripeDatasets.fixture(name), BaseModel.PYTORCH), name);
        }
        for (final String name : new String[] {"tiny_base.onnx", "tiny_base_dynamic.onnx"}) {
            assertEquals(Optional.empty(), ModelFiles.problem(StripeDatasets.fixture(name), BaseModel.ONNX_RUNTIME), name);
        }
    }

    @Test
    void aJpegRenamedAsAModelIsNamedAsAJpeg() throws IOException {
        final BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        final Path pt = work.resolve("photo.pt");
        ImageIO.write(image, "jpg", pt.toFile());
        assertTrue(problem(pt, BaseModel.PYTORCH).startsWith("photo.pt is a JPEG image, not a TorchScript model"), problem(pt, BaseModel.PYTORCH));
        final Path onnx = Files.copy(pt, work.resolve("photo.onnx"));
        assertTrue(problem(onnx, BaseModel.ONNX_RUNTIME).startsWith("photo.onnx is a JPEG image, not an ONNX model"),
                problem(onnx, BaseModel.ONNX_RUNTIME));
    }

    @Test
    void truncatedModelsAreCalledTruncated() throws IOException {
        assertTrue(problem(StripeDatasets.fixture("truncated_base.pt"), BaseModel.PYTORCH).contains("no central directory: the file is truncated"),
                problem(StripeDatasets.fixture("truncated_base.pt"), BaseModel.PYTORCH));
        final Path onnx = firstHalf("tiny_base.onnx", "half.onnx");
        final String message = problem(onnx, BaseModel.ONNX_RUNTIME);
        assertTrue(message.startsWith("half.onnx is not an ONNX model: ") && message.contains("truncated"), message);
    }

    @Test
    void textHtmlAndCheckpointsAreNamed() throws IOException {
        assertTrue(problem(StripeDatasets.fixture("not_a_model.pt"), BaseModel.PYTORCH).startsWith("not_a_model.pt is a text file"));
        final Path html = Files.writeString(work.resolve("base.onnx"), "<!DOCTYPE html><html><body>404 Not Found</body></html>");
        assertTrue(problem(html, BaseModel.ONNX_RUNTIME).startsWith("base.onnx is an HTML page (a failed download?), not an ONNX model"));

        final Path checkpoint = work.resolve("weights.pt");
        try (OutputStream file = Files.newOutputStream(checkpoint); ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.putNextEntry(new ZipEntry("weights/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, '}', 'q', 0, '.'});
            zip.putNextEntry(new ZipEntry("weights/data/0"));
            zip.write(new byte[64]);
        }
        assertTrue(problem(checkpoint, BaseModel.PYTORCH).contains("a PyTorch checkpoint or state dict written by torch.save"),
                problem(checkpoint, BaseModel.PYTORCH));
    }

    @Test
    void aModelOfTheOtherEngineSaysWhichItIs() throws IOException {
        final Path onnxNamedPt = Files.copy(StripeDatasets.fixture("tiny_base.onnx"), work.resolve("base.pt"));
        assertTrue(problem(onnxNamedPt, BaseModel.PYTORCH).startsWith("base.pt is probably an ONNX model (name it .onnx or choose the ONNX "
                + "Runtime engine)"), problem(onnxNamedPt, BaseModel.PYTORCH));
        final Path ptNamedOnnx = Files.copy(StripeDatasets.fixture("tiny_base.pt"), work.resolve("base.onnx"));
        assertTrue(problem(ptNamedOnnx, BaseModel.ONNX_RUNTIME).startsWith("base.onnx is a zip archive (a TorchScript model?"),
                problem(ptNamedOnnx, BaseModel.ONNX_RUNTIME));
    }

    @Test
    void loadingAndCheckingGiveTheSameReasonBeforeAnyEngineRuns() throws IOException, BaseModelException {
        final Path text = Files.write(work.resolve("notes.pt"), "just some notes".getBytes(StandardCharsets.UTF_8));
        final BaseModelException checked = assertThrows(BaseModelException.class, () -> BaseLocations.check(text.toString(), null));
        final BaseModelException loaded = assertThrows(BaseModelException.class, () -> BaseModel.builder().setLocation(text.toString()).load());
        assertEquals("Base model notes.pt is a text file, not a TorchScript model (a TorchScript file is a zip archive, and this one does "
                + "not start like one)", checked.getMessage());
        assertEquals(checked.getMessage(), loaded.getMessage());
        BaseLocations.check("djl://ai.djl.pytorch/resnet18_embedding", null);
        BaseLocations.check(StripeDatasets.fixture("tiny_base.pt").toString(), null);
    }
}
