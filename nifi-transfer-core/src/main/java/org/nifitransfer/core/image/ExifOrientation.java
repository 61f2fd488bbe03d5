package org.nifitransfer.core.image;

/**
 * Applies an EXIF orientation (tag 0x0112) so the image appears as intended, as PIL's
 * {@code ImageOps.exif_transpose} does: 1 unchanged, 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom,
 * 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
 */
final class ExifOrientation {

    private ExifOrientation() {
    }

    /** Whether the orientation swaps width and height (5 to 8). */
    static boolean swapsAxes(final int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /**
     * @param image the image as stored
     * @param orientation 1 to 8; other values leave the image unchanged
     * @return the image as displayed (the input itself for orientation 1)
     */
    static RgbImage apply(final RgbImage image, final int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        final int width = image.getWidth();
        final int height = image.getHeight();
        final boolean swap = swapsAxes(orientation);
        final int outWidth = swap ? height : width;
        final int outHeight = swap ? width : height;
        final byte[] in = image.getData();
        final byte[] out = new byte[in.length];
        // Source index = origin + x * stepX + y * stepY, in pixels, for output pixel (x, y).
        final int origin;
        final int stepX;
        final int stepY;
        switch (orientation) {
            case 2 -> {
                origin = width - 1;
                stepX = -1;
                stepY = width;
            }
            case 3 -> {
                origin = width * height - 1;
                stepX = -1;
                stepY = -width;
            }
            case 4 -> {
                origin = (height - 1) * width;
                stepX = 1;
                stepY = -width;
            }
            case 5 -> {
                origin = 0;
                stepX = width;
                stepY = 1;
            }
            case 6 -> {
                origin = (height - 1) * width;
                stepX = -width;
                stepY = 1;
            }
            case 7 -> {
                origin = width * height - 1;
                stepX = -width;
                stepY = -1;
            }
            default -> {
                origin = width - 1;
                stepX = width;
                stepY = -1;
            }
        }
        int target = 0;
        for (int y = 0; y < outHeight; y++) {
            int source = origin + y * stepY;
            for (int x = 0; x < outWidth; x++) {
                final int sourceByte = source * RgbImage.CHANNELS;
                out[target] = in[sourceByte];
                out[target + 1] = in[sourceByte + 1];
                out[target + 2] = in[sourceByte + 2];
                target += RgbImage.CHANNELS;
                source += stepX;
            }
        }
        return new RgbImage(outWidth, outHeight, out);
    }
}
