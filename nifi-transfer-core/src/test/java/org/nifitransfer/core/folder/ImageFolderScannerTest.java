package org.nifitransfer.core.folder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.dataset.DatasetSummary.SkippedFile;
import org.nifitransfer.core.dataset.Splits;

class ImageFolderScannerTest {

    /** Treats files whose content starts with "bad" as undecodable. */
    private static final ImageValidator FAKE_DECODER = file -> {
        try {
            return new String(Files.readAllBytes(file)).startsWith("bad") ? Optional.of("corrupt image") : Optional.empty();
        } catch (final IOException e) {
            return Optional.of(e.getMessage());
        }
    };

    @TempDir
    Path root;

    private void file(final String relative, final String content) throws IOException {
        final Path path = root.resolve(relative);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
    }

    private FolderScan scan(final ImageFolderScanner.Builder builder) throws FolderScanException {
        return builder.setDirectory(root).optValidator(FAKE_DECODER).build().scan();
    }

    private static Map<String, Long> counts(final FolderScan scan, final String split) {
        return scan.splits().get(split).stream()
                .collect(Collectors.groupingBy(file -> scan.classes().get(file.label()), Collectors.counting()));
    }

    @Test
    void splitFoldersWithValAliasAndBadFilesListedBySplit() throws IOException, FolderScanException {
        file("train/cats/c1.jpg", "img");
        file("train/cats/c2.JPG", "img");
        file("train/dogs/d1.png", "img");
        file("train/dogs/notes.txt", "hello");
        file("train/dogs/empty.jpg", "");
        file("train/dogs/.DS_Store", "junk");
        file("val/cats/c3.jpg", "bad bytes");
        file("val/cats/c4.gif", "img");
        file("val/dogs/d2.bmp", "img");
        file("test/cats/with space ü.jpeg", "img");
        file("test/dogs/d3.jpg", "img");
        Files.createDirectories(root.resolve("test/birds"));

        final FolderScan scan = scan(ImageFolderScanner.builder());
        assertEquals(FolderLayout.SPLIT_FOLDERS, scan.layout());
        assertEquals(List.of("cats", "dogs"), scan.classes());
        assertEquals(List.of(Splits.TRAIN, Splits.VALIDATION, Splits.TEST), List.copyOf(scan.splits().keySet()));
        assertEquals(Map.of("cats", 2L, "dogs", 1L), counts(scan, Splits.TRAIN));
        assertEquals(Map.of("cats", 1L, "dogs", 1L), counts(scan, Splits.VALIDATION));
        assertEquals("with space ü.jpeg", scan.splits().get(Splits.TEST).getFirst().relativePath());
        assertEquals(List.of(
                new SkippedFile("train/dogs/.DS_Store", "hidden file"),
                new SkippedFile("train/dogs/empty.jpg", "empty file (0 bytes)"),
                new SkippedFile("train/dogs/notes.txt", "unsupported file type (.txt): expected JPEG, PNG, BMP or GIF")),
                scan.skippedFor(Splits.TRAIN));
        assertEquals(List.of(new SkippedFile("val/cats/c3.jpg", "corrupt image")), scan.skippedFor(Splits.VALIDATION));
        assertEquals(List.of(new SkippedFile("test/birds/", "class folder has no usable images")), scan.skippedFor(Splits.TEST));
    }

    @Test
    void classFoldersAreSplitStratifiedAndReproducibly() throws IOException, FolderScanException {
        for (int i = 0; i < 20; i++) {
            file("a/a" + i + ".jpg", "img");
        }
        for (int i = 0; i < 10; i++) {
            file("b/b" + i + ".jpg", "img");
        }
        final FolderScan first = scan(ImageFolderScanner.builder().optSeed(3));
        assertEquals(FolderLayout.CLASS_FOLDERS, first.layout());
        assertEquals(Map.of("a", 16L, "b", 8L), counts(first, Splits.TRAIN));
        assertEquals(Map.of("a", 2L, "b", 1L), counts(first, Splits.VALIDATION));
        assertEquals(Map.of("a", 2L, "b", 1L), counts(first, Splits.TEST));
        final FolderScan again = scan(ImageFolderScanner.builder().optSeed(3));
        assertEquals(first.splits(), again.splits());
        final FolderScan otherSeed = scan(ImageFolderScanner.builder().optSeed(4));
        assertNotEquals(first.splits().get(Splits.TEST), otherSeed.splits().get(Splits.TEST));
    }

