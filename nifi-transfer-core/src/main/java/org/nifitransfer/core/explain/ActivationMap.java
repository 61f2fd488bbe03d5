package org.nifitransfer.core.explain;

import java.util.Objects;

/**
 * A class activation map over the base's last feature map: one value per location, row-major, {@code height x width}.
 * Higher means the location pushed the class's score up.
 */
public record ActivationMap(int height, int width, float[] values) {

    public ActivationMap {
        Objects.requireNonNull(values, "values");
        if (height < 1 || width < 1 || values.length != height * width) {
            throw new IllegalArgumentException(values.length + " values for a " + height + "x" + width + " map");
        }
    }

    /** The map with negative values cut to 0 and the rest divided by the largest (all zeros when nothing is positive). */
    public ActivationMap normalized() {
        float max = 0;
        for (final float value : values) {
            max = Math.max(max, value);
        }
        final float[] scaled = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            scaled[i] = max > 0 ? Math.max(0, values[i]) / max : 0;
        }
        return new ActivationMap(height, width, scaled);
    }

    /** The index ({@code row * width + column}) of the largest value (the first on ties). */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
