package org.nifitransfer.core.dataset;

import java.util.Locale;
import java.util.Optional;

/** The names of dataset splits, as the {@code transfer.split} attribute and the manifests spell them. */
public final class Splits {

    public static final String TRAIN = "train";
    public static final String VALIDATION = "validation";
    public static final String TEST = "test";

    private Splits() {
    }

    /**
     * The canonical split name of a folder name: {@code train}/{@code training}, {@code validation}/{@code val}/
     * {@code valid}, {@code test}/{@code testing} (case-insensitive), or empty for anything else.
     */
    public static Optional<String> fromFolderName(final String folder) {
        return switch (folder.toLowerCase(Locale.ROOT)) {
            case "train", "training" -> Optional.of(TRAIN);
            case "validation", "val", "valid" -> Optional.of(VALIDATION);
            case "test", "testing" -> Optional.of(TEST);
            default -> Optional.empty();
        };
    }

    /** Sorting rank: train, validation, test. */
    public static int rank(final String split) {
        return switch (split) {
            case TRAIN -> 0;
            case VALIDATION -> 1;
            case TEST -> 2;
            default -> 3;
        };
    }
}
