package org.nifitransfer.core.model;

import org.nifitransfer.core.pipeline.Described;

/**
 * Test-time augmentation: the class probabilities of an image averaged over deterministic variants of it, as Keras and
 * torchvision users do at evaluation ({@link ModelRunner#optTestTimeAugmentation}).
 */
public enum TestTimeAugmentation implements Described {

    /** The image as it is: one pass through the base. */
    NONE(1, "none", "None", "Each image once, as it is"),
    /** The image and its mirror image (left and right swapped): two passes, the probabilities averaged. */
    HORIZONTAL_FLIP(2, "horizontal-flip", "Horizontal Flip", "The image and its mirror image (left and right swapped), their class "
            + "probabilities averaged: twice the passes through the base");

    private final int variants;
    private final String value;
    private final String displayName;
    private final String description;

    TestTimeAugmentation(final int variants, final String value, final String displayName, final String description) {
        this.variants = variants;
        this.value = value;
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return value;
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }

    /** How many variants of each image go through the model: what an image costs, in passes through the base. */
    public int variants() {
        return variants;
    }

    /** Mirrors each image of an NCHW batch left to right, into a new array. */
    static float[] flipHorizontally(final float[] images, final int count, final int channels, final int height, final int width) {
        final float[] flipped = new float[images.length];
        final int rows = count * channels * height;
        for (int row = 0; row < rows; row++) {
            final int offset = row * width;
            for (int x = 0; x < width; x++) {
                flipped[offset + x] = images[offset + width - 1 - x];
            }
        }
        return flipped;
    }
}
