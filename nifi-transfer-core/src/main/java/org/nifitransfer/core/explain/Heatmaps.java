package org.nifitransfer.core.explain;

import org.nifitransfer.core.image.RgbImage;

/** Draws class activation maps over the images they explain. */
public final class Heatmaps {

    private Heatmaps() {
    }

    /**
     * The image with the map laid over it: the map normalised ({@link ActivationMap#normalized()}), upsampled to the
     * image (bilinear), coloured with {@code colormap} and blended with weight {@code opacity} (0: the image alone, 1: the
     * heatmap alone).
     */
    public static RgbImage overlay(final RgbImage image, final ActivationMap map, final Colormap colormap, final double opacity) {
        if (opacity < 0 || opacity > 1) {
            throw new IllegalArgumentException("Opacity must be in [0, 1], got " + opacity);
        }
        final ActivationMap normalized = map.normalized();
        final int width = image.getWidth();
        final int height = image.getHeight();
        // bilinear between the centres of the map's cells, held flat beyond the outer centres; each column's neighbours
        // and weight are worked out once, then the map is interpolated a row at a time
        final int[] left = new int[width];
        final int[] right = new int[width];
        final float[] weight = new float[width];
        for (int x = 0; x < width; x++) {
            final double u = clamp((x + 0.5) * normalized.width() / width - 0.5, normalized.width() - 1);
            left[x] = (int) u;
            right[x] = Math.min(left[x] + 1, normalized.width() - 1);
            weight[x] = (float) (u - left[x]);
        }
        final int heat = (int) Math.round(opacity * 256);
        final byte[] source = image.getData();
        final byte[] target = new byte[source.length];
        final float[] mapRow = new float[normalized.width()];
        final float[] values = normalized.values();
        for (int y = 0; y < height; y++) {
            final double v = clamp((y + 0.5) * normalized.height() / height - 0.5, normalized.height() - 1);
            final int top = (int) v;
            final int bottom = Math.min(top + 1, normalized.height() - 1);
            final float down = (float) (v - top);
            for (int column = 0; column < mapRow.length; column++) {
                mapRow[column] = values[top * mapRow.length + column] * (1 - down) + values[bottom * mapRow.length + column] * down;
            }
            for (int x = 0, i = 3 * y * width; x < width; x++, i += 3) {
                final float value = mapRow[left[x]] * (1 - weight[x]) + mapRow[right[x]] * weight[x];
                final int rgb = colormap.rgbOfLevel(Math.round(Math.max(0, Math.min(1, value)) * 255));
                target[i] = blend(source[i], rgb >> 16, heat);
                target[i + 1] = blend(source[i + 1], rgb >> 8, heat);
                target[i + 2] = blend(source[i + 2], rgb, heat);
            }
        }
        return new RgbImage(width, height, target);
    }

    /** {@code pixel * (1 - heat / 256) + colour * heat / 256}, rounded. */
    private static byte blend(final byte pixel, final int colour, final int heat) {
        return (byte) (((pixel & 0xFF) * (256 - heat) + (colour & 0xFF) * heat + 128) >> 8);
    }

    private static double clamp(final double value, final int max) {
        return Math.max(0, Math.min(max, value));
    }
}
