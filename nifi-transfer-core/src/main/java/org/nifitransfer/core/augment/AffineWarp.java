package org.nifitransfer.core.augment;

import org.nifitransfer.core.image.RgbImage;

import java.util.Objects;

/**
 * Warps an {@link RgbImage} with an {@link AffineMatrix} used as an inverse map about the image centre, as
 * Keras' {@code apply_affine_transform} and {@code scipy.ndimage.affine_transform} do: each output pixel
 * {@code (x, y)} reads the input at
 * <pre>
 *     (sx, sy) = centre + M · ((x, y) - centre),   centre = ((width - 1) / 2, (height - 1) / 2)
 * </pre>
 * The centre is the true pixel-grid centre, as in current Keras; the old scipy-based Keras used
 * {@code size / 2 + 0.5}, which shifts rotations by up to a pixel.
 *
 * <p>Source coordinates within {@code 1e-6} of an integer are snapped to it, so integer shifts and quarter
 * turns copy pixels exactly, with no interpolation blur. Points outside the input are filled by the
 * {@link FillMode}. With {@link FillMode#CONSTANT}, bilinear interpolation gives the fill value to points
 * outside {@code [0, width - 1] x [0, height - 1]} (scipy's {@code 'constant'}), nearest interpolation to
 * points whose nearest pixel is outside the image. Bilinear results are rounded half up.
 *
 * <p>A warp is immutable and thread-safe; build one per fill configuration and reuse it:
 * <pre>{@code
 * AffineWarp warp = AffineWarp.builder().optFillMode(FillMode.REFLECT).build();
 * RgbImage rotated = warp.warp(image, AffineMatrix.rotation(30));
 * }</pre>
 */
public final class AffineWarp {

    /** Source coordinates this close to an integer are taken as that integer. */
    public static final double SNAP_TOLERANCE = 1e-6;

    /** Source coordinates are clamped to this magnitude before indexing, so huge zooms cannot overflow an int. */
    private static final double COORDINATE_LIMIT = 1 << 28;

    private final FillMode fillMode;
    private final int fillValue;
    private final WarpInterpolation interpolation;

    private AffineWarp(final Builder builder) {
        this.fillMode = builder.fillMode;
        this.fillValue = builder.fillValue;
        this.interpolation = builder.interpolation;
    }

    /** A builder: nearest fill, fill value 0, bilinear interpolation unless set otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    public FillMode getFillMode() {
        return fillMode;
    }

    public int getFillValue() {
        return fillValue;
    }

    public WarpInterpolation getInterpolation() {
        return interpolation;
    }

    /**
     * Warps an image.
     *
     * @param image the input, not modified
     * @param matrix the inverse map about the centre
     * @return a new image of the same size
     */
    public RgbImage warp(final RgbImage image, final AffineMatrix matrix) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(matrix, "matrix");
        final int width = image.getWidth();
        final int height = image.getHeight();
        final double centreX = (width - 1) / 2.0;
        final double centreY = (height - 1) / 2.0;
        final double[][] entries = matrix.toArray();
        final double xFromX = entries[0][0];
        final double xFromY = entries[0][1];
        final double xOffset = entries[0][2];
        final double yFromX = entries[1][0];
        final double yFromY = entries[1][1];
        final double yOffset = entries[1][2];

        final double[] columnSourceX = new double[width];
        final double[] columnSourceY = new double[width];
        for (int x = 0; x < width; x++) {
            columnSourceX[x] = xFromX * (x - centreX);
            columnSourceY[x] = yFromX * (x - centreX);
        }

