package org.nifitransfer.core.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Work folders: the temporary copies and checkpoints the product writes and removes. */
public final class Folders {

    private Folders() {
    }

    /**
     * Deletes a folder and everything in it, deepest first, as far as it can: what cannot be deleted (gone already, in
     * use) is left for the operating system's cleaning. Nothing happens for null or a folder that does not exist.
     */
    public static void deleteQuietly(final Path folder) {
        if (folder == null || !Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (final IOException | java.io.UncheckedIOException e) {
            // best effort: a folder that cannot be walked any more is gone or going
        }
    }
}
