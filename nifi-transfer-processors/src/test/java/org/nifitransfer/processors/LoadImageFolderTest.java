package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.dataset.DatasetSummary;
import org.nifitransfer.core.dataset.ImageDatasetReader;

class LoadImageFolderTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path root;

    private TestRunner runner;

    @BeforeEach
    void setRunner() {
        runner = TestRunners.newTestRunner(LoadImageFolder.class);
        runner.setProperty(LoadImageFolder.INPUT_DIRECTORY, root.toString());
    }

    private static MockFlowFile split(final List<MockFlowFile> flowFiles, final String split) {
        return flowFiles.stream().filter(flowFile -> split.equals(flowFile.getAttribute(TransferAttributes.SPLIT))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + split + " dataset among " + flowFiles));
    }

    private static List<String> imageNames(final MockFlowFile flowFile) throws IOException {
        final List<String> names = new ArrayList<>();
        try (ImageDatasetReader reader = ImageDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
            ImageDatasetReader.ImageEntry entry;
            while ((entry = reader.next()) != null) {
                names.add(entry.displayName());
            }
        }
        return names;
    }

    private static DatasetSummary summary(final MockFlowFile flowFile) throws IOException {
        try (ImageDatasetReader reader = ImageDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
            while (reader.next() != null) {
                continue;
            }
            return reader.getSummary();
        }
    }

    @Test
    void loadsSplitFoldersIntoOneDatasetPerSplitWithOneRunId() throws IOException {
        TestImages.stripedFolder(root, new String[] {"train", "validation", "test"}, new int[] {4, 2, 1}, 32);
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 3);
        final List<MockFlowFile> flowFiles = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        final MockFlowFile train = split(flowFiles, "train");
        train.assertAttributeEquals(TransferAttributes.KIND, "image-dataset");
        train.assertAttributeEquals(TransferAttributes.CLASSES, "[\"horizontal\",\"vertical\"]");
        train.assertAttributeEquals(TransferAttributes.COUNT, "8");
        train.assertAttributeEquals("transfer.count.horizontal", "4");
        train.assertAttributeEquals("transfer.count.vertical", "4");
        train.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "0");
        train.assertAttributeEquals("mime.type", "application/x-tar");
        split(flowFiles, "validation").assertAttributeEquals(TransferAttributes.COUNT, "4");
        split(flowFiles, "test").assertAttributeEquals(TransferAttributes.COUNT, "2");
        assertEquals(1, flowFiles.stream().map(flowFile -> flowFile.getAttribute(TransferAttributes.RUN_ID)).distinct().count());
        assertEquals(List.of("horizontal/img0.png", "horizontal/img1.png", "horizontal/img2.png", "horizontal/img3.png",
                "vertical/img0.png", "vertical/img1.png", "vertical/img2.png", "vertical/img3.png"), imageNames(train));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(root.resolve("train/vertical/img2.png")),
                firstContent(train, "vertical/img2.png")), "image bytes are stored unchanged");

        final List<ProvenanceEventRecord> events = runner.getProvenanceEvents();
        assertEquals(3, events.size());
        for (final ProvenanceEventRecord event : events) {
            assertEquals(ProvenanceEventType.CREATE, event.getEventType());
            assertTrue(event.getDetails().contains(root.toString()), event.getDetails());
        }
    }

    private static byte[] firstContent(final MockFlowFile flowFile, final String name) throws IOException {
        try (ImageDatasetReader reader = ImageDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
            ImageDatasetReader.ImageEntry entry;
            while ((entry = reader.next()) != null) {
                if (entry.displayName().equals(name)) {
                    return entry.content();
                }
            }
        }
        throw new AssertionError(name + " not found");
    }

    @Test
    void classFoldersAreSplitByFractions() {
        for (int i = 0; i < 10; i++) {
            TestImages.write(root.resolve("cats/c" + i + ".jpg"), TestImages.stripes(0, i, 24, 24, "jpg"));
            TestImages.write(root.resolve("dogs/d" + i + ".jpg"), TestImages.stripes(1, i, 24, 24, "jpg"));
        }
        runner.setProperty(LoadImageFolder.SPLIT_FRACTIONS, "0.6, 0.2, 0.2");
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 3);
        final List<MockFlowFile> flowFiles = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        split(flowFiles, "train").assertAttributeEquals("transfer.count.cats", "6");
        split(flowFiles, "validation").assertAttributeEquals("transfer.count.dogs", "2");
        split(flowFiles, "test").assertAttributeEquals(TransferAttributes.COUNT, "4");
    }

    @Test
    void badFilesAreSkippedAndListedWhileTheRestLoads(@TempDir final Path outside) throws IOException {
        TestImages.write(root.resolve("train/cats/good 1 ü猫.jpg"), TestImages.stripes(0, 1, 32, 32, "jpg"));
        TestImages.write(root.resolve("train/cats/good2.bmp"), TestImages.solid("bmp", 16, 16, Color.RED));
        TestImages.write(root.resolve("train/cats/first-frame.gif"), TestImages.solid("gif", 16, 16, Color.BLUE));
        TestImages.write(root.resolve("train/cats/truncated.jpg"), TestImages.truncatedJpeg());
        TestImages.write(root.resolve("train/cats/zero.jpg"), new byte[0]);
        TestImages.write(root.resolve("train/dogs/good.png"), TestImages.stripes(1, 2, 32, 32, "png"));
        TestImages.write(root.resolve("train/dogs/fake.png"), "this is not a PNG at all".getBytes(StandardCharsets.UTF_8));
        TestImages.write(root.resolve("train/dogs/readme.txt"), "notes".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(root.resolve("train/birds"));
        final Path secret = TestImages.write(outside.resolve("secret.png"), TestImages.stripes(1, 5, 32, 32, "png"));
        Files.createSymbolicLink(root.resolve("train/dogs/link.png"), secret);

        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 1);
        final MockFlowFile train = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).getFirst();
        train.assertAttributeEquals(TransferAttributes.CLASSES, "[\"cats\",\"dogs\"]");
        train.assertAttributeEquals("transfer.count.cats", "3");
        train.assertAttributeEquals("transfer.count.dogs", "1");
        train.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "6");
        assertTrue(imageNames(train).contains("cats/good 1 ü猫.jpg"), imageNames(train).toString());

        final Map<String, String> reasons = summary(train).skipped().stream()
                .collect(Collectors.toMap(DatasetSummary.SkippedFile::file, DatasetSummary.SkippedFile::reason));
        assertEquals("empty file (0 bytes)", reasons.get("train/cats/zero.jpg"));
        assertTrue(reasons.get("train/cats/truncated.jpg").toLowerCase().contains("truncated"), reasons.toString());
        assertTrue(reasons.get("train/dogs/fake.png").startsWith("not an image"), reasons.toString());
        assertTrue(reasons.get("train/dogs/readme.txt").startsWith("unsupported file type (.txt)"), reasons.toString());
        assertTrue(reasons.get("train/dogs/link.png").startsWith("symbolic link points outside the directory"), reasons.toString());
        assertEquals("class folder has no usable images", reasons.get("train/birds/"));

        final JsonNode attribute = MAPPER.readTree(train.getAttribute(TransferAttributes.SKIPPED));
        assertEquals(6, attribute.size());
        assertTrue(attribute.toString().contains("train/cats/zero.jpg: empty file (0 bytes)"), attribute.toString());
        assertTrue(runner.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg().contains("Skipped 6 file(s)")));
    }

    @Test
    void singleClassFailsWithWhatWasFound() throws IOException {
        TestImages.write(root.resolve("train/cats/a.png"), TestImages.stripes(0, 1, 16, 16, "png"));
        TestImages.write(root.resolve("train/dogs/broken.jpg"), TestImages.truncatedJpeg());
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_FAILURE, 1);
        final MockFlowFile failure = runner.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).getFirst();
        final String error = failure.getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("Only one class with usable images (cats)"), error);
        assertTrue(error.contains("2 class folder(s) [cats, dogs]"), error);
        assertEquals(error, MAPPER.readTree(failure.toByteArray()).get("error").asText());
        assertEquals(ProvenanceEventType.CREATE, runner.getProvenanceEvents().getFirst().getEventType());
        assertTrue(runner.getLogger().getErrorMessages().stream().anyMatch(message -> message.getMsg().contains("Only one class")));
    }

    @Test
    void nothingUsableFails() {
        TestImages.write(root.resolve("a/x.jpg"), new byte[0]);
        TestImages.write(root.resolve("b/y.txt"), "text".getBytes(StandardCharsets.UTF_8));
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_FAILURE, 1);
        final String error = runner.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("No usable images in " + root), error);
        assertTrue(error.contains("empty file (0 bytes)=1"), error);
    }

    @Test
    void missingDirectoryFailsOnceUntilSomethingChanges() {
        runner.setProperty(LoadImageFolder.INPUT_DIRECTORY, root.resolve("not-there").toString());
        runner.run(3);
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).getFirst()
                .assertAttributeEquals(TransferAttributes.ERROR, "Directory " + root.resolve("not-there") + " does not exist");
    }

    @Test
    void pathThatIsAFileFails() {
        TestImages.write(root.resolve("file.png"), TestImages.stripes(0, 1, 16, 16, "png"));
        runner.setProperty(LoadImageFolder.INPUT_DIRECTORY, root.resolve("file.png").toString());
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_FAILURE, 1);
        assertTrue(runner.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR)
                .endsWith("is not a directory"));
    }

    @Test
    void unchangedDirectoryIsNotLoadedAgainButAChangeOrClearedStateReloads() throws IOException {
        TestImages.stripedFolder(root, new String[] {"train"}, new int[] {2}, 16);
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 1);
        final String firstRun = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).getFirst().getAttribute(TransferAttributes.RUN_ID);
        runner.getStateManager().assertStateEquals(LoadImageFolder.STATE_RUN_ID, firstRun, Scope.LOCAL);

        runner.clearTransferState();
        runner.run(2);
        runner.assertTransferCount(LoadImageFolder.REL_SUCCESS, 0);

        TestImages.write(root.resolve("train/vertical/new.png"), TestImages.stripes(1, 9, 16, 16, "png"));
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 1);
        final MockFlowFile reloaded = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).getFirst();
        reloaded.assertAttributeEquals("transfer.count.vertical", "3");
        assertNotEquals(firstRun, reloaded.getAttribute(TransferAttributes.RUN_ID));

        runner.clearTransferState();
        runner.getStateManager().clear(Scope.LOCAL);
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 1);
    }

    @Test
    void maxPerClassAndSeedSampleReproducibly() throws IOException {
        TestImages.stripedFolder(root, new String[] {"train"}, new int[] {8}, 16);
        runner.setProperty(LoadImageFolder.MAX_PER_CLASS, "3");
        runner.setProperty(LoadImageFolder.RANDOM_SEED, "7");
        runner.run();
        final MockFlowFile first = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).getFirst();
        first.assertAttributeEquals(TransferAttributes.COUNT, "6");
        final TestRunner again = TestRunners.newTestRunner(LoadImageFolder.class);
        again.setProperty(LoadImageFolder.INPUT_DIRECTORY, root.toString());
        again.setProperty(LoadImageFolder.MAX_PER_CLASS, "3");
        again.setProperty(LoadImageFolder.RANDOM_SEED, "7");
        again.run();
        assertEquals(imageNames(first), imageNames(again.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).getFirst()));
    }

    @Test
    void oversizedImagesAndFilesAreSkippedBeforeDecoding() throws IOException {
        TestImages.write(root.resolve("train/a/small.png"), TestImages.stripes(0, 1, 32, 32, "png"));
        TestImages.write(root.resolve("train/a/huge.png"), TestImages.solid("png", 1500, 800, Color.GRAY));
        TestImages.write(root.resolve("train/b/small.png"), TestImages.stripes(1, 1, 32, 32, "png"));
        TestImages.write(root.resolve("train/b/big-file.bmp"), TestImages.solid("bmp", 200, 200, Color.GREEN));
        runner.setProperty(LoadImageFolder.MAX_MEGAPIXELS, "1");
        runner.setProperty(LoadImageFolder.MAX_FILE_SIZE, "100 KB");
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 1);
        final MockFlowFile train = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS).getFirst();
        train.assertAttributeEquals(TransferAttributes.COUNT, "2");
        final Map<String, String> reasons = summary(train).skipped().stream()
                .collect(Collectors.toMap(DatasetSummary.SkippedFile::file, DatasetSummary.SkippedFile::reason));
        assertEquals("image too large: 1500x800 exceeds 1 megapixels", reasons.get("train/a/huge.png"));
        assertTrue(reasons.get("train/b/big-file.bmp").startsWith("file too large: 120054 bytes"), reasons.toString());
    }

    @Test
    void aTestSplitComesFromValidationWhenTheFolderHasNone() {
        TestImages.stripedFolder(root, new String[] {"train", "validation"}, new int[] {4, 10}, 16);
        runner.setProperty(LoadImageFolder.TEST_FROM_VALIDATION, "0.2");
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 3);
        final List<MockFlowFile> flowFiles = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        split(flowFiles, "validation").assertAttributeEquals(TransferAttributes.COUNT, "16");
        split(flowFiles, "test").assertAttributeEquals("transfer.count.vertical", "2");
        runner.setProperty(LoadImageFolder.TEST_FROM_VALIDATION, "1");
        runner.assertNotValid();
    }

    @Test
    void trainAndTestOnlyGetAValidationSplitCarvedFromTrainAndSaySo() throws IOException {
        TestImages.stripedFolder(root, new String[] {"train", "test"}, new int[] {20, 5}, 16);
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 3);
        final List<MockFlowFile> flowFiles = runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        final MockFlowFile validation = split(flowFiles, "validation");
        validation.assertAttributeEquals("transfer.count.horizontal", "2");
        validation.assertAttributeEquals(TransferAttributes.SPLIT_ORIGIN, "carved from train/: 10% of each class (seeded, stratified)");
        split(flowFiles, "train").assertAttributeEquals(TransferAttributes.COUNT, "36");
        split(flowFiles, "train").assertAttributeEquals(TransferAttributes.SPLIT_ORIGIN, "train/ less the 10% carved for validation");
        split(flowFiles, "test").assertAttributeEquals(TransferAttributes.SPLIT_ORIGIN, "test/");
        for (final MockFlowFile flowFile : flowFiles) {
            flowFile.assertAttributeEquals(TransferAttributes.RUN_SPLITS, "train,validation,test");
        }
        assertTrue(runner.getLogger().getInfoMessages().stream().anyMatch(message -> message.getMsg()
                .contains("validation {horizontal=2, vertical=2} (carved from train/: 10% of each class (seeded, stratified))")));
        final JsonNode manifest = MAPPER.readTree(manifestJson(validation));
        assertEquals("carved from train/: 10% of each class (seeded, stratified)", manifest.path("source").path("origin").asText());
        assertEquals("[\"train\",\"validation\",\"test\"]", manifest.path("source").path("splits").toString());

        runner.clearTransferState();
        runner.getStateManager().clear(Scope.LOCAL);
        runner.setProperty(LoadImageFolder.VALIDATION_FROM_TRAIN, "0");
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 2);
        split(runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS), "train").assertAttributeEquals(TransferAttributes.RUN_SPLITS, "train,test");
        assertTrue(runner.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg()
                .contains("has only the train, test split(s): TrainHead and FineTune need train and validation")), "a warning bulletin");
    }

    @Test
    void aClassWithoutTrainingImagesFailsTheLoadOrIsDroppedAndNamed() throws IOException {
        TestImages.stripedFolder(root, new String[] {"train", "validation", "test"}, new int[] {6, 2, 2}, 16);
        for (int i = 0; i < 3; i++) {
            TestImages.write(root.resolve("test/diagonal/d" + i + ".png"), TestImages.stripes(0, i, 16, 16, "png"));
        }
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_FAILURE, 1);
        final String error = runner.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).getFirst().getAttribute(TransferAttributes.ERROR);
        assertTrue(error.startsWith("Class diagonal (3 test images) has no training images"), error);

        runner.clearTransferState();
        runner.getStateManager().clear(Scope.LOCAL);
        runner.setProperty(LoadImageFolder.UNTRAINED_CLASSES, UntrainedClasses.DROP.getValue());
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 3);
        final MockFlowFile test = split(runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS), "test");
        test.assertAttributeEquals(TransferAttributes.CLASSES, "[\"horizontal\",\"vertical\"]");
        test.assertAttributeEquals(TransferAttributes.COUNT, "4");
        test.assertAttributeEquals(TransferAttributes.DROPPED_CLASSES, "[\"diagonal (3 test images)\"]");
        final JsonNode dropped = MAPPER.readTree(manifestJson(test)).path("source").path("droppedClasses");
        assertEquals("diagonal", dropped.path(0).path("name").asText());
        assertEquals(3, dropped.path(0).path("images").path("test").asInt());
        assertTrue(runner.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg()
                .contains("Dropped class diagonal (3 test images): no training images")));
    }

    @Test
    void everyFileThatIsNotUsedIsListedEvenWithALineBreakInItsName() throws IOException {
        TestImages.stripedFolder(root, new String[] {"train", "validation", "test"}, new int[] {3, 1, 1}, 16);
        TestImages.write(root.resolve("train/vertical/two\nlines.png"), TestImages.stripes(1, 9, 16, 16, "png"));
        Files.createDirectories(root.resolve("train/horizontal/album.jpg"));
        Files.writeString(root.resolve("train/horizontal/.DS_Store"), "junk");
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, 3);
        final MockFlowFile train = split(runner.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS), "train");
        train.assertAttributeEquals("transfer.count.vertical", "4");
        assertTrue(imageNames(train).contains("vertical/two\nlines.png"), "a name with a line break is loaded and kept in the tar");
        final Map<String, String> reasons = summary(train).skipped().stream()
                .collect(Collectors.toMap(DatasetSummary.SkippedFile::file, DatasetSummary.SkippedFile::reason));
        assertEquals(Map.of("train/horizontal/.DS_Store", "hidden file", "train/horizontal/album.jpg/", "a folder, not an image file (named like one)"),
                reasons);
        train.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "2");
    }

    @Test
    void twoFoldersForOneSplitFailNamingBoth() {
        TestImages.stripedFolder(root, new String[] {"train", "test", "testing"}, new int[] {3, 1, 1}, 16);
        runner.run();
        runner.assertAllFlowFilesTransferred(LoadImageFolder.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).getFirst().assertAttributeEquals(TransferAttributes.ERROR,
                "Both 'test' and 'testing' in " + root + " are the test split: keep one of them (or move the other out of the directory)");
    }

    private static String manifestJson(final MockFlowFile flowFile) throws IOException {
        try (ImageDatasetReader reader = ImageDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
            return MAPPER.writeValueAsString(reader.getManifest());
        }
    }

    @Test
    void invalidConfiguration() {
        runner.setProperty(LoadImageFolder.VALIDATION_FROM_TRAIN, "1");
        runner.assertNotValid();
        runner.setProperty(LoadImageFolder.VALIDATION_FROM_TRAIN, "0.1");
        runner.setProperty(LoadImageFolder.SPLIT_FRACTIONS, "0.5, 0.1, 0.1");
        runner.assertNotValid();
        runner.setProperty(LoadImageFolder.SPLIT_FRACTIONS, "0.8, 0.1, 0.1");
        runner.assertValid();
        runner.setProperty(LoadImageFolder.FILE_FILTER, "[unclosed");
        runner.assertNotValid();
    }
}
