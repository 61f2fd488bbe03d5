package org.nifitransfer.core.augment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Objects;
import java.util.Random;

/**
 * A closed interval {@code [min, max]} a random parameter is drawn from uniformly. Written in JSON as a
 * two-element array {@code [min, max]}. A range with {@code min == max} is a fixed value.
 *
 * <p>The record itself only rejects non-finite bounds; {@link AugmentationRecipe.Builder#build()} checks
 * order and the bounds each parameter allows, so that its messages can name the parameter.
 *
 * @param min the lower bound
 * @param max the upper bound
 */
public record ValueRange(double min, double max) {

    /** The range {@code [0, 0]}. */
    public static final ValueRange ZERO = new ValueRange(0, 0);

    /** The range {@code [1, 1]}. */
    public static final ValueRange ONE = new ValueRange(1, 1);

    public ValueRange {
        if (!Double.isFinite(min) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("Range bounds must be finite, got [" + min + ", " + max + "]");
        }
        // Adding 0.0 turns -0.0 into 0.0, so symmetric(0) equals ZERO.
        min = min + 0.0;
        max = max + 0.0;
    }

    /** The range {@code [-extent, extent]}, Keras' meaning of a single number such as {@code rotation_range=40}. */
    public static ValueRange symmetric(final double extent) {
        return new ValueRange(-extent, extent);
    }

    /** The range {@code [value, value]}. */
    public static ValueRange fixed(final double value) {
        return new ValueRange(value, value);
    }

    /**
     * Reads the JSON form {@code [min, max]}.
     *
     * @param bounds exactly two numbers
     * @return the range
     */
    @JsonCreator
    public static ValueRange fromArray(final double[] bounds) {
        Objects.requireNonNull(bounds, "bounds");
        if (bounds.length != 2) {
            throw new IllegalArgumentException("A range is written as [min, max], got " + bounds.length + " numbers");
        }
        return new ValueRange(bounds[0], bounds[1]);
    }

    /** The JSON form {@code [min, max]}. */
    @JsonValue
    public double[] toArray() {
        return new double[] {min, max};
    }

    /** Whether {@code min == max}, so drawing from the range always gives {@code min}. */
    public boolean isFixed() {
        return min == max;
    }

    /** Whether the range is exactly {@code [value, value]}. */
    public boolean isFixedAt(final double value) {
        return min == value && max == value;
    }

    /**
     * Draws {@code min + (max - min) * u} with {@code u} the next {@link Random#nextDouble()}.
     * Exactly one number is consumed from the generator, even for a fixed range, so that a seed gives the
     * same draws for the other parameters whatever this range is.
     */
    public double draw(final Random random) {
        final double unit = random.nextDouble();
        return isFixed() ? min : min + (max - min) * unit;
    }

    @Override
    public String toString() {
        return "[" + min + ", " + max + "]";
    }
}