    @Test
    void aTestSplitIsCarvedFromValidationWhenThereIsNoTestFolder() throws IOException, FolderScanException {
        for (int i = 0; i < 10; i++) {
            file("train/a/a" + i + ".jpg", "img");
            file("train/b/b" + i + ".jpg", "img");
            file("validation/a/va" + i + ".jpg", "img");
            file("validation/b/vb" + i + ".jpg", "img");
        }
        final FolderScan scan = scan(ImageFolderScanner.builder().optTestFromValidation(0.2));
        assertEquals(Map.of("a", 8L, "b", 8L), counts(scan, Splits.VALIDATION));
        assertEquals(Map.of("a", 2L, "b", 2L), counts(scan, Splits.TEST));
        assertEquals(Map.of("a", 10L, "b", 10L), counts(scan, Splits.TRAIN));
        final java.util.Set<String> test = scan.splits().get(Splits.TEST).stream().map(FolderScan.ImageFile::relativePath)
                .collect(Collectors.toSet());
        assertTrue(scan.splits().get(Splits.VALIDATION).stream().noneMatch(file -> test.contains(file.relativePath())));
        assertEquals(scan.splits(), scan(ImageFolderScanner.builder().optTestFromValidation(0.2)).splits(), "seeded");

        file("test/a/t.jpg", "img");
        file("test/b/t.jpg", "img");
        final FolderScan withTestFolder = scan(ImageFolderScanner.builder().optTestFromValidation(0.2));
        assertEquals(Map.of("a", 10L, "b", 10L), counts(withTestFolder, Splits.VALIDATION), "a test folder is used as it is");
    }

    @Test
    void maxPerClassSamplesUsableImagesOnly() throws IOException, FolderScanException {
        for (int i = 0; i < 6; i++) {
            file("train/a/a" + i + ".jpg", i < 3 ? "bad" : "img");
            file("train/b/b" + i + ".jpg", "img");
        }
        final FolderScan scan = scan(ImageFolderScanner.builder().optMaxPerClass(3));
        assertEquals(Map.of("a", 3L, "b", 3L), counts(scan, Splits.TRAIN));
    }

    @Test
    void filesTheFilterLeavesOutAreListed() throws IOException, FolderScanException {
        file("train/a/keep.jpg", "img");
        file("train/a/drop.jpg", "img");
        file("train/b/keep2.jpg", "img");
        final FolderScan scan = scan(ImageFolderScanner.builder().optValidationFromTrain(0).optFileFilter(Pattern.compile("keep.*")));
        assertEquals(Map.of("a", 1L, "b", 1L), counts(scan, Splits.TRAIN));
        assertEquals(List.of(new SkippedFile("train/a/drop.jpg", "name does not match the file filter keep.*")), scan.skippedFor(Splits.TRAIN));
    }

