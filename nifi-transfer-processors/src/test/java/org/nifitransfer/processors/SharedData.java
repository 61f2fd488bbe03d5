package org.nifitransfer.processors;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real images and weights in ../shared/data, which acceptance tests (*IT) need and unit tests never touch. */
final class SharedData {

    private SharedData() {
    }

    /**
     * The shared data folder, or a loud failure naming where it was looked for. Acceptance tests do not skip
     * silently: without the data they fail; leave them out knowingly with {@code -Dacceptance=false}.
     */
    static Path require(final String relative) {
        final String configured = System.getProperty("transfer.shared.data", "../shared/data");
        final Path path = Path.of(configured).resolve(relative).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new AssertionError("""
                    
                    ******************************************************************************
                    ACCEPTANCE DATA MISSING: %s
                    The acceptance tests (*IT) run on the real images and weights in ../shared/data,
                    beside the checkout (set -Dtransfer.shared.data=DIR to look elsewhere).
                    Without them, run the unit tests only: ./mvnw verify -Dacceptance=false
                    ******************************************************************************""".formatted(path));
        }
        return path;
    }
}
