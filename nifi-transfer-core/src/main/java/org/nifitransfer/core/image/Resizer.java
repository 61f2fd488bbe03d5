package org.nifitransfer.core.image;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Resizes {@link RgbImage}s to a fixed size with a separable resampler that computes what PIL's
 * {@code Image.resize} computes: per-output-pixel weights, the filter support widened by the downscale factor
 * (so downscaling antialiases), fixed-point sums with PIL's rounding. {@link ResizeMode#SHORTER_SIDE_CENTER_CROP}
 * resamples the centre crop box directly, as PIL's {@code ImageOps.fit}; {@link ResizeMode#PAD} letterboxes as
 * {@code ImageOps.pad}.
 *
 * <p>A resizer is immutable and may be shared between threads.
 *
 * <pre>{@code
 * Resizer resizer = Resizer.builder().setSize(224, 224).optMode(ResizeMode.SHORTER_SIDE_CENTER_CROP)
 *         .optInterpolation(Interpolation.BILINEAR).build();
 * RgbImage small = resizer.resize(image);
 * }</pre>
 */
public final class Resizer {

    private final int width;
    private final int height;
    private final ResizeMode mode;
    private final Interpolation interpolation;
    private final byte[] fillColor;
    private final boolean useNative;
    /** The last coefficients computed for columns and for rows: a folder of photos mostly repeats one or two sizes. */
    private final AtomicReference<Cached> lastColumns = new AtomicReference<>();
    private final AtomicReference<Cached> lastRows = new AtomicReference<>();

