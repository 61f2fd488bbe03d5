package org.nifitransfer.core.classify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;

/**
 * A folder of installed model files, named by their SHA-256 ({@code <sha256>.tar}).
 *
 * <p>{@link #install} copies a model into a temporary file beside its final place, checks that it starts with a
 * model manifest, and moves it into place in one atomic rename: a reader (or a restart after a crash) sees the whole
 * file or none of it, never part of one.
 */
public final class ModelStore {

    private static final String SUFFIX = ".tar";
    private static final String INCOMING_PREFIX = ".incoming-";

    private final Path directory;

    public ModelStore(final Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    /** The folder. */
    public Path getDirectory() {
        return directory;
    }

    /**
     * An installed model file.
     *
     * @param file {@code <directory>/<sha256>.tar}
     * @param sha256 the SHA-256 of its content
     * @param manifest its {@code model.json}
     */
    public record Installed(Path file, String sha256, ModelManifest manifest) {
    }

    /**
     * Installs a model read from {@code content} (read to its end, not closed).
     *
     * @throws org.nifitransfer.core.dataset.DatasetFormatException when the content is not a model; nothing is left behind
     */
    public Installed install(final InputStream content) throws IOException {
        Files.createDirectories(directory);
        final Path incoming = Files.createTempFile(directory, INCOMING_PREFIX, SUFFIX);
        try {
            final MessageDigest digest = sha256Digest();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(incoming), digest)) {
                content.transferTo(out);
            }
            final ModelManifest manifest;
            try (InputStream in = Files.newInputStream(incoming)) {
                manifest = ModelPackage.readManifest(in);
            }
            final String sha256 = HexFormat.of().formatHex(digest.digest());
            final Path target = directory.resolve(sha256 + SUFFIX);
            Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Installed(target, sha256, manifest);
        } finally {
            Files.deleteIfExists(incoming);
        }
    }

    /** Deletes every installed model but {@code keep} (which may be null), and any partial copy left by a crash. */
    public void removeAllBut(final Path keep) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
            for (final Path file : files) {
                if (keep == null || !file.toAbsolutePath().normalize().equals(keep.toAbsolutePath().normalize())) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no SHA-256", e);
        }
    }
}