        final byte[] source = image.getData();
        final byte[] target = new byte[source.length];
        final boolean bilinear = interpolation == WarpInterpolation.BILINEAR;
        for (int y = 0; y < height; y++) {
            final double rowSourceX = xFromY * (y - centreY) + xOffset + centreX;
            final double rowSourceY = yFromY * (y - centreY) + yOffset + centreY;
            int targetIndex = y * width * RgbImage.CHANNELS;
            for (int x = 0; x < width; x++) {
                final double sourceX = snap(columnSourceX[x] + rowSourceX);
                final double sourceY = snap(columnSourceY[x] + rowSourceY);
                if (bilinear) {
                    sampleBilinear(source, width, height, sourceX, sourceY, target, targetIndex);
                } else {
                    sampleNearest(source, width, height, sourceX, sourceY, target, targetIndex);
                }
                targetIndex += RgbImage.CHANNELS;
            }
        }
        return new RgbImage(width, height, target);
    }

    private void sampleNearest(final byte[] source, final int width, final int height, final double sourceX,
            final double sourceY, final byte[] target, final int targetIndex) {
        final int column = (int) Math.floor(sourceX + 0.5);
        final int row = (int) Math.floor(sourceY + 0.5);
        if (fillMode == FillMode.CONSTANT && (column < 0 || column >= width || row < 0 || row >= height)) {
            fill(target, targetIndex);
            return;
        }
        final int sourceIndex = (fillMode.mapIndex(row, height) * width + fillMode.mapIndex(column, width)) * RgbImage.CHANNELS;
        target[targetIndex] = source[sourceIndex];
        target[targetIndex + 1] = source[sourceIndex + 1];
        target[targetIndex + 2] = source[sourceIndex + 2];
    }

    private void sampleBilinear(final byte[] source, final int width, final int height, final double sourceX,
            final double sourceY, final byte[] target, final int targetIndex) {
        if (fillMode == FillMode.CONSTANT && (sourceX < 0 || sourceX > width - 1 || sourceY < 0 || sourceY > height - 1)) {
            fill(target, targetIndex);
            return;
        }
        final double floorX = Math.floor(sourceX);
        final double floorY = Math.floor(sourceY);
        final double fractionX = sourceX - floorX;
        final double fractionY = sourceY - floorY;
        final int column = (int) floorX;
        final int row = (int) floorY;
        final int left = fillMode.mapIndex(column, width);
        final int top = fillMode.mapIndex(row, height) * width;
        if (fractionX == 0 && fractionY == 0) {
            final int sourceIndex = (top + left) * RgbImage.CHANNELS;
            target[targetIndex] = source[sourceIndex];
            target[targetIndex + 1] = source[sourceIndex + 1];
            target[targetIndex + 2] = source[sourceIndex + 2];
            return;
        }
        final int right = fillMode.mapIndex(column + 1, width);
        final int bottom = fillMode.mapIndex(row + 1, height) * width;
        final int topLeft = (top + left) * RgbImage.CHANNELS;
        final int topRight = (top + right) * RgbImage.CHANNELS;
        final int bottomLeft = (bottom + left) * RgbImage.CHANNELS;
        final int bottomRight = (bottom + right) * RgbImage.CHANNELS;
        for (int channel = 0; channel < RgbImage.CHANNELS; channel++) {
            final double upper = (source[topLeft + channel] & 0xFF) * (1 - fractionX)
                    + (source[topRight + channel] & 0xFF) * fractionX;
            final double lower = (source[bottomLeft + channel] & 0xFF) * (1 - fractionX)
                    + (source[bottomRight + channel] & 0xFF) * fractionX;
            final int value = (int) Math.floor(upper * (1 - fractionY) + lower * fractionY + 0.5);
            target[targetIndex + channel] = (byte) Math.min(255, Math.max(0, value));
        }
    }

    private void fill(final byte[] target, final int targetIndex) {
        target[targetIndex] = (byte) fillValue;
        target[targetIndex + 1] = (byte) fillValue;
        target[targetIndex + 2] = (byte) fillValue;
    }

    private static double snap(final double coordinate) {
        final double clamped = Math.max(-COORDINATE_LIMIT, Math.min(COORDINATE_LIMIT, coordinate));
        final double nearest = Math.rint(clamped);
        return Math.abs(clamped - nearest) < SNAP_TOLERANCE ? nearest : clamped;
    }

    @Override
    public String toString() {
        return "AffineWarp[fillMode=" + fillMode + ", fillValue=" + fillValue + ", interpolation=" + interpolation + "]";
    }

    /** Builds an {@link AffineWarp}. */
    public static final class Builder {

        private FillMode fillMode = FillMode.NEAREST;
        private int fillValue;
        private WarpInterpolation interpolation = WarpInterpolation.BILINEAR;

        private Builder() {
        }

        /** How points outside the input are filled; {@link FillMode#NEAREST} by default, as in Keras. */
        public Builder optFillMode(final FillMode fillMode) {
            this.fillMode = fillMode;
            return this;
        }

        /** The value 0..255 written to every channel by {@link FillMode#CONSTANT} (Keras' {@code cval}); 0 by default. */
        public Builder optFillValue(final int fillValue) {
            this.fillValue = fillValue;
            return this;
        }

        /** How points between pixels are read; {@link WarpInterpolation#BILINEAR} by default. */
        public Builder optInterpolation(final WarpInterpolation interpolation) {
            this.interpolation = interpolation;
            return this;
        }

        /**
         * Builds the warp.
         *
         * @return the warp
         * @throws IllegalArgumentException if a setting is missing or out of range
         */
        public AffineWarp build() {
            if (fillMode == null) {
                throw new IllegalArgumentException("fillMode must not be null");
            }
            if (interpolation == null) {
                throw new IllegalArgumentException("interpolation must not be null");
            }
            if (fillValue < 0 || fillValue > 255) {
                throw new IllegalArgumentException("fillValue must be in 0..255, got " + fillValue);
            }
            return new AffineWarp(this);
        }
    }
}