    private Resizer(final Builder builder) {
        this.width = builder.width;
        this.height = builder.height;
        this.mode = builder.mode;
        this.interpolation = builder.interpolation;
        this.fillColor = new byte[] {(byte) builder.fillRed, (byte) builder.fillGreen, (byte) builder.fillBlue};
        this.useNative = builder.useNative;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    public ResizeMode getMode() {
        return mode;
    }

    public Interpolation getInterpolation() {
        return interpolation;
    }

    /**
     * @param image any image
     * @return a new image of the target size; the input is never modified
     */
    public RgbImage resize(final RgbImage image) {
        final int inputWidth = image.getWidth();
        final int inputHeight = image.getHeight();
        return switch (mode) {
            case STRETCH -> resample(image, 0, 0, inputWidth, inputHeight, width, height);
            case SHORTER_SIDE_CENTER_CROP -> centerCrop(image);
            case PAD -> pad(image);
        };
    }

    private RgbImage centerCrop(final RgbImage image) {
        final double inputWidth = image.getWidth();
        final double inputHeight = image.getHeight();
        final double inputRatio = inputWidth / inputHeight;
        final double outputRatio = (double) width / height;
        double cropWidth = inputWidth;
        double cropHeight = inputHeight;
        if (inputRatio > outputRatio) {
            cropWidth = outputRatio * inputHeight;
        } else if (inputRatio < outputRatio) {
            cropHeight = inputWidth / outputRatio;
        }
        final double left = (inputWidth - cropWidth) / 2;
        final double top = (inputHeight - cropHeight) / 2;
        return resample(image, left, top, left + cropWidth, top + cropHeight, width, height);
    }

    private RgbImage pad(final RgbImage image) {
        final int inputWidth = image.getWidth();
        final int inputHeight = image.getHeight();
        final double inputRatio = (double) inputWidth / inputHeight;
        final double outputRatio = (double) width / height;
        int contentWidth = width;
        int contentHeight = height;
        if (inputRatio > outputRatio) {
            contentHeight = (int) Math.max(1, Math.min(height, Math.rint(width / inputRatio)));
        } else if (inputRatio < outputRatio) {
            contentWidth = (int) Math.max(1, Math.min(width, Math.rint(height * inputRatio)));
        }
        final RgbImage content = resample(image, 0, 0, inputWidth, inputHeight, contentWidth, contentHeight);
        if (contentWidth == width && contentHeight == height) {
            return content;
        }
        final RgbImage out = RgbImage.blank(width, height);
        final byte[] data = out.getData();
        for (int i = 0; i < data.length; i += RgbImage.CHANNELS) {
            data[i] = fillColor[0];
            data[i + 1] = fillColor[1];
            data[i + 2] = fillColor[2];
        }
        final int left = (int) Math.rint((width - contentWidth) / 2.0);
        final int top = (int) Math.rint((height - contentHeight) / 2.0);
        final int rowBytes = contentWidth * RgbImage.CHANNELS;
        for (int y = 0; y < contentHeight; y++) {
            System.arraycopy(content.getData(), y * rowBytes, data, ((top + y) * width + left) * RgbImage.CHANNELS,
                    rowBytes);
        }
        return out;
    }

    private ResampleCoefficients columns(final int inputSize, final double start, final double end, final int outputSize) {
        return coefficients(lastColumns, inputSize, start, end, outputSize);
    }

    private ResampleCoefficients rows(final int inputSize, final double start, final double end, final int outputSize) {
        return coefficients(lastRows, inputSize, start, end, outputSize);
    }

    private ResampleCoefficients coefficients(final AtomicReference<Cached> last, final int inputSize, final double start,
                                              final double end, final int outputSize) {
        final Cached cached = last.get();
        if (cached != null && cached.matches(inputSize, start, end, outputSize)) {
            return cached.coefficients();
        }
        final Cached computed = Cached.compute(inputSize, start, end, outputSize, interpolation);
        last.set(computed);
        return computed.coefficients();
    }

    /** Coefficients with what they were computed for (they are never modified, so threads may share them). */
    private record Cached(int inputSize, double start, double end, int outputSize, ResampleCoefficients coefficients) {

        static Cached compute(final int inputSize, final double start, final double end, final int outputSize,
                              final Interpolation interpolation) {
            return new Cached(inputSize, start, end, outputSize,
                    ResampleCoefficients.compute(inputSize, start, end, outputSize, interpolation));
        }

        boolean matches(final int otherInput, final double otherStart, final double otherEnd, final int otherOutput) {
            return inputSize == otherInput && outputSize == otherOutput && Double.compare(start, otherStart) == 0
                    && Double.compare(end, otherEnd) == 0;
        }
    }

    /** Resamples the source box {@code [left, right) x [top, bottom)} to {@code outputWidth x outputHeight}. */
    private RgbImage resample(final RgbImage image, final double left, final double top, final double right,
            final double bottom, final int outputWidth, final int outputHeight) {
        if (interpolation == Interpolation.NEAREST) {
            return resampleNearest(image, left, top, right, bottom, outputWidth, outputHeight);
        }
        final int inputWidth = image.getWidth();
        final int inputHeight = image.getHeight();
        final boolean horizontal = outputWidth != inputWidth || left != 0 || right != inputWidth;
        final boolean vertical = outputHeight != inputHeight || top != 0 || bottom != inputHeight;
        if (!horizontal && !vertical) {
            return image.copy();
        }
        if (!vertical) {
            final ResampleCoefficients columns = columns(inputWidth, left, right, outputWidth);
            return new RgbImage(outputWidth, inputHeight,
                    resampleHorizontal(image.getData(), inputWidth, 0, inputHeight, columns, outputWidth));
        }
        final ResampleCoefficients rows = rows(inputHeight, top, bottom, outputHeight);
        if (!horizontal) {
            return new RgbImage(inputWidth, outputHeight,
                    resampleVertical(image.getData(), inputWidth, 0, rows, outputHeight));
        }
        // Resample horizontally only the rows the vertical pass reads, as PIL does.
        final int firstRow = rows.getFirst(0);
        final int lastRow = rows.getFirst(outputHeight - 1) + rows.getCount(outputHeight - 1);
        final ResampleCoefficients columns = columns(inputWidth, left, right, outputWidth);
        if (useNative && NativeImage.isAvailable()) {
            final byte[] output = new byte[Math.multiplyExact(Math.multiplyExact(outputWidth, outputHeight), RgbImage.CHANNELS)];
            if (NativeImage.resample(image.getData(), inputWidth, firstRow, lastRow, columns, outputWidth, rows, outputHeight, output)) {
                return new RgbImage(outputWidth, outputHeight, output);
            }
        }
        final byte[] intermediate = resampleHorizontal(image.getData(), inputWidth, firstRow, lastRow, columns,
                outputWidth);
        return new RgbImage(outputWidth, outputHeight,
                resampleVertical(intermediate, outputWidth, firstRow, rows, outputHeight));
    }

    private static byte[] resampleHorizontal(final byte[] input, final int inputWidth, final int firstRow,
            final int endRow, final ResampleCoefficients columns, final int outputWidth) {
        final int[] weights = columns.getWeights();
        final int stride = columns.getStride();
        final int inputRowBytes = inputWidth * RgbImage.CHANNELS;
        final int outputRowBytes = outputWidth * RgbImage.CHANNELS;
        final byte[] output = new byte[Math.multiplyExact(endRow - firstRow, outputRowBytes)];
        for (int y = firstRow; y < endRow; y++) {
            final int rowStart = y * inputRowBytes;
            int target = (y - firstRow) * outputRowBytes;
            for (int x = 0; x < outputWidth; x++) {
                final int count = columns.getCount(x);
                int weightIndex = x * stride;
                int source = rowStart + columns.getFirst(x) * RgbImage.CHANNELS;
                int red = ResampleCoefficients.HALF;
                int green = ResampleCoefficients.HALF;
                int blue = ResampleCoefficients.HALF;
                for (int tap = 0; tap < count; tap++) {
                    final int weight = weights[weightIndex++];
                    red += (input[source] & 0xFF) * weight;
                    green += (input[source + 1] & 0xFF) * weight;
                    blue += (input[source + 2] & 0xFF) * weight;
                    source += RgbImage.CHANNELS;
                }
                output[target] = (byte) ResampleCoefficients.clip(red);
                output[target + 1] = (byte) ResampleCoefficients.clip(green);
                output[target + 2] = (byte) ResampleCoefficients.clip(blue);
                target += RgbImage.CHANNELS;
            }
        }
        return output;
    }

    /**
     * @param input rows of {@code width} pixels, the first being source row {@code firstRow}
     */
    private static byte[] resampleVertical(final byte[] input, final int width, final int firstRow,
            final ResampleCoefficients rows, final int outputHeight) {
        final int[] weights = rows.getWeights();
        final int stride = rows.getStride();
        final int rowBytes = width * RgbImage.CHANNELS;
        final byte[] output = new byte[Math.multiplyExact(outputHeight, rowBytes)];
        final int[] sums = new int[rowBytes];
        for (int y = 0; y < outputHeight; y++) {
            Arrays.fill(sums, ResampleCoefficients.HALF);
            final int first = rows.getFirst(y) - firstRow;
            final int count = rows.getCount(y);
            for (int tap = 0; tap < count; tap++) {
                final int weight = weights[y * stride + tap];
                final int source = (first + tap) * rowBytes;
                for (int i = 0; i < rowBytes; i++) {
                    sums[i] += (input[source + i] & 0xFF) * weight;
                }
            }
            final int target = y * rowBytes;
            for (int i = 0; i < rowBytes; i++) {
                output[target + i] = (byte) ResampleCoefficients.clip(sums[i]);
            }
        }
        return output;
    }

    private static RgbImage resampleNearest(final RgbImage image, final double left, final double top,
            final double right, final double bottom, final int outputWidth, final int outputHeight) {
        final int[] sourceColumns = nearestIndices(image.getWidth(), left, right, outputWidth);
        final int[] sourceRows = nearestIndices(image.getHeight(), top, bottom, outputHeight);
        final byte[] input = image.getData();
        final int inputRowBytes = image.getWidth() * RgbImage.CHANNELS;
        final byte[] output = new byte[Math.multiplyExact(Math.multiplyExact(outputWidth, outputHeight),
                RgbImage.CHANNELS)];
        int target = 0;
        for (int y = 0; y < outputHeight; y++) {
            final int rowStart = sourceRows[y] * inputRowBytes;
            for (int x = 0; x < outputWidth; x++) {
                final int source = rowStart + sourceColumns[x] * RgbImage.CHANNELS;
                output[target] = input[source];
                output[target + 1] = input[source + 1];
                output[target + 2] = input[source + 2];
                target += RgbImage.CHANNELS;
            }
        }
        return new RgbImage(outputWidth, outputHeight, output);
    }

    /** Source index {@code floor(start + (i + 0.5) * scale)} of each output pixel, clamped to the source. */
    private static int[] nearestIndices(final int inputSize, final double start, final double end,
            final int outputSize) {
        final double scale = (end - start) / outputSize;
        final int[] indices = new int[outputSize];
        for (int i = 0; i < outputSize; i++) {
            final int index = (int) Math.floor(start + (i + 0.5) * scale);
            indices[i] = Math.max(0, Math.min(inputSize - 1, index));
        }
        return indices;
    }

    /** Configures a {@link Resizer}; {@link #setSize(int, int)} is required. */
    public static final class Builder {

        private int width;
        private int height;
        private ResizeMode mode = ResizeMode.STRETCH;
        private Interpolation interpolation = Interpolation.BILINEAR;
        private int fillRed;
        private int fillGreen;
        private int fillBlue;
        private boolean useNative = true;

        private Builder() {
        }

        /**
         * Sets whether a resampling in both directions runs in the native bridge where it is loaded (default true: Linux
         * x86-64, see {@link ImageDecoder#jpegDecoder()}): the same fixed-point arithmetic, so the same bytes, faster.
         */
        public Builder optNative(final boolean useNative) {
            this.useNative = useNative;
            return this;
        }

        /** Sets the output size in pixels. */
        public Builder setSize(final int width, final int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /** Sets how the image is fitted (default {@link ResizeMode#STRETCH}). */
        public Builder optMode(final ResizeMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Sets the resampling filter (default {@link Interpolation#BILINEAR}). */
        public Builder optInterpolation(final Interpolation interpolation) {
            this.interpolation = Objects.requireNonNull(interpolation, "interpolation");
            return this;
        }

        /** Sets the border colour of {@link ResizeMode#PAD}, each channel 0..255 (default black). */
        public Builder optFillColor(final int red, final int green, final int blue) {
            checkChannel(red, "red");
            checkChannel(green, "green");
            checkChannel(blue, "blue");
            this.fillRed = red;
            this.fillGreen = green;
            this.fillBlue = blue;
            return this;
        }

        public Resizer build() {
            if (width < 1 || height < 1) {
                throw new IllegalArgumentException("Target size must be set and positive, got " + width + "x"
                        + height);
            }
            return new Resizer(this);
        }

        private static void checkChannel(final int value, final String name) {
            if (value < 0 || value > 255) {
                throw new IllegalArgumentException("Fill " + name + " must be 0..255, got " + value);
            }
        }
    }
}
