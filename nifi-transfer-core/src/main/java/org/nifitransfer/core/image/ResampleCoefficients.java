package org.nifitransfer.core.image;

/**
 * Precomputed weights of a one-dimensional resampling, as PIL's {@code precompute_coeffs}: output pixel
 * {@code i} is the sum over {@code j < getCount(i)} of source pixel {@code getFirst(i) + j} times
 * {@code getWeight(i, j)}, weights being fixed point with {@link #PRECISION_BITS} fractional bits.
 */
final class ResampleCoefficients {

    /** PIL's precision for 8-bit images: 32 bits less 8 for the sample and 2 for the sign and overshoot. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    static final int HALF = 1 << (PRECISION_BITS - 1);

    private final int[] first;
    private final int[] count;
    private final int[] weights;
    private final int stride;

    private ResampleCoefficients(final int[] first, final int[] count, final int[] weights, final int stride) {
        this.first = first;
        this.count = count;
        this.weights = weights;
        this.stride = stride;
    }

    /**
     * @param inputSize the source length in pixels
     * @param boxStart the start of the source interval mapped onto the output, in pixels
     * @param boxEnd the end of that interval
     * @param outputSize the output length in pixels
     * @param interpolation any filter but {@link Interpolation#NEAREST}
     */
    static ResampleCoefficients compute(final int inputSize, final double boxStart, final double boxEnd,
            final int outputSize, final Interpolation interpolation) {
        final double scale = (boxEnd - boxStart) / outputSize;
        final double filterScale = Math.max(scale, 1.0);
        final double support = interpolation.getSupport() * filterScale;
        final int stride = (int) Math.ceil(support) * 2 + 1;
        final int[] first = new int[outputSize];
        final int[] count = new int[outputSize];
        final int[] weights = new int[outputSize * stride];
        final double[] row = new double[stride];
        final double inverseScale = 1.0 / filterScale;
        for (int out = 0; out < outputSize; out++) {
            final double center = boxStart + (out + 0.5) * scale;
            final int minimum = Math.max((int) (center - support + 0.5), 0);
            final int taps = Math.min(Math.min((int) (center + support + 0.5), inputSize) - minimum, stride);
            double total = 0;
            for (int tap = 0; tap < taps; tap++) {
                final double weight = interpolation.weight((tap + minimum - center + 0.5) * inverseScale);
                row[tap] = weight;
                total += weight;
            }
            for (int tap = 0; tap < taps; tap++) {
                final double normalised = total != 0 ? row[tap] / total : row[tap];
                final double fixed = normalised * (1 << PRECISION_BITS);
                weights[out * stride + tap] = (int) (normalised < 0 ? fixed - 0.5 : fixed + 0.5);
            }
            first[out] = minimum;
            count[out] = Math.max(taps, 0);
        }
        return new ResampleCoefficients(first, count, weights, stride);
    }

    /** Each output pixel's first source pixel. */
    int[] getFirsts() {
        return first;
    }

    /** Each output pixel's number of taps. */
    int[] getCounts() {
        return count;
    }

    int getFirst(final int output) {
        return first[output];
    }

    int getCount(final int output) {
        return count[output];
    }

    int[] getWeights() {
        return weights;
    }

    /** The distance between the weights of consecutive output pixels in {@link #getWeights()}. */
    int getStride() {
        return stride;
    }

    /** The fixed-point sum shifted back to 0..255. */
    static int clip(final int sum) {
        final int value = sum >> PRECISION_BITS;
        return value < 0 ? 0 : Math.min(value, 255);
    }
}
