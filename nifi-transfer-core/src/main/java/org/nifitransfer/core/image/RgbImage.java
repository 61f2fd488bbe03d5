package org.nifitransfer.core.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit RGB image held as interleaved bytes, row-major: the byte of channel {@code c} (0 = R, 1 = G,
 * 2 = B) of pixel {@code (x, y)} is at {@code (y * width + x) * 3 + c}. This is the in-memory form every
 * decoder, resizer and augmentation works on, and the layout a tensor dataset stores (HWC, uint8).
 */
public final class RgbImage {

    public static final int CHANNELS = 3;

    private final int width;
    private final int height;
    private final byte[] data;

    /**
     * Wraps existing pixel bytes without copying.
     *
     * @param width the width in pixels, at least 1
     * @param height the height in pixels, at least 1
     * @param data {@code width * height * 3} bytes, RGB interleaved, row-major
     */
    public RgbImage(final int width, final int height, final byte[] data) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("Image size must be positive, got " + width + "x" + height);
        }
        Objects.requireNonNull(data, "data");
        if ((long) width * height * CHANNELS != data.length) {
            throw new IllegalArgumentException("Expected " + (long) width * height * CHANNELS + " bytes for "
                    + width + "x" + height + " RGB, got " + data.length);
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** A black image of the given size. */
    public static RgbImage blank(final int width, final int height) {
        return new RgbImage(width, height, new byte[Math.multiplyExact(Math.multiplyExact(width, height), CHANNELS)]);
    }

    /** An image filled with one colour. */
    public static RgbImage solid(final int width, final int height, final int red, final int green, final int blue) {
        final RgbImage image = blank(width, height);
        final byte[] pixels = image.data;
        for (int i = 0; i < pixels.length; i += CHANNELS) {
            pixels[i] = (byte) red;
            pixels[i + 1] = (byte) green;
            pixels[i + 2] = (byte) blue;
        }
        return image;
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    /** The backing bytes (not a copy). */
    public byte[] getData() {
        return data;
    }

    /** Channel {@code channel} of pixel {@code (x, y)} as 0..255. */
    public int get(final int x, final int y, final int channel) {
        return data[(y * width + x) * CHANNELS + channel] & 0xFF;
    }

    public void set(final int x, final int y, final int channel, final int value) {
        data[(y * width + x) * CHANNELS + channel] = (byte) value;
    }

    /** A deep copy. */
    public RgbImage copy() {
        return new RgbImage(width, height, data.clone());
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof RgbImage image && image.width == width && image.height == height
                && Arrays.equals(image.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
