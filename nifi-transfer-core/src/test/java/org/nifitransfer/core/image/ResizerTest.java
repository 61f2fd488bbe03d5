package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResizerTest {

    @Test
    void keepsSolidImagesSolidInEveryModeAndInterpolation() {
        final RgbImage solid = RgbImage.solid(37, 23, 12, 200, 99);
        final int[][] sizes = {{224, 224}, {10, 10}, {37, 23}, {5, 40}, {100, 7}};
        for (final ResizeMode mode : ResizeMode.values()) {
            for (final Interpolation interpolation : Interpolation.values()) {
                for (final int[] size : sizes) {
                    final Resizer resizer = Resizer.builder().setSize(size[0], size[1]).optMode(mode)
                            .optInterpolation(interpolation).optFillColor(12, 200, 99).build();
                    final RgbImage resized = resizer.resize(solid);
                    ImageDecoderTest.assertSolid(resized, size[0], size[1], 12, 200, 99, 0);
                }
            }
        }
    }

    @Test
    void oneResizerGivesEachSizeItsOwnCoefficients() {
        // A Resizer keeps the last coefficients it computed; sizes that alternate, in every mode, must not reuse them
        final java.util.Random random = new java.util.Random(3);
        final int[][] sizes = {{500, 375}, {375, 500}, {500, 375}, {501, 375}, {500, 376}, {224, 224}, {500, 375}};
        for (final ResizeMode mode : ResizeMode.values()) {
            final Resizer.Builder builder = Resizer.builder().setSize(96, 80).optMode(mode).optInterpolation(Interpolation.BICUBIC);
            final Resizer shared = builder.build();
            for (final int[] size : sizes) {
                final byte[] pixels = new byte[size[0] * size[1] * 3];
                random.nextBytes(pixels);
                final RgbImage image = new RgbImage(size[0], size[1], pixels);
                assertArrayEquals(builder.build().resize(image).getData(), shared.resize(image).getData(),
                        mode + " " + size[0] + "x" + size[1]);
            }
        }
    }

    @Test
    void stretchesWithNearestByDuplicatingPixels() {
        final RgbImage image = new RgbImage(2, 1, new byte[] {10, 20, 30, 40, 50, 60});
        final RgbImage resized = Resizer.builder().setSize(4, 2).optInterpolation(Interpolation.NEAREST).build()
                .resize(image);
        final byte[] expectedRow = {10, 20, 30, 10, 20, 30, 40, 50, 60, 40, 50, 60};
        final byte[] expected = new byte[24];
        System.arraycopy(expectedRow, 0, expected, 0, 12);
        System.arraycopy(expectedRow, 0, expected, 12, 12);
        assertArrayEquals(expected, resized.getData());
    }

    @Test
    void nearestPicksTheSourcePixelUnderTheCentre() {
        final RgbImage ramp = RgbImage.blank(10, 1);
        for (int x = 0; x < 10; x++) {
            ramp.set(x, 0, 0, x);
        }
        final RgbImage resized = Resizer.builder().setSize(3, 1).optInterpolation(Interpolation.NEAREST).build()
                .resize(ramp);
        // floor((x + 0.5) * 10 / 3) = 1, 5, 8
        assertEquals(1, resized.get(0, 0, 0));
        assertEquals(5, resized.get(1, 0, 0));
        assertEquals(8, resized.get(2, 0, 0));
    }

    @Test
    void centerCropKeepsTheMiddle() {
        // 300x200: 40 red columns on the left, 40 blue on the right, green in between.
        final RgbImage image = RgbImage.solid(300, 200, 0, 255, 0);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 40; x++) {
                image.set(x, y, 0, 255);
                image.set(x, y, 1, 0);
                image.set(299 - x, y, 2, 255);
                image.set(299 - x, y, 1, 0);
            }
        }
        for (final Interpolation interpolation : Interpolation.values()) {
            final RgbImage cropped = Resizer.builder().setSize(100, 100).optMode(ResizeMode.SHORTER_SIDE_CENTER_CROP)
                    .optInterpolation(interpolation).build().resize(image);
            ImageDecoderTest.assertSolid(cropped, 100, 100, 0, 255, 0, 0);
        }
        final RgbImage stretched = Resizer.builder().setSize(100, 100).build().resize(image);
        ImageDecoderTest.assertPixel(stretched, 0, 50, 255, 0, 0, 0);
        ImageDecoderTest.assertPixel(stretched, 99, 50, 0, 0, 255, 0);
    }

    @Test
    void centerCropOfATallImageKeepsTheMiddleRows() {
        final RgbImage image = RgbImage.solid(20, 60, 9, 9, 9);
        for (int x = 0; x < 20; x++) {
            for (int y = 20; y < 40; y++) {
                image.set(x, y, 0, 200);
            }
        }
        final RgbImage cropped = Resizer.builder().setSize(10, 10).optMode(ResizeMode.SHORTER_SIDE_CENTER_CROP)
                .optInterpolation(Interpolation.AREA).build().resize(image);
        ImageDecoderTest.assertSolid(cropped, 10, 10, 200, 9, 9, 0);
    }

    @Test
    void padLetterboxesWithTheFillColour() {
        final RgbImage wide = RgbImage.solid(200, 100, 255, 0, 0);
        final RgbImage padded = Resizer.builder().setSize(100, 100).optMode(ResizeMode.PAD).build().resize(wide);
        for (int y = 0; y < 100; y++) {
            final boolean inside = y >= 25 && y < 75;
            ImageDecoderTest.assertPixel(padded, 50, y, inside ? 255 : 0, 0, 0, 0);
            ImageDecoderTest.assertPixel(padded, 0, y, inside ? 255 : 0, 0, 0, 0);
        }
        final RgbImage tall = RgbImage.solid(30, 90, 0, 0, 255);
        final RgbImage pillarboxed = Resizer.builder().setSize(60, 60).optMode(ResizeMode.PAD)
                .optFillColor(128, 128, 128).optInterpolation(Interpolation.BICUBIC).build().resize(tall);
        for (int x = 0; x < 60; x++) {
            final boolean inside = x >= 20 && x < 40;
            ImageDecoderTest.assertPixel(pillarboxed, x, 30, inside ? 0 : 128, inside ? 0 : 128,
                    inside ? 255 : 128, 0);
        }
    }

    @Test
    void bilinearDownscalingAntialiases() {
        final RgbImage checkerboard = RgbImage.blank(64, 64);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                final int value = (x + y) % 2 == 0 ? 255 : 0;
                for (int channel = 0; channel < 3; channel++) {
                    checkerboard.set(x, y, channel, value);
                }
            }
        }
        for (final Interpolation interpolation : new Interpolation[] {Interpolation.BILINEAR, Interpolation.BICUBIC,
            Interpolation.AREA, Interpolation.LANCZOS}) {
            final RgbImage small = Resizer.builder().setSize(8, 8).optInterpolation(interpolation).build()
                    .resize(checkerboard);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    final int value = small.get(x, y, 0);
                    assertTrue(Math.abs(value - 128) <= 8, interpolation + " gave " + value + " at " + x + "," + y);
                }
            }
        }
        final RgbImage nearest = Resizer.builder().setSize(8, 8).optInterpolation(Interpolation.NEAREST).build()
                .resize(checkerboard);
        assertTrue(nearest.get(0, 0, 0) == 0 || nearest.get(0, 0, 0) == 255);
    }

    @Test
    void upscalesAGradientMonotonically() {
        final RgbImage ramp = RgbImage.blank(4, 1);
        for (int x = 0; x < 4; x++) {
            ramp.set(x, 0, 1, x * 80);
        }
        final RgbImage wide = Resizer.builder().setSize(16, 1).build().resize(ramp);
        for (int x = 1; x < 16; x++) {
            assertTrue(wide.get(x, 0, 1) >= wide.get(x - 1, 0, 1));
        }
        assertEquals(0, wide.get(0, 0, 1));
        assertEquals(240, wide.get(15, 0, 1));
    }

    @Test
    void doesNotModifyTheInput() {
        final RgbImage image = RgbImage.solid(10, 10, 1, 2, 3);
        final RgbImage copy = image.copy();
        final RgbImage same = Resizer.builder().setSize(10, 10).build().resize(image);
        same.set(0, 0, 0, 99);
        assertEquals(copy, image);
    }

    @Test
    void requiresASize() {
        assertThrows(IllegalArgumentException.class, () -> Resizer.builder().build());
        assertThrows(IllegalArgumentException.class, () -> Resizer.builder().setSize(1, 1).optFillColor(256, 0, 0));
    }

    @Test
    void describesItsChoices() {
        for (final ResizeMode mode : ResizeMode.values()) {
            assertTrue(!mode.getDisplayName().isBlank() && !mode.getDescription().isBlank());
            assertEquals(mode.name(), mode.getValue());
        }
        for (final Interpolation interpolation : Interpolation.values()) {
            assertTrue(!interpolation.getDisplayName().isBlank() && !interpolation.getDescription().isBlank());
        }
    }
}
