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

    /**
     * The map at a pixel of an image of {@code imageWidth x imageHeight} it covers: bilinear between the centres of the
     * map's cells, held flat beyond the outer centres.
     */
    public float at(final int x, final int y, final int imageWidth, final int imageHeight) {
        final double u = clamp((x + 0.5) * width / imageWidth - 0.5, width - 1);
        final double v = clamp((y + 0.5) * height / imageHeight - 0.5, height - 1);
        final int column = (int) Math.floor(u);
        final int row = (int) Math.floor(v);
        final int nextColumn = Math.min(column + 1, width - 1);
        final int nextRow = Math.min(row + 1, height - 1);
        final double fx = u - column;
        final double fy = v - row;
        final double top = values[row * width + column] * (1 - fx) + values[row * width + nextColumn] * fx;
        final double bottom = values[nextRow * width + column] * (1 - fx) + values[nextRow * width + nextColumn] * fx;
        return (float) (top * (1 - fy) + bottom * fy);
    }

    private static double clamp(final double value, final int max) {
        return Math.max(0, Math.min(max, value));
    }
}
