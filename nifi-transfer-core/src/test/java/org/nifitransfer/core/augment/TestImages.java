package org.nifitransfer.core.augment;

import org.nifitransfer.core.image.RgbImage;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small fixtures and pixel assertions shared by the augmentation tests. */
final class TestImages {

    private TestImages() {
    }

    /**
     * An image whose pixels are all different: red {@code 10 * y + x + 1}, green {@code 20 + x}, blue {@code 40 + y},
     * so a pixel's position can be read back from its value.
     */
    static RgbImage numbered(final int width, final int height) {
        final RgbImage image = RgbImage.blank(width, height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.set(x, y, 0, 10 * y + x + 1);
                image.set(x, y, 1, 20 + x);
                image.set(x, y, 2, 40 + y);
            }
        }
        return image;
    }

    /** Asserts that pixel {@code (x, y)} of {@code actual} equals pixel {@code (sourceX, sourceY)} of {@code source}. */
    static void assertPixelFrom(final RgbImage source, final int sourceX, final int sourceY, final RgbImage actual,
            final int x, final int y) {
        for (int channel = 0; channel < RgbImage.CHANNELS; channel++) {
            assertEquals(source.get(sourceX, sourceY, channel), actual.get(x, y, channel),
                    "channel " + channel + " of pixel (" + x + ", " + y + ") should come from (" + sourceX + ", " + sourceY + ")");
        }
    }

    /** Asserts that every channel of pixel {@code (x, y)} is {@code value}. */
    static void assertPixelIs(final int value, final RgbImage actual, final int x, final int y) {
        for (int channel = 0; channel < RgbImage.CHANNELS; channel++) {
            assertEquals(value, actual.get(x, y, channel), "channel " + channel + " of pixel (" + x + ", " + y + ")");
        }
    }
}
