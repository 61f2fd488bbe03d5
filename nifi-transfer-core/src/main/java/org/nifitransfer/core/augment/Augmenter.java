package org.nifitransfer.core.augment;

import org.nifitransfer.core.image.RgbImage;

import java.util.Objects;
import java.util.Random;

/**
 * Applies an {@link AugmentationRecipe} to images, as Keras' {@code ImageDataGenerator.random_transform} does:
 * one affine warp combining rotation, shift, shear and zoom (so one interpolation), then the flips, then the
 * brightness change.
 *
 * <p><b>Random draws.</b> {@link #drawParameters(Random)} always consumes exactly nine
 * {@link Random#nextDouble()} values, in this order, whatever the recipe enables: rotation, height shift, width
 * shift, shear, zoom x, zoom y, horizontal flip, vertical flip, brightness (Keras' order). A range value is
 * {@code min + (max - min) * u}; a flip happens when its setting is on and {@code u < 0.5}. Because the count
 * is fixed, the same seed gives the same draw for a parameter even when another parameter's range changes.
 *
 * <p><b>Directions</b> (image {@code y} grows downwards, as displayed): a positive rotation turns the content
 * counter-clockwise; a positive width shift moves the content left, a positive height shift moves it up
 * (Keras' shift matrix reads the input at {@code output + shift}); a zoom factor above 1 shrinks the content.
 * The warp turns about the pixel-grid centre {@code ((width - 1) / 2, (height - 1) / 2)}.
 *
 * <p><b>Brightness</b> multiplies every channel value by the factor and truncates towards zero, clipping at 255,
 * as PIL's {@code ImageEnhance.Brightness} (which Keras uses) does: {@code 255 * 0.5} gives 127.
 *
 * <p>An augmenter is immutable and thread-safe; the {@link Random} passed in is the only state.
 */
public final class Augmenter {

    /** How many {@link Random#nextDouble()} values one {@link #drawParameters(Random)} consumes. */
    public static final int DRAWS_PER_IMAGE = 9;

    private final AugmentationRecipe recipe;
    private final AffineWarp warp;

    /**
     * An augmenter for a recipe.
     *
     * @param recipe what to apply
     */
    public Augmenter(final AugmentationRecipe recipe) {
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        this.warp = AffineWarp.builder()
                .optFillMode(recipe.getFillMode())
                .optFillValue(recipe.getFillValue())
                .optInterpolation(recipe.getInterpolation())
                .build();
    }

    public AugmentationRecipe getRecipe() {
        return recipe;
    }

    /**
     * Draws parameters and applies them: {@code apply(image, drawParameters(random))}.
     *
     * @param image the input, not modified
     * @param random the generator; a seeded one reproduces the same variants
     * @return a new image of the same size
     */
    public RgbImage augment(final RgbImage image, final Random random) {
        Objects.requireNonNull(image, "image");
        return apply(image, drawParameters(random));
    }

    /**
     * Draws one set of parameters from the recipe, consuming exactly {@value #DRAWS_PER_IMAGE} values of
     * {@code random} in the documented order.
     *
     * @param random the generator
     * @return the parameters
     */
    public TransformParameters drawParameters(final Random random) {
        Objects.requireNonNull(random, "random");
        final double theta = recipe.getRotation().draw(random);
        final double ty = recipe.getHeightShift().draw(random);
        final double tx = recipe.getWidthShift().draw(random);
        final double shear = recipe.getShear().draw(random);
        final double zx = recipe.getZoom().draw(random);
        final double zy = recipe.getZoom().draw(random);
        final boolean flipH = random.nextDouble() < 0.5 && recipe.isHorizontalFlip();
        final boolean flipV = random.nextDouble() < 0.5 && recipe.isVerticalFlip();
        final ValueRange brightnessRange = recipe.getBrightness().orElse(ValueRange.ONE);
        final double brightness = brightnessRange.draw(random);
        return new TransformParameters(theta, tx, ty, shear, zx, zy, flipH, flipV, brightness);
    }

    /**
     * Applies given parameters with this recipe's fill mode, fill value and interpolation.
     *
     * @param image the input, not modified
     * @param parameters what to apply
     * @return a new image of the same size (a copy when the parameters change nothing)
     */
    public RgbImage apply(final RgbImage image, final TransformParameters parameters) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(parameters, "parameters");
        final AffineMatrix matrix = parameters.toMatrix(image.getWidth(), image.getHeight());
        RgbImage result = matrix.isIdentity() ? image.copy() : warp.warp(image, matrix);
        if (parameters.flipH()) {
            result = flipHorizontally(result);
        }
        if (parameters.flipV()) {
            result = flipVertically(result);
        }
        if (parameters.brightness() != 1) {
            scaleBrightness(result, parameters.brightness());
        }
        return result;
    }

    /**
     * Mirrors an image left-right.
     *
     * @param image the input, not modified
     * @return a new image
     */
    public static RgbImage flipHorizontally(final RgbImage image) {
        final int width = image.getWidth();
        final int height = image.getHeight();
        final byte[] source = image.getData();
        final byte[] target = new byte[source.length];
        for (int y = 0; y < height; y++) {
            final int rowStart = y * width * RgbImage.CHANNELS;
            for (int x = 0; x < width; x++) {
                final int sourceIndex = rowStart + (width - 1 - x) * RgbImage.CHANNELS;
                final int targetIndex = rowStart + x * RgbImage.CHANNELS;
                target[targetIndex] = source[sourceIndex];
                target[targetIndex + 1] = source[sourceIndex + 1];
                target[targetIndex + 2] = source[sourceIndex + 2];
            }
        }
        return new RgbImage(width, height, target);
    }

    /**
     * Mirrors an image top-bottom.
     *
     * @param image the input, not modified
     * @return a new image
     */
    public static RgbImage flipVertically(final RgbImage image) {
        final int width = image.getWidth();
        final int height = image.getHeight();
        final int rowLength = width * RgbImage.CHANNELS;
        final byte[] source = image.getData();
        final byte[] target = new byte[source.length];
        for (int y = 0; y < height; y++) {
            System.arraycopy(source, (height - 1 - y) * rowLength, target, y * rowLength, rowLength);
        }
        return new RgbImage(width, height, target);
    }

    /**
     * Multiplies every channel value by {@code factor}, truncating towards zero and clipping at 255 (PIL's rule).
     *
     * @param image the image, changed in place
     * @param factor the multiplier, not negative
     */
    static void scaleBrightness(final RgbImage image, final double factor) {
        final byte[] data = image.getData();
        final int[] table = new int[256];
        for (int value = 0; value < table.length; value++) {
            table[value] = (int) Math.min(255, Math.max(0, Math.floor(value * factor)));
        }
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) table[data[i] & 0xFF];
        }
    }

    @Override
    public String toString() {
        return "Augmenter[" + recipe + "]";
    }
}
