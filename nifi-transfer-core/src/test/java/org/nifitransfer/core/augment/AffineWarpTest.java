package org.nifitransfer.core.augment;

import org.junit.jupiter.api.Test;
import org.nifitransfer.core.image.RgbImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nifitransfer.core.augment.TestImages.assertPixelFrom;
import static org.nifitransfer.core.augment.TestImages.assertPixelIs;
import static org.nifitransfer.core.augment.TestImages.numbered;

class AffineWarpTest {

    private static AffineWarp warp(final FillMode fillMode) {
        return AffineWarp.builder().optFillMode(fillMode).optFillValue(7).build();
    }

    @Test
    void identityMatrixCopiesEveryPixel() {
        final RgbImage image = numbered(5, 3);
        final RgbImage warped = warp(FillMode.CONSTANT).warp(image, AffineMatrix.identity());
        assertEquals(image, warped);
        assertNotSame(image.getData(), warped.getData());
    }

    @Test
    void quarterTurnIsExactAndCounterClockwise() {
        for (final int size : new int[] {4, 5}) {
            final RgbImage image = numbered(size, size);
            final RgbImage rotated = warp(FillMode.CONSTANT).warp(image, AffineMatrix.rotation(90));
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    // Counter-clockwise: the top-right corner comes to the top-left.
                    assertPixelFrom(image, size - 1 - y, x, rotated, x, y);
                }
            }
        }
    }

    @Test
    void halfTurnOfNonSquareImageIsExact() {
        final RgbImage image = numbered(4, 3);
        final RgbImage rotated = warp(FillMode.CONSTANT).warp(image, AffineMatrix.rotation(180));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                assertPixelFrom(image, 3 - x, 2 - y, rotated, x, y);
            }
        }
    }

    @Test
    void rotationMatrixOfQuarterTurnsIsExact() {
        assertEquals(AffineMatrix.of(0, -1, 0, 1, 0, 0), AffineMatrix.rotation(90));
        assertEquals(AffineMatrix.of(0, 1, 0, -1, 0, 0), AffineMatrix.rotation(-90));
        assertEquals(AffineMatrix.of(0, 1, 0, -1, 0, 0), AffineMatrix.rotation(270));
        assertTrue(AffineMatrix.rotation(0).isIdentity());
        assertTrue(AffineMatrix.rotation(360).isIdentity());
    }

    @Test
    void positiveShiftMovesContentLeftAndFillsLastColumn() {
        final RgbImage image = numbered(4, 3);
        final AffineMatrix shift = AffineMatrix.translation(1, 0);
        for (final FillMode mode : FillMode.values()) {
            final RgbImage shifted = warp(mode).warp(image, shift);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 3; x++) {
                    assertPixelFrom(image, x + 1, y, shifted, x, y);
                }
                switch (mode) {
                    case NEAREST, REFLECT -> assertPixelFrom(image, 3, y, shifted, 3, y);
                    case WRAP -> assertPixelFrom(image, 0, y, shifted, 3, y);
                    case CONSTANT -> assertPixelIs(7, shifted, 3, y);
                    default -> throw new AssertionError(mode);
                }
            }
        }
    }

    @Test
    void negativeShiftMovesContentRightAndFillsFirstColumn() {
        final RgbImage image = numbered(4, 3);
        final AffineMatrix shift = AffineMatrix.translation(-1, 0);
        for (final FillMode mode : FillMode.values()) {
            final RgbImage shifted = warp(mode).warp(image, shift);
            for (int y = 0; y < 3; y++) {
                for (int x = 1; x < 4; x++) {
                    assertPixelFrom(image, x - 1, y, shifted, x, y);
                }
                switch (mode) {
                    case NEAREST, REFLECT -> assertPixelFrom(image, 0, y, shifted, 0, y);
                    case WRAP -> assertPixelFrom(image, 3, y, shifted, 0, y);
                    case CONSTANT -> assertPixelIs(7, shifted, 0, y);
                    default -> throw new AssertionError(mode);
                }
            }
        }
    }

    @Test
    void twoPixelShiftTellsReflectFromNearest() {
        // Row a b c d e shifted left by two: nearest gives c d e e e, reflect c d e e d, wrap c d e a b.
        final RgbImage image = numbered(5, 2);
        final AffineMatrix shift = AffineMatrix.translation(2, 0);
        final int[][] expectedSources = {
            {2, 3, 4, 4, 4},
            {2, 3, 4, 4, 3},
            {2, 3, 4, 0, 1},
        };
        final FillMode[] modes = {FillMode.NEAREST, FillMode.REFLECT, FillMode.WRAP};
        for (int m = 0; m < modes.length; m++) {
            final RgbImage shifted = warp(modes[m]).warp(image, shift);
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 5; x++) {
                    assertPixelFrom(image, expectedSources[m][x], y, shifted, x, y);
                }
            }
        }
        final RgbImage constant = warp(FillMode.CONSTANT).warp(image, shift);
        assertPixelIs(7, constant, 3, 0);
        assertPixelIs(7, constant, 4, 1);
    }

    @Test
    void reflectFoldsFarOutsideTheImage() {
        // Period 2n: index -1 -> 0, -2 -> 1, n -> n-1, 2n -> 0, -2n-1 -> 0 ... as scipy's 'reflect'.
        assertEquals(0, FillMode.REFLECT.mapIndex(-1, 3));
        assertEquals(1, FillMode.REFLECT.mapIndex(-2, 3));
        assertEquals(2, FillMode.REFLECT.mapIndex(-3, 3));
        assertEquals(2, FillMode.REFLECT.mapIndex(-4, 3));
        assertEquals(2, FillMode.REFLECT.mapIndex(3, 3));
        assertEquals(0, FillMode.REFLECT.mapIndex(5, 3));
        assertEquals(0, FillMode.REFLECT.mapIndex(6, 3));
        assertEquals(0, FillMode.REFLECT.mapIndex(-7, 1));
        assertEquals(2, FillMode.WRAP.mapIndex(-1, 3));
        assertEquals(0, FillMode.WRAP.mapIndex(6, 3));
        assertEquals(0, FillMode.NEAREST.mapIndex(-5, 3));
        assertEquals(2, FillMode.NEAREST.mapIndex(9, 3));
    }

    @Test
    void positiveVerticalShiftMovesContentUp() {
        final RgbImage image = numbered(3, 4);
        final RgbImage shifted = warp(FillMode.WRAP).warp(image, AffineMatrix.translation(0, 1));
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 3; x++) {
                assertPixelFrom(image, x, (y + 1) % 4, shifted, x, y);
            }
        }
    }

    @Test
    void bilinearHalfPixelShiftAveragesAndRoundsHalfUp() {
        final RgbImage image = RgbImage.blank(3, 1);
        image.set(0, 0, 0, 0);
        image.set(1, 0, 0, 101);
        image.set(2, 0, 0, 200);
        final RgbImage shifted = warp(FillMode.NEAREST).warp(image, AffineMatrix.translation(0.5, 0));
        assertEquals(51, shifted.get(0, 0, 0)); // (0 + 101) / 2 = 50.5 rounds up
        assertEquals(151, shifted.get(1, 0, 0)); // (101 + 200) / 2 = 150.5
        assertEquals(200, shifted.get(2, 0, 0)); // (200 + 200) / 2 with the edge repeated
    }

    @Test
    void nearestInterpolationPicksRoundedPixel() {
        final RgbImage image = numbered(3, 1);
        final AffineWarp nearest = AffineWarp.builder().optInterpolation(WarpInterpolation.NEAREST).build();
        final RgbImage shifted = nearest.warp(image, AffineMatrix.translation(0.5, 0));
        assertPixelFrom(image, 1, 0, shifted, 0, 0);
        assertPixelFrom(image, 2, 0, shifted, 1, 0);
        assertPixelFrom(image, 2, 0, shifted, 2, 0);
        final RgbImage almost = nearest.warp(image, AffineMatrix.translation(0.49, 0));
        assertEquals(image, almost);
    }

    @Test
    void constantFillWithBilinearLeavesNoBlurInsideTheImage() {
        final RgbImage image = RgbImage.solid(4, 4, 200, 200, 200);
        final RgbImage shifted = warp(FillMode.CONSTANT).warp(image, AffineMatrix.translation(0.5, 0));
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 3; x++) {
                assertPixelIs(200, shifted, x, y);
            }
            assertPixelIs(7, shifted, 3, y);
        }
    }

    @Test
    void matrixFromRowsAcceptsTwoByThreeAndThreeByThree() {
        final AffineMatrix expected = AffineMatrix.of(1, 2, 3, 4, 5, 6);
        assertEquals(expected, AffineMatrix.of(new double[][] {{1, 2, 3}, {4, 5, 6}}));
        assertEquals(expected, AffineMatrix.of(new double[][] {{1, 2, 3}, {4, 5, 6}, {0, 0, 1}}));
        assertThrows(IllegalArgumentException.class, () -> AffineMatrix.of(new double[][] {{1, 2, 3}, {4, 5, 6}, {0, 1, 1}}));
        assertThrows(IllegalArgumentException.class, () -> AffineMatrix.of(new double[][] {{1, 2}, {4, 5}}));
        assertThrows(IllegalArgumentException.class, () -> AffineMatrix.of(1, 0, Double.NaN, 0, 1, 0));
    }

    @Test
    void multiplyComposesInverseMaps() {
        // rotation · translation: the shift is applied to output coordinates first, then rotated.
        final AffineMatrix product = AffineMatrix.rotation(90).multiply(AffineMatrix.translation(1, 0));
        assertEquals(AffineMatrix.of(0, -1, 0, 1, 0, 1), product);
    }

    @Test
    void builderRejectsBadFillValue() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AffineWarp.builder().optFillValue(256).build());
        assertTrue(error.getMessage().contains("fillValue"));
    }
}
