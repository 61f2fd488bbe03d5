package org.nifitransfer.core.folder;

import java.nio.file.Path;
import java.util.Optional;

/** Decides whether a candidate file is a usable image. Implementations must be thread-safe. */
@FunctionalInterface
public interface ImageValidator {

    /** Accepts every file: use when the caller validates later. */
    ImageValidator ACCEPT_ALL = file -> Optional.empty();

    /**
     * Checks one file.
     *
     * @param file the file
     * @return empty when usable, else a short reason to list it as skipped
     */
    Optional<String> check(Path file);
}
