package org.nifitransfer.core.folder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A hash of a directory tree's names, sizes and modification times (not contents), so a source can tell
 * cheaply whether anything changed since it last loaded the directory. Symbolic links are hashed by their
 * target, not followed.
 */
public final class DirectoryFingerprint {

    private DirectoryFingerprint() {
    }

    /**
     * The fingerprint of {@code directory} combined with {@code settings} (anything else that changes the
     * output, such as processor properties).
     */
    public static String of(final Path directory, final String settings) {
        final MessageDigest digest = sha256();
        digest.update(settings.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        if (!Files.isDirectory(directory)) {
            digest.update(("missing:" + directory).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        }
        final List<String> lines = new ArrayList<>();
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes) throws IOException {
                    final String relative = directory.relativize(file).toString();
                    if (attributes.isSymbolicLink()) {
                        lines.add("L " + relative + " -> " + Files.readSymbolicLink(file));
                    } else {
                        lines.add("F " + relative + " " + attributes.size() + " " + attributes.lastModifiedTime().toMillis());
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult preVisitDirectory(final Path dir, final BasicFileAttributes attributes) {
                    lines.add("D " + directory.relativize(dir) + " " + attributes.lastModifiedTime().toMillis());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(final Path file, final IOException e) {
                    lines.add("E " + directory.relativize(file) + " " + e.getClass().getSimpleName());
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (final IOException e) {
            lines.add("E " + e);
        }
        lines.sort(null);
        for (final String line : lines) {
            digest.update(line.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) '\n');
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
