package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.training.StripeDatasets;

class BaseModelTest {

    @Test
    void modelZooUrlsAreRefusedClearlyWhileOffline() {
        assertEquals("true", System.getProperty("ai.djl.offline"));
        final BaseModelException error = assertThrows(BaseModelException.class,
                () -> BaseModel.builder().setLocation("djl://ai.djl.pytorch/resnet").load());
        assertTrue(error.getMessage().startsWith("Base model djl://ai.djl.pytorch/resnet is a URL, but DJL runs offline"), error.getMessage());
    }

    @Test
    void fileUrlsFoldersAndEnginesResolveLikePlainFiles(@TempDir final Path folder) throws Exception {
        final Path fixture = StripeDatasets.fixture("tiny_base.pt");
        Files.copy(fixture, folder.resolve("tiny_base.pt"));
        for (final String location : new String[] {fixture.toUri().toString(), folder.toString()}) {
            try (BaseModel base = BaseModel.builder().setLocation(location).load()) {
                assertEquals(BaseModel.PYTORCH, base.getEngine());
                assertEquals(BaseModel.sha256(fixture), base.getSha256());
                assertArrayEquals(new long[] {16, 8, 8}, base.probeOutputShape(3, 32, 32));
            }
        }
        assertEquals(BaseModel.ONNX_RUNTIME, BaseModel.engineForFile("x.ONNX"));
        assertTrue(BaseModel.isUrl("https://example.invalid/model.zip") && !BaseModel.isUrl("/data/model.pt"));
    }

    @Test
    void emptyFilesAndEmptyFoldersAreNamed(@TempDir final Path folder) throws Exception {
        final Path empty = Files.createFile(folder.resolve("empty.pt"));
        assertEquals("Base model file " + empty + " is empty (0 bytes)",
                assertThrows(BaseModelException.class, () -> BaseModel.builder().setLocation(empty.toString()).load()).getMessage());
        final Path none = Files.createDirectory(folder.resolve("none"));
        assertEquals("Folder " + none + " holds no .pt or .onnx model file",
                assertThrows(BaseModelException.class, () -> BaseModel.builder().setLocation(none.toString()).load()).getMessage());
    }
}
