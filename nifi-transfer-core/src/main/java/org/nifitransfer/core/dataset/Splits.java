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
     * The canonical split name of a folder name: {@code train}/{@code training}/{@code training_set},
     * {@code validation}/{@code val}/{@code valid}/{@code validation_set}, {@code test}/{@code testing}/{@code test_set}
     * (case-insensitive, as Kaggle's and the tutorials' downloads name them), or empty for anything else.
     */
    public static Optional<String> fromFolderName(final String folder) {
        return switch (folder.toLowerCase(Locale.ROOT)) {
            case "train", "training", "training_set" -> Optional.of(TRAIN);
            case "validation", "val", "valid", "validation_set" -> Optional.of(VALIDATION);
            case "test", "testing", "test_set" -> Optional.of(TEST);
            default -> Optional.empty();
        };
    }

    /** The folder names {@link #fromFolderName} maps to {@code split}, for messages. */
    public static String folderNames(final String split) {
        return switch (split) {
            case TRAIN -> "train, training, training_set";
            case VALIDATION -> "validation, val, valid, validation_set";
            case TEST -> "test, testing, test_set";
            default -> split;
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
