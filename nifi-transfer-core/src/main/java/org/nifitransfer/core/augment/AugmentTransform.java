package org.nifitransfer.core.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;
import org.nifitransfer.core.image.RgbImage;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Random;

/**
 * A DJL {@link Transform} that augments one HWC image with three channels holding values 0..255, so an
 * {@link Augmenter} can sit in an {@link ai.djl.translate.Pipeline} before {@code ToTensor} and {@code Normalize}:
 * <pre>{@code
 * Pipeline pipeline = new Pipeline()
 *         .add(new AugmentTransform(recipe, 42))
 *         .add(new ToTensor());
 * }</pre>
 * The array is read as uint8 (other types are cast, so values should already be 0..255), augmented, and returned
 * as a new array of the same shape and data type, attached to the input's manager.
 *
 * <p>The transform owns a {@link Random} seeded once: a single-threaded pipeline run over the same images in the
 * same order reproduces the same variants. {@link Random} is thread-safe, but when several threads share the
 * transform the order of draws, and so which image gets which variant, is not reproducible.
 */
public final class AugmentTransform implements Transform {

    private final Augmenter augmenter;
    private final Random random;

    /**
     * A transform applying a recipe.
     *
     * @param recipe what to apply
     * @param seed the seed of this transform's generator
     */
    public AugmentTransform(final AugmentationRecipe recipe, final long seed) {
        this(new Augmenter(recipe), seed);
    }

    /**
     * A transform applying an augmenter.
     *
     * @param augmenter what to apply
     * @param seed the seed of this transform's generator
     */
    public AugmentTransform(final Augmenter augmenter, final long seed) {
        this.augmenter = Objects.requireNonNull(augmenter, "augmenter");
        this.random = new Random(seed);
    }

    public Augmenter getAugmenter() {
        return augmenter;
    }

    /**
     * Augments an image.
     *
     * @param array an HWC image of shape {@code (height, width, 3)}
     * @return the augmented image, same shape and data type
     */
    @Override
    public NDArray transform(final NDArray array) {
        final Shape shape = array.getShape();
        if (shape.dimension() != 3 || shape.get(2) != RgbImage.CHANNELS) {
            throw new IllegalArgumentException("AugmentTransform expects an HWC image of shape (height, width, 3), got " + shape);
        }
        final DataType dataType = array.getDataType();
        final byte[] pixels;
        if (dataType == DataType.UINT8) {
            pixels = array.toByteArray();
        } else {
            try (NDArray bytes = array.toType(DataType.UINT8, false)) {
                pixels = bytes.toByteArray();
            }
        }
        final RgbImage image = new RgbImage(Math.toIntExact(shape.get(1)), Math.toIntExact(shape.get(0)), pixels);
        final RgbImage augmented = augmenter.augment(image, random);
        final NDArray result = array.getManager().create(ByteBuffer.wrap(augmented.getData()), shape, DataType.UINT8);
        if (dataType == DataType.UINT8) {
            return result;
        }
        final NDArray converted = result.toType(dataType, false);
        result.close();
        return converted;
    }
}
