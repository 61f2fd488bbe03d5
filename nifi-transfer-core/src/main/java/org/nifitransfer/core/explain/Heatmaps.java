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
        final RgbImage blended = RgbImage.blank(width, height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                final int rgb = colormap.rgb(normalized.at(x, y, width, height));
                for (int c = 0; c < 3; c++) {
                    final int heat = rgb >> (16 - 8 * c) & 0xFF;
                    blended.set(x, y, c, (int) Math.round(image.get(x, y, c) * (1 - opacity) + heat * opacity));
                }
            }
        }
        return blended;
    }
}
