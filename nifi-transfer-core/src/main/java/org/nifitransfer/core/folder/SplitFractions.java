package org.nifitransfer.core.folder;

import java.util.Locale;

/**
 * How a pool of images (class folders, or {@code train/} alone) is split: the train, validation and test fractions,
 * each in [0, 1], adding up to 1, with some images for training. The one place these numbers are checked, whether they
 * come from a property ({@link #parse}) or from code.
 *
 * @param train the share of each class for training (above 0)
 * @param validation the share for validation
 * @param test the share for testing
 */
public record SplitFractions(double train, double validation, double test) {

    /** 80% train, 10% validation, 10% test. */
    public static final SplitFractions DEFAULT = new SplitFractions(0.8, 0.1, 0.1);

    public SplitFractions {
        for (final double fraction : new double[] {train, validation, test}) {
            if (fraction < 0 || fraction > 1 || Double.isNaN(fraction)) {
                throw new IllegalArgumentException("Split fractions must be between 0 and 1, got " + text(train, validation, test));
            }
        }
        if (Math.abs(train + validation + test - 1) > 1e-6) {
            throw new IllegalArgumentException("Split fractions must add up to 1, got " + text(train, validation, test));
        }
        if (train <= 0) {
            throw new IllegalArgumentException("The train fraction must be above 0");
        }
    }

    /**
     * The fractions written as {@code "train, validation, test"}, e.g. {@code "0.8, 0.1, 0.1"}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static SplitFractions parse(final String text) {
        final String[] parts = text == null ? new String[0] : text.split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException("Expected three comma-separated fractions (train, validation, test), got '" + text + "'");
        }
        final double[] values = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                values[i] = Double.parseDouble(parts[i].strip());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i].strip() + "' is not a number");
            }
        }
        return new SplitFractions(values[0], values[1], values[2]);
    }

    /**
     * Checks a share carved from one split for another (the validation fraction from train, the test fraction from
     * validation): in [0, 1).
     *
     * @param what names the share in the message
     * @return the share
     */
    public static double carvedShare(final double share, final String what) {
        if (share < 0 || share >= 1 || Double.isNaN(share)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + share);
        }
        return share;
    }

    /** The fractions as percentages, e.g. {@code 80/10/10}. */
    public String percentages() {
        return String.format(Locale.ROOT, "%.0f/%.0f/%.0f", train * 100, validation * 100, test * 100);
    }

    private static String text(final double train, final double validation, final double test) {
        return train + "/" + validation + "/" + test;
    }
}
