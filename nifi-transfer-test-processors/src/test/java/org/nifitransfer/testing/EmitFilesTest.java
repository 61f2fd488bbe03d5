package org.nifitransfer.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmitFilesTest {

    @Test
    void emitsEachFileOnceInNameOrderAndDeletesIt(@TempDir final Path directory) throws IOException {
        Files.createDirectories(directory.resolve("daisy"));
        Files.writeString(directory.resolve("daisy/b.jpg"), "b");
        Files.writeString(directory.resolve("daisy/a.jpg"), "a");
        Files.writeString(directory.resolve("c.tar"), "c");
        Files.writeString(directory.resolve(".partial.jpg"), "being written");
        final TestRunner runner = TestRunners.newTestRunner(EmitFiles.class);
        runner.setProperty(EmitFiles.INPUT_DIRECTORY, directory.toString());
        runner.setProperty(EmitFiles.BATCH_SIZE, "2");
        runner.run(3);
        final List<MockFlowFile> emitted = runner.getFlowFilesForRelationship(EmitFiles.REL_SUCCESS);
        assertEquals(List.of("c", "a", "b"), emitted.stream().map(MockFlowFile::getContent).toList());
        emitted.get(1).assertAttributeEquals("filename", "a.jpg");
        emitted.get(1).assertAttributeEquals("path", "daisy");
        emitted.getFirst().assertAttributeEquals("path", "");
        assertFalse(Files.exists(directory.resolve("daisy/a.jpg")));
        assertTrue(Files.exists(directory.resolve(".partial.jpg")), "a file still being written is left alone");
        assertEquals(3, runner.getProvenanceEvents().size());
    }
}