    @Test
    void nothingUnderTheDirectoryIsPassedOverWithoutAWord() throws IOException, FolderScanException {
        file("train/a/a1.jpg", "img");
        file("train/a/line\nbreak.jpg", "img");
        file("train/b/b1.jpg", "img");
        file("train/b/.hidden.jpg", "img");
        file("train/b/.thumbnails/t.jpg", "img");
        Files.createDirectories(root.resolve("train/b/b2.jpg"));
        Files.createDirectories(root.resolve("train/b/nested/empty"));
        file("train/b/nested/n1.png", "img");
        file("train/stray.jpg", "img");
        file("README.md", "read me");
        file("models/base.pt", "weights");
        file(".git/config", "x");

        final FolderScan scan = scan(ImageFolderScanner.builder().optValidationFromTrain(0));
        assertEquals(Map.of("a", 2L, "b", 2L), counts(scan, Splits.TRAIN), "a name with a line break matches the default filter");
        assertTrue(scan.splits().get(Splits.TRAIN).stream().anyMatch(file -> file.relativePath().equals("line\nbreak.jpg")));
        assertEquals(List.of(
                new SkippedFile(".git/", "hidden folder (not read)"),
                new SkippedFile("README.md", "not in a split folder: images belong in split/class folders"),
                new SkippedFile("models/", "not a split folder (train, training, training_set; validation, val, valid, validation_set; "
                        + "test, testing, test_set): not read"),
                new SkippedFile("train/b/.hidden.jpg", "hidden file"),
                new SkippedFile("train/b/.thumbnails/", "hidden folder (not read)"),
                new SkippedFile("train/b/b2.jpg/", "a folder, not an image file (named like one)"),
                new SkippedFile("train/b/nested/empty/", "empty folder"),
                new SkippedFile("train/stray.jpg", "not in a class folder")),
                scan.skippedFor(Splits.TRAIN));
    }

    @Test
    void trainAndTestOnlyCarvesAValidationSplitFromTrain() throws IOException, FolderScanException {
        for (int i = 0; i < 20; i++) {
            file("training_set/cats/c" + i + ".jpg", "img");
            file("Test_Set/cats/t" + i + ".jpg", "img");
            file("Test_Set/dogs/t" + i + ".jpg", "img");
        }
        for (int i = 0; i < 10; i++) {
            file("training_set/dogs/d" + i + ".jpg", "img");
        }
        final FolderScan scan = scan(ImageFolderScanner.builder());
        assertEquals(List.of(Splits.TRAIN, Splits.VALIDATION, Splits.TEST), List.copyOf(scan.splits().keySet()));
        assertEquals(Map.of("cats", 18L, "dogs", 9L), counts(scan, Splits.TRAIN));
        assertEquals(Map.of("cats", 2L, "dogs", 1L), counts(scan, Splits.VALIDATION), "10% of each class, like Keras' validation_split");
        assertEquals(Map.of("cats", 20L, "dogs", 20L), counts(scan, Splits.TEST));
        assertEquals("training_set/ less the 10% carved for validation", scan.origins().get(Splits.TRAIN));
        assertEquals("carved from training_set/: 10% of each class (seeded, stratified)", scan.origins().get(Splits.VALIDATION));
        assertEquals("Test_Set/", scan.origins().get(Splits.TEST));
        final java.util.Set<String> validation = scan.splits().get(Splits.VALIDATION).stream().map(FolderScan.ImageFile::relativePath)
                .collect(Collectors.toSet());
        assertTrue(scan.splits().get(Splits.TRAIN).stream().noneMatch(file -> validation.contains(file.relativePath())), "disjoint");
        assertEquals(scan.splits(), scan(ImageFolderScanner.builder()).splits(), "seeded");
        assertNotEquals(scan.splits().get(Splits.VALIDATION), scan(ImageFolderScanner.builder().optSeed(7)).splits().get(Splits.VALIDATION));

        final FolderScan none = scan(ImageFolderScanner.builder().optValidationFromTrain(0));
        assertEquals(List.of(Splits.TRAIN, Splits.TEST), List.copyOf(none.splits().keySet()), "0 carves nothing");
    }

    @Test
    void aLoneTrainFolderIsSplitByTheFractions() throws IOException, FolderScanException {
        for (int i = 0; i < 10; i++) {
            file("train/a/a" + i + ".jpg", "img");
            file("train/b/b" + i + ".jpg", "img");
        }
        final FolderScan scan = scan(ImageFolderScanner.builder().optSplitFractions(new SplitFractions(0.6, 0.2, 0.2)));
        assertEquals(FolderLayout.SPLIT_FOLDERS, scan.layout());
        assertEquals(Map.of("a", 6L, "b", 6L), counts(scan, Splits.TRAIN));
        assertEquals(Map.of("a", 2L, "b", 2L), counts(scan, Splits.VALIDATION));
        assertEquals(Map.of("a", 2L, "b", 2L), counts(scan, Splits.TEST));
        assertEquals("train/ alone split 60/20/20 (seeded, stratified)", scan.origins().get(Splits.TEST));
    }

