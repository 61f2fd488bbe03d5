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
    void fileFilterIgnoresSilently() throws IOException, FolderScanException {
        file("train/a/keep.jpg", "img");
        file("train/a/drop.jpg", "img");
        file("train/b/keep2.jpg", "img");
        final FolderScan scan = scan(ImageFolderScanner.builder().optFileFilter(java.util.regex.Pattern.compile("keep.*")));
        assertEquals(Map.of("a", 1L, "b", 1L), counts(scan, Splits.TRAIN));
        assertEquals(0, scan.skippedCount());
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
    void builderRejectsBadFractions() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderScanner.builder().setDirectory(root).optSplitFractions(0.8, 0.3, 0.1).build());
        assertTrue(error.getMessage().startsWith("Split fractions must add up to 1"), error.getMessage());
    }
}
