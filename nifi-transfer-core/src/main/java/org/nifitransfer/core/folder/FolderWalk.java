package org.nifitransfer.core.folder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.nifitransfer.core.dataset.DatasetSummary.SkippedFile;

/**
 * One walk over an image directory: lists folders (never following a symbolic link out of the root or round a cycle),
 * collects the candidate image files of each class folder, and records every entry it does not use with the reason.
 * Nothing under the root is passed over silently: hidden files, files the filter leaves out, folders named like images
 * and empty folders are all listed.
 */
final class FolderWalk {

    /** A file found in a class folder, before validation. */
    record Candidate(Path path, String display, String relativePath, long size) {
        FolderScan.ImageFile toImageFile(final int label) {
            return new FolderScan.ImageFile(path, label, relativePath, size);
        }
    }

    private final Path realRoot;
    private final ImageFolderScanner.DirectoryLister lister;
    private final Pattern fileFilter;
    private final long maxFileSize;
    private final Set<Path> visited = new HashSet<>();
    private final Map<String, List<SkippedFile>> skipped = new LinkedHashMap<>();

    FolderWalk(final Path realRoot, final ImageFolderScanner.DirectoryLister lister, final Pattern fileFilter, final long maxFileSize) {
        this.realRoot = realRoot;
        this.lister = lister;
        this.fileFilter = fileFilter;
        this.maxFileSize = maxFileSize;
        visited.add(realRoot);
    }

    /** Per split, the entries left out and why. */
    Map<String, List<SkippedFile>> skipped() {
        return skipped;
    }

    void skip(final String split, final String display, final String reason) {
        skipped.computeIfAbsent(split, s -> new ArrayList<>()).add(new SkippedFile(display, reason));
    }

    /**
     * Lists a hidden entry (a name starting with a dot) as skipped, without reading a hidden folder's content.
     *
     * @return true when the entry is hidden
     */
    boolean skipHidden(final Path entry, final String split, final String display) {
        if (!entry.getFileName().toString().startsWith(".")) {
            return false;
        }
        final boolean folder = Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS);
        skip(split, display + (folder ? "/" : ""), folder ? "hidden folder (not read)" : "hidden file");
        return true;
    }

    /** True for a directory inside the root not visited yet; a link leading outside is skipped with a reason. */
    boolean isDirectoryInside(final Path entry, final String split, final String display) {
        if (!Files.isDirectory(entry)) {
            return false;
        }
        final Optional<Path> real = insideRoot(entry, split, display + "/");
        return real.isPresent() && visited.add(real.get());
    }

    /** The real path of {@code entry} when it lies inside the root; otherwise skips it and returns empty. */
    Optional<Path> insideRoot(final Path entry, final String split, final String display) {
        final Path real;
        try {
            real = entry.toRealPath();
        } catch (final NoSuchFileException e) {
            skip(split, display, "broken symbolic link");
            return Optional.empty();
        } catch (final IOException e) {
            skip(split, display, "cannot resolve path: " + e.getMessage());
            return Optional.empty();
        }
        if (!real.startsWith(realRoot)) {
            skip(split, display, "symbolic link points outside the directory (to " + real + ")");
            return Optional.empty();
        }
        return Optional.of(real);
    }

    /** Walks the class folders below {@code parent}, collecting candidate files per class. */
    void collectClasses(final Path parent, final String displayPrefix, final String split, final Map<String, List<Candidate>> byClass) {
        final List<Path> entries;
        try {
            entries = lister.list(parent);
        } catch (final IOException e) {
            skip(split, displayPrefix, "folder not readable: " + e.getMessage());
            return;
        }
        for (final Path entry : entries) {
            final String name = entry.getFileName().toString();
            if (skipHidden(entry, split, displayPrefix + name)) {
                continue;
            }
            if (isDirectoryInside(entry, split, displayPrefix + name)) {
                final List<Candidate> files = byClass.computeIfAbsent(name, c -> new ArrayList<>());
                files(entry, displayPrefix + name + "/", "", split, files);
            } else if (Files.isRegularFile(entry)) {
                skip(split, displayPrefix + name, "not in a class folder");
            }
        }
    }

    /** Collects the candidate files below a class folder (sub-folders included). */
    void files(final Path folder, final String displayPrefix, final String relativePrefix, final String split, final List<Candidate> out) {
        final List<Path> entries;
        try {
            entries = lister.list(folder);
        } catch (final IOException e) {
            skip(split, displayPrefix, "folder not readable: " + e.getMessage());
            return;
        }
        if (entries.isEmpty() && !relativePrefix.isEmpty()) {
            skip(split, displayPrefix, "empty folder");
            return;
        }
        for (final Path entry : entries) {
            final String name = entry.getFileName().toString();
            final String display = displayPrefix + name;
            if (skipHidden(entry, split, display)) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                if (ImageFolderScanner.IMAGE_EXTENSIONS.contains(extension(name))) {
                    skip(split, display + "/", "a folder, not an image file (named like one)");
                } else if (isDirectoryInside(entry, split, display)) {
                    files(entry, display + "/", relativePrefix + name + "/", split, out);
                }
                continue;
            }
            if (Files.isSymbolicLink(entry) && insideRoot(entry, split, display).isEmpty()) {
                continue;
            }
            if (!Files.isRegularFile(entry)) {
                if (!Files.exists(entry, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(entry)) {
                    skip(split, display, "broken symbolic link");
                } else {
                    skip(split, display, "not a regular file");
                }
                continue;
            }
            if (!fileFilter.matcher(name).matches()) {
                skip(split, display, "name does not match the file filter " + fileFilter.pattern());
                continue;
            }
            final String extension = extension(name);
            if (!ImageFolderScanner.IMAGE_EXTENSIONS.contains(extension)) {
                skip(split, display, "unsupported file type" + (extension.isEmpty() ? " (no extension)" : " (." + extension + ")")
                        + ": expected JPEG, PNG, BMP or GIF");
                continue;
            }
            final long size;
            try {
                size = Files.size(entry);
            } catch (final IOException e) {
                skip(split, display, "cannot read file size: " + e.getMessage());
                continue;
            }
            if (size == 0) {
                skip(split, display, "empty file (0 bytes)");
            } else if (size > maxFileSize) {
                skip(split, display, "file too large: " + size + " bytes, over the limit of " + maxFileSize);
            } else if (!Files.isReadable(entry)) {
                skip(split, display, "file not readable (permission denied)");
            } else {
                out.add(new Candidate(entry, display, relativePrefix + name, size));
            }
        }
    }

    private static String extension(final String name) {
        final int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
