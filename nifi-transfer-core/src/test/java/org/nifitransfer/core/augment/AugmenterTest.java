package org.nifitransfer.core.augment;

import org.junit.jupiter.api.Test;
import org.nifitransfer.core.image.RgbImage;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nifitransfer.core.augment.TestImages.assertPixelFrom;
import static org.nifitransfer.core.augment.TestImages.assertPixelIs;
import static org.nifitransfer.core.augment.TestImages.numbered;

class AugmenterTest {

    private static RgbImage augmentOnce(final AugmentationRecipe recipe, final RgbImage image) {
        return new Augmenter(recipe).augment(image, new Random(1));
    }

    private static RgbImage noise(final int width, final int height, final long seed) {
        final byte[] data = new byte[width * height * RgbImage.CHANNELS];
        new Random(seed).nextBytes(data);
        return new RgbImage(width, height, data);
    }

    @Test
    void fixedRotationOfNinetyDegreesIsTheExactQuarterTurn() {
        final RgbImage image = numbered(5, 5);
        final RgbImage rotated = augmentOnce(AugmentationRecipe.builder().optRotationRange(90, 90).build(), image);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                assertPixelFrom(image, 4 - y, x, rotated, x, y);
            }
        }
        // The top-left corner goes to the bottom-left: counter-clockwise as displayed.
        assertPixelFrom(image, 0, 0, rotated, 0, 4);
    }

    @Test
    void fixedRotationOfMinusNinetyDegreesTurnsClockwise() {
        final RgbImage image = numbered(4, 4);
        final RgbImage rotated = augmentOnce(AugmentationRecipe.builder().optRotationRange(-90, -90).build(), image);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertPixelFrom(image, y, 3 - x, rotated, x, y);
            }
        }
    }

    @Test
    void horizontalAndVerticalFlipsMirror() {
        final RgbImage image = numbered(4, 3);
        final Augmenter augmenter = new Augmenter(AugmentationRecipe.builder()
                .optHorizontalFlip(true).optVerticalFlip(true).build());
        final RgbImage horizontal = augmenter.apply(image,
                new TransformParameters(0, 0, 0, 0, 1, 1, true, false, 1));
        final RgbImage vertical = augmenter.apply(image,
                new TransformParameters(0, 0, 0, 0, 1, 1, false, true, 1));
        final RgbImage both = augmenter.apply(image,
                new TransformParameters(0, 0, 0, 0, 1, 1, true, true, 1));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                assertPixelFrom(image, 3 - x, y, horizontal, x, y);
                assertPixelFrom(image, x, 2 - y, vertical, x, y);
                assertPixelFrom(image, 3 - x, 2 - y, both, x, y);
            }
        }
    }

    @Test
    void randomFlipGivesTheImageOrItsMirrorBothAboutHalfTheTime() {
        final RgbImage image = numbered(4, 3);
        final RgbImage mirror = Augmenter.flipHorizontally(image);
        final Augmenter augmenter = new Augmenter(AugmentationRecipe.builder().optHorizontalFlip(true).build());
        final Random random = new Random(3);
        int mirrored = 0;
        for (int i = 0; i < 200; i++) {
            final RgbImage result = augmenter.augment(image, random);
            if (result.equals(mirror)) {
                mirrored++;
            } else {
                assertEquals(image, result);
            }
        }
        assertTrue(mirrored > 70 && mirrored < 130, "mirrored " + mirrored + " of 200");
    }

    @Test
    void onePixelWidthShiftMovesContentLeftAndFillsByMode() {
        final RgbImage image = numbered(4, 3);
        for (final FillMode mode : FillMode.values()) {
            final AugmentationRecipe recipe = AugmentationRecipe.builder()
                    .optWidthShiftRange(0.25, 0.25).optFillMode(mode).optFillValue(9).build();
            final RgbImage shifted = augmentOnce(recipe, image);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 3; x++) {
                    assertPixelFrom(image, x + 1, y, shifted, x, y);
                }
                switch (mode) {
                    case NEAREST, REFLECT -> assertPixelFrom(image, 3, y, shifted, 3, y);
                    case WRAP -> assertPixelFrom(image, 0, y, shifted, 3, y);
                    case CONSTANT -> assertPixelIs(9, shifted, 3, y);
                    default -> throw new AssertionError(mode);
                }
            }
        }
    }

    @Test
    void onePixelHeightShiftMovesContentUpAndFillsByMode() {
        final RgbImage image = numbered(3, 4);
        for (final FillMode mode : FillMode.values()) {
            final AugmentationRecipe recipe = AugmentationRecipe.builder()
                    .optHeightShiftRange(0.25, 0.25).optFillMode(mode).optFillValue(9).build();
            final RgbImage shifted = augmentOnce(recipe, image);
            for (int x = 0; x < 3; x++) {
                for (int y = 0; y < 3; y++) {
                    assertPixelFrom(image, x, y + 1, shifted, x, y);
                }
                switch (mode) {
                    case NEAREST, REFLECT -> assertPixelFrom(image, x, 3, shifted, x, 3);
                    case WRAP -> assertPixelFrom(image, x, 0, shifted, x, 3);
                    case CONSTANT -> assertPixelIs(9, shifted, x, 3);
                    default -> throw new AssertionError(mode);
                }
            }
        }
    }

    @Test
    void negativeOnePixelShiftsMoveContentRightAndDown() {
        final RgbImage image = numbered(4, 4);
        final AugmentationRecipe recipe = AugmentationRecipe.builder()
                .optWidthShiftRange(-0.25, -0.25).optHeightShiftRange(-0.25, -0.25)
                .optFillMode(FillMode.WRAP).build();
        final RgbImage shifted = augmentOnce(recipe, image);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertPixelFrom(image, (x + 3) % 4, (y + 3) % 4, shifted, x, y);
            }
        }
    }

    @Test
    void zoomOfTwoShrinksTheContentAboutTheCentre() {
        final RgbImage image = numbered(5, 5);
        final AugmentationRecipe recipe = AugmentationRecipe.builder()
                .optZoomRange(2, 2).optFillMode(FillMode.CONSTANT).optFillValue(0).build();
        final RgbImage zoomed = augmentOnce(recipe, image);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                if (x >= 1 && x <= 3 && y >= 1 && y <= 3) {
                    assertPixelFrom(image, 2 * x - 2, 2 * y - 2, zoomed, x, y);
                } else {
                    assertPixelIs(0, zoomed, x, y);
                }
            }
        }
    }

    @Test
    void zoomOfHalfEnlargesTheCentre() {
        final RgbImage image = numbered(5, 5);
        final AugmentationRecipe recipe = AugmentationRecipe.builder().optZoomRange(0.5, 0.5).build();
        final RgbImage zoomed = augmentOnce(recipe, image);
        // Even output offsets land on input pixels: (0, 0) reads (1, 1), (2, 2) reads (2, 2), (4, 4) reads (3, 3).
        for (int y = 0; y < 5; y += 2) {
            for (int x = 0; x < 5; x += 2) {
                assertPixelFrom(image, 1 + x / 2, 1 + y / 2, zoomed, x, y);
            }
        }
        // Odd offsets fall between pixels: (1, 2) reads (1.5, 2), the mean of red 22 and 23, rounded half up.
        assertEquals(23, zoomed.get(1, 2, 0));
        assertEquals(22, zoomed.get(1, 2, 1)); // green 21 and 22 -> 21.5 -> 22
    }

    @Test
    void zoomOfHalfEnlargesACentreDot() {
        final RgbImage image = RgbImage.blank(5, 5);
        image.set(2, 2, 0, 200);
        final AugmentationRecipe recipe = AugmentationRecipe.builder().optZoomRange(0.5, 0.5).build();
        final RgbImage zoomed = augmentOnce(recipe, image);
        assertEquals(200, zoomed.get(2, 2, 0));
        assertEquals(100, zoomed.get(1, 2, 0));
        assertEquals(100, zoomed.get(3, 2, 0));
        assertEquals(100, zoomed.get(2, 1, 0));
        assertEquals(50, zoomed.get(1, 1, 0));
        assertEquals(0, zoomed.get(0, 2, 0));
    }

    @Test
    void zoomFactorsAreDrawnIndependentlyForXAndY() {
        final Augmenter augmenter = new Augmenter(AugmentationRecipe.builder().optZoomRange(0.5).build());
        final TransformParameters parameters = augmenter.drawParameters(new Random(5));
        assertNotEquals(parameters.zx(), parameters.zy());
        assertTrue(parameters.zx() >= 0.5 && parameters.zx() <= 1.5);
        assertTrue(parameters.zy() >= 0.5 && parameters.zy() <= 1.5);
    }

    @Test
    void shearOfZeroIsIdentity() {
        final RgbImage image = noise(7, 5, 11);
        final RgbImage sheared = augmentOnce(AugmentationRecipe.builder().optShearRange(0, 0).build(), image);
        assertEquals(image, sheared);
    }

    @Test
    void shearKeepsTheCentreRow() {
        final RgbImage image = numbered(5, 5);
        final RgbImage sheared = augmentOnce(AugmentationRecipe.builder().optShearRange(30, 30).build(), image);
        for (int x = 0; x < 5; x++) {
            assertPixelFrom(image, x, 2, sheared, x, 2);
        }
        assertNotEquals(image, sheared);
    }

    @Test
    void brightnessOfHalfHalvesValuesTruncating() {
        final RgbImage image = RgbImage.blank(2, 1);
        image.set(0, 0, 0, 255);
        image.set(0, 0, 1, 101);
        image.set(0, 0, 2, 1);
        image.set(1, 0, 0, 100);
        image.set(1, 0, 1, 0);
        image.set(1, 0, 2, 3);
        final RgbImage darker = augmentOnce(AugmentationRecipe.builder().optBrightnessRange(0.5, 0.5).build(), image);
        assertEquals(127, darker.get(0, 0, 0));
        assertEquals(50, darker.get(0, 0, 1));
        assertEquals(0, darker.get(0, 0, 2));
        assertEquals(50, darker.get(1, 0, 0));
        assertEquals(0, darker.get(1, 0, 1));
        assertEquals(1, darker.get(1, 0, 2));
    }

    @Test
    void brightnessAboveOneClipsAt255() {
        final RgbImage image = RgbImage.solid(1, 1, 200, 100, 10);
        final RgbImage brighter = augmentOnce(AugmentationRecipe.builder().optBrightnessRange(1.5, 1.5).build(), image);
        assertEquals(255, brighter.get(0, 0, 0));
        assertEquals(150, brighter.get(0, 0, 1));
        assertEquals(15, brighter.get(0, 0, 2));
    }

    @Test
    void identityRecipeReturnsEqualPixelsInANewImage() {
        final RgbImage image = noise(6, 4, 2);
        final RgbImage result = augmentOnce(AugmentationRecipe.identity(), image);
        assertEquals(image, result);
        assertNotSame(image.getData(), result.getData());
    }

    @Test
    void sameSeedGivesSameVariantsAndDifferentSeedsDiffer() {
        final AugmentationRecipe recipe = AugmentationRecipe.builder()
                .optRotationRange(40).optWidthShiftRange(0.2).optHeightShiftRange(0.2).optShearRange(20)
                .optZoomRange(0.2).optHorizontalFlip(true).optBrightnessRange(0.8, 1.2).build();
        final Augmenter augmenter = new Augmenter(recipe);
        final RgbImage image = noise(16, 12, 4);
        final Random first = new Random(42);
        final Random second = new Random(42);
        final Random other = new Random(43);
        for (int i = 0; i < 5; i++) {
            final RgbImage variant = augmenter.augment(image, first);
            assertEquals(variant, augmenter.augment(image, second));
            assertNotEquals(variant, augmenter.augment(image, other));
        }
    }

    @Test
    void drawConsumesNineValuesInTheDocumentedOrder() {
        final AugmentationRecipe recipe = AugmentationRecipe.builder()
                .optRotationRange(-10, 30).optHeightShiftRange(0.1).optWidthShiftRange(0.2)
                .optShearRange(5).optZoomRange(0.8, 1.6).optHorizontalFlip(true).optVerticalFlip(true)
                .optBrightnessRange(0.5, 1.5).build();
        final Random random = new Random(7);
        final TransformParameters parameters = new Augmenter(recipe).drawParameters(random);
        final Random replay = new Random(7);
        assertEquals(-10 + 40 * replay.nextDouble(), parameters.theta(), 1e-12);
        assertEquals(-0.1 + 0.2 * replay.nextDouble(), parameters.ty(), 1e-12);
        assertEquals(-0.2 + 0.4 * replay.nextDouble(), parameters.tx(), 1e-12);
        assertEquals(-5 + 10 * replay.nextDouble(), parameters.shear(), 1e-12);
        assertEquals(0.8 + 0.8 * replay.nextDouble(), parameters.zx(), 1e-12);
        assertEquals(0.8 + 0.8 * replay.nextDouble(), parameters.zy(), 1e-12);
        assertEquals(replay.nextDouble() < 0.5, parameters.flipH());
        assertEquals(replay.nextDouble() < 0.5, parameters.flipV());
        assertEquals(0.5 + replay.nextDouble(), parameters.brightness(), 1e-12);
        assertEquals(replay.nextLong(), random.nextLong());
    }

    @Test
    void identityRecipeStillConsumesNineValues() {
        final Random random = new Random(9);
        final TransformParameters parameters = new Augmenter(AugmentationRecipe.identity()).drawParameters(random);
        assertEquals(TransformParameters.IDENTITY, parameters);
        assertTrue(parameters.isIdentity());
        final Random replay = new Random(9);
        for (int i = 0; i < Augmenter.DRAWS_PER_IMAGE; i++) {
            replay.nextDouble();
        }
        assertEquals(replay.nextLong(), random.nextLong());
    }

    @Test
    void augmentEqualsApplyOfTheDrawnParameters() {
        final AugmentationRecipe recipe = AugmentationRecipe.builder()
                .optRotationRange(30).optZoomRange(0.3).optVerticalFlip(true).optFillMode(FillMode.REFLECT).build();
        final Augmenter augmenter = new Augmenter(recipe);
        final RgbImage image = noise(9, 7, 8);
        final TransformParameters parameters = augmenter.drawParameters(new Random(12));
        assertEquals(augmenter.apply(image, parameters), augmenter.augment(image, new Random(12)));
        assertFalse(parameters.isIdentity());
    }

    @Test
    void inputImageIsNeverModified() {
        final RgbImage image = noise(8, 8, 6);
        final RgbImage before = image.copy();
        final AugmentationRecipe recipe = AugmentationRecipe.builder()
                .optRotationRange(45).optHorizontalFlip(true).optVerticalFlip(true).optBrightnessRange(0.2, 0.4).build();
        new Augmenter(recipe).augment(image, new Random(1));
        assertEquals(before, image);
    }
}
