package org.nifitransfer.core.model;

import java.util.Objects;

/**
 * Normalised images for a base: {@code count} images of {@code channels x height x width} floats at the start of
 * {@code values} (which may be longer: a batch buffer reused for a shorter last batch), in {@code layout} order.
 *
 * @param values the floats
 * @param count how many images
 * @param channels 3
 * @param height in pixels
 * @param width in pixels
 * @param layout the order of the floats
 */
public record ImageBatch(float[] values, int count, int channels, int height, int width, Layout layout) {

    /** The order of an image batch's floats. */
    public enum Layout {
        /** Image, channel, row, column: what bases declare. */
        NCHW,
        /** Image, row, column, channel: what a channels-last base reads without a copy. */
        NHWC
    }

    public ImageBatch {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(layout, "layout");
        if (count < 1 || channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("An image batch needs at least one image of at least one pixel, got " + count + " x "
                    + channels + " x " + height + " x " + width);
        }
        if ((long) count * channels * height * width > values.length) {
            throw new IllegalArgumentException(values.length + " floats cannot hold " + count + " images of " + channels + " x " + height
                    + " x " + width);
        }
    }

    /** {@code count} images in NCHW order. */
    public static ImageBatch nchw(final float[] values, final int count, final int channels, final int height, final int width) {
        return new ImageBatch(values, count, channels, height, width, Layout.NCHW);
    }

    /** {@code count} images in NHWC order. */
    public static ImageBatch nhwc(final float[] values, final int count, final int channels, final int height, final int width) {
        return new ImageBatch(values, count, channels, height, width, Layout.NHWC);
    }

    /** The floats of one image. */
    public int imageFloats() {
        return channels * height * width;
    }
}