    @Test
    void everyClassKeepsATrainingImageWhenSplitting() throws IOException, FolderScanException {
        file("a/only.jpg", "img");
        for (int i = 0; i < 4; i++) {
            file("b/b" + i + ".jpg", "img");
        }
        final FolderScan scan = scan(ImageFolderScanner.builder().optSplitFractions(new SplitFractions(0.2, 0.4, 0.4)));
        assertEquals(Map.of("a", 1L, "b", 1L), counts(scan, Splits.TRAIN));
        assertTrue(scan.warnings().contains("The validation split has no images of class 'a'"), scan.warnings().toString());
    }

    @Test
    void twoFoldersOfOneSplitFailNamingBoth() throws IOException {
        file("train/a/a.jpg", "img");
        file("train/b/b.jpg", "img");
        file("training/a/a.jpg", "img");
        final FolderScanException error = assertThrows(FolderScanException.class, () -> scan(ImageFolderScanner.builder()));
        assertEquals("Both 'train' and 'training' in " + root + " are the train split: keep one of them (or move the other out of the directory)",
                error.getMessage());
    }

    @Test
    void splitFoldersWithoutTrainFail() throws IOException {
        file("validation/a/a.jpg", "img");
        file("test/b/b.jpg", "img");
        final FolderScanException error = assertThrows(FolderScanException.class, () -> scan(ImageFolderScanner.builder()));
        assertTrue(error.getMessage().startsWith("No training images: found validation/, test/ but no train folder (train, training, "
                + "training_set)"), error.getMessage());
    }

    @Test
    void aClassWithoutTrainingImagesFailsNamingItOrIsDropped() throws IOException, FolderScanException {
        for (int i = 0; i < 5; i++) {
            file("train/cats/c" + i + ".jpg", "img");
            file("train/dogs/d" + i + ".jpg", "img");
            file("test/cats/t" + i + ".jpg", "img");
            file("test/dogs/t" + i + ".jpg", "img");
            file("test/foxes/t" + i + ".jpg", "img");
        }
        file("validation/cats/v.jpg", "img");
        file("validation/dogs/v.jpg", "img");
        file("validation/foxes/v.jpg", "img");
        final FolderScanException error = assertThrows(FolderScanException.class, () -> scan(ImageFolderScanner.builder()));
        assertTrue(error.getMessage().startsWith("Class foxes (1 validation, 5 test images) has no training images: a model trained on "
                + "the other classes could never predict it"), error.getMessage());
        assertTrue(error.getMessage().endsWith("or set 'Classes Without Training Images' to 'Drop'"), error.getMessage());

        final FolderScan dropped = scan(ImageFolderScanner.builder().optUntrainedClassPolicy(UntrainedClassPolicy.DROP));
        assertEquals(List.of("cats", "dogs"), dropped.classes());
        assertEquals(Map.of("cats", 5L, "dogs", 5L), counts(dropped, Splits.TEST));
        assertEquals(1, dropped.droppedClasses().size());
        assertEquals("foxes", dropped.droppedClasses().getFirst().name());
        assertEquals(Map.of(Splits.VALIDATION, 1, Splits.TEST, 5), dropped.droppedClasses().getFirst().images());
        assertTrue(dropped.warnings().contains("Dropped class foxes (1 validation, 5 test images): no training images"), dropped.warnings().toString());
    }

    @Test
    void symbolicLinkOutsideTheDirectoryIsSkipped(@TempDir final Path outside) throws IOException, FolderScanException {
        file("train/a/a.jpg", "img");
        file("train/b/b.jpg", "img");
        final Path secret = Files.writeString(outside.resolve("secret.jpg"), "img");
        Files.createSymbolicLink(root.resolve("train/a/link.jpg"), secret);
        Files.createSymbolicLink(root.resolve("train/b/inside.jpg"), root.resolve("train/b/b.jpg"));
        Files.createSymbolicLink(root.resolve("train/c"), outside);
        final FolderScan scan = scan(ImageFolderScanner.builder());
        assertEquals(List.of("a", "b"), scan.classes());
        assertEquals(Map.of("a", 1L, "b", 2L), counts(scan, Splits.TRAIN));
        final List<SkippedFile> skipped = scan.skippedFor(Splits.TRAIN);
        assertEquals(2, skipped.size(), skipped.toString());
        assertTrue(skipped.stream().allMatch(file -> file.reason().startsWith("symbolic link points outside the directory")), skipped.toString());
    }

