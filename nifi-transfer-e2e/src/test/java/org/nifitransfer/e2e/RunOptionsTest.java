package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job's options: parsed and checked with the processors' own validators before anything starts. */
class RunOptionsTest {

    private static final Path PROJECT = Path.of(System.getProperty("transfer.project.dir", "..")).toAbsolutePath().normalize();

    @TempDir
    Path work;

    private static RunOptions options(final String... arguments) {
        final List<String> all = new java.util.ArrayList<>(List.of(arguments));
        all.addAll(List.of("--project", PROJECT.toString()));
        return RunOptions.parse(all);
    }

    @Test
    void withoutOptionsTheRunUsesTheCommittedPhotosAndBase() {
        final RunOptions options = options();
        assertTrue(options.isExample());
        final Map<String, String> parameters = options.parameters();
        assertEquals(PROJECT.resolve("examples/flowers").toString(), parameters.get("data.directory"));
        assertEquals(PROJECT.resolve("examples/models/squeezenet1_1_features.pt").toString(), parameters.get("base.model"));
        assertEquals("caffe", parameters.get("normalization.preset"));
        assertEquals("224", parameters.get("image.size"));
        assertEquals(List.of(), options.problems(), "the committed photos and base pass every check");
    }

    @Test
    void badValuesAreReportedWithTheProcessorsOwnMessages() throws Exception {
        final Path photo = work.resolve("photo.pt");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "jpg", photo.toFile());
        final List<String> problems = options("--base-model", photo.toString(), "--preset", "imagenet-rgb", "--fine-tune-lr", "0",
                "--size", "-3", "--port", "70000").problems();
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("--base-model: 'Base Model' validated against '" + photo + "' is invalid because Base model "
                + "photo.pt is a JPEG image, not a TorchScript model"), problems.get(0));
        assertTrue(problems.get(1).startsWith("--preset: 'Normalization Preset' validated against 'imagenet-rgb' is invalid"), problems.get(1));
        assertTrue(problems.get(2).startsWith("--size: 'Target Width' validated against '-3' is invalid"), problems.get(2));
        assertTrue(problems.get(3).equals("--fine-tune-lr: 'Learning Rate' validated against '0' is invalid because must be a number above 0"),
                problems.get(3));
        assertEquals("--port: 70000 is out of range", problems.get(4));
    }

    @Test
    void anOnnxBaseAndAFolderLoadImageFolderWouldRefuseAreReported() throws Exception {
        Files.createDirectories(work.resolve("only/train/cats"));
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", work.resolve("only/train/cats/c.png").toFile());
        final List<String> problems = options("--data", work.resolve("only").toString(), "--base-model",
                PROJECT.resolve("fixtures/models/tiny_base.onnx").toString()).problems();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("--base-model: the cats-vs-dogs template fine-tunes the base"), problems.get(0));
        assertTrue(problems.get(1).startsWith("--data: Only one class with usable images (cats) in " + work.resolve("only")), problems.get(1));
    }

    @Test
    void unknownArgumentsAndMissingValuesAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(List.of("--epochs", "3"))).getMessage()
                .startsWith("Unknown argument '--epochs'. Usage: ./run.sh"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(List.of("--data"))).getMessage()
                .startsWith("--data needs a value"));
    }

    @Test
    void theMainJobStartsNothingWhenAnOptionIsBad() throws Exception {
        final Path home = Files.createDirectories(work.resolve("nifi-home"));
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final int exit = new MainJob(home, new PrintStream(printed, true, StandardCharsets.UTF_8))
                .run(List.of("start", "--project", PROJECT.toString(), "--head-epochs", "0"));
        assertEquals(2, exit);
        final String output = printed.toString(StandardCharsets.UTF_8);
        assertTrue(output.startsWith("Nothing was started: the options have 1 problem:\n  --head-epochs: 'Epochs' validated against '0' is invalid"),
                output);
        assertFalse(Files.exists(home.resolve("run")), "no NiFi was started");
    }

    @Test
    void eachRunGetsAParameterContextOfItsOwn() throws Exception {
        final String renamed = MainJob.withContextName(Files.readString(PROJECT.resolve("templates/cats-vs-dogs.json")), "cats-vs-dogs 2026-12-06 10:00:00");
        final JsonNode flow = new ObjectMapper().readTree(renamed);
        assertEquals("cats-vs-dogs 2026-12-06 10:00:00", flow.path("flowContents").path("parameterContextName").asText());
        assertEquals("cats-vs-dogs 2026-12-06 10:00:00", flow.path("parameterContexts").path("cats-vs-dogs 2026-12-06 10:00:00").path("name").asText());
        assertFalse(flow.path("parameterContexts").has("cats-vs-dogs"));
    }
}