    @Test
    void singleClassFailsSayingWhatWasFound() throws IOException {
        file("only/a.jpg", "img");
        file("only/b.jpg", "img");
        final FolderScanException error = assertThrows(FolderScanException.class, () -> scan(ImageFolderScanner.builder()));
        assertTrue(error.getMessage().startsWith("Only one class with usable images (only)"), error.getMessage());
        assertTrue(error.getMessage().contains("2 candidate image file(s), 2 usable"), error.getMessage());
    }

    @Test
    void nothingUsableFailsListingReasons() throws IOException {
        file("a/x.jpg", "bad");
        file("b/y.jpg", "");
        file("b/z.txt", "text");
        final FolderScanException error = assertThrows(FolderScanException.class, () -> scan(ImageFolderScanner.builder()));
        assertTrue(error.getMessage().startsWith("No usable images in " + root), error.getMessage());
        assertTrue(error.getMessage().contains("2 class folder(s) [a, b]"), error.getMessage());
        assertTrue(error.getMessage().contains("corrupt image=1"), error.getMessage());
        assertTrue(error.getMessage().contains("empty file (0 bytes)=1"), error.getMessage());
    }

    @Test
    void missingFileAndUnreadableDirectories() throws IOException {
        final FolderScanException missing = assertThrows(FolderScanException.class,
                () -> ImageFolderScanner.builder().setDirectory(root.resolve("nope")).build().scan());
        assertEquals("Directory " + root.resolve("nope") + " does not exist", missing.getMessage());
        file("plain.jpg", "img");
        final FolderScanException notDirectory = assertThrows(FolderScanException.class,
                () -> ImageFolderScanner.builder().setDirectory(root.resolve("plain.jpg")).build().scan());
        assertTrue(notDirectory.getMessage().endsWith("is not a directory"), notDirectory.getMessage());
        // Tests run as root here, for whom chmod 000 does not stop reading: the lister reports what the OS would.
        final FolderScanException unreadable = assertThrows(FolderScanException.class, () -> ImageFolderScanner.builder()
                .setDirectory(root).optLister(directory -> {
                    throw new AccessDeniedException(directory.toString());
                }).build().scan());
        assertEquals("Directory " + root + " is not readable (permission denied)", unreadable.getMessage());
    }

    @Test
    void splitFractionsAreCheckedInOnePlaceWhereverTheyComeFrom() {
        assertEquals(new SplitFractions(0.7, 0.2, 0.1), SplitFractions.parse(" 0.7, 0.2 ,0.1"));
        assertEquals("80/10/10", SplitFractions.DEFAULT.percentages());
        final java.util.Map<String, String> wrong = java.util.Map.of(
                "0.8, 0.3, 0.1", "Split fractions must add up to 1",
                "0.8, 0.2", "Expected three comma-separated fractions",
                "0.8, x, 0.1", "'x' is not a number",
                "1.2, -0.1, -0.1", "Split fractions must be between 0 and 1",
                "0, 0.5, 0.5", "The train fraction must be above 0");
        wrong.forEach((text, reason) -> {
            final IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SplitFractions.parse(text), text);
            assertTrue(error.getMessage().startsWith(reason), text + ": " + error.getMessage());
        });
        assertEquals(0.5, SplitFractions.carvedShare(0.5, "share"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SplitFractions.carvedShare(1, "The share")).getMessage()
                .startsWith("The share must be in [0, 1)"));
        assertThrows(IllegalArgumentException.class, () -> ImageFolderScanner.builder().setDirectory(root).optValidationFromTrain(-0.1).build(),
                "the scanner checks the carved shares with the same rule");
    }
}
