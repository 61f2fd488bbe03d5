package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;
import java.util.Locale;
import org.nifitransfer.core.image.ChannelPlanes;

/**
 * How 8-bit pixels become the floats a base model expects: {@code out[c] = (pixel[order[c]] - mean[c]) / std[c]},
 * with {@code mean} and {@code std} in 0..255 units and given in the <em>output</em> channel order.
 * Tensor datasets store uint8 pixels plus this preset and normalise when read, so the numbers travel with
 * the data and the model.
 *
 * @param name the preset's name ({@code zero-one}, {@code minus-one-one}, {@code imagenet}, {@code caffe}, {@code custom})
 * @param channelOrder the channel order of the output
 * @param mean per output channel, 0..255 units
 * @param std per output channel, 0..255 units
 */
public record NormalizationPreset(String name, ChannelOrder channelOrder, double[] mean, double[] std) {

    /** {@code x / 255}: values in [0, 1], RGB. */
    public static final NormalizationPreset ZERO_ONE = new NormalizationPreset("zero-one", ChannelOrder.RGB,
            new double[] {0, 0, 0}, new double[] {255, 255, 255});
    /** {@code x / 127.5 - 1}: values in [-1, 1], RGB (MobileNetV2 in the TensorFlow tutorial). */
    public static final NormalizationPreset MINUS_ONE_ONE = new NormalizationPreset("minus-one-one", ChannelOrder.RGB,
            new double[] {127.5, 127.5, 127.5}, new double[] {127.5, 127.5, 127.5});
    /** torchvision: {@code (x / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]}, RGB. */
    public static final NormalizationPreset IMAGENET = custom("imagenet", ChannelOrder.RGB,
            new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
    /** Caffe: BGR, 0..255 minus the mean (B 104, G 117, R 123), no scaling (Keras' VGG16, shared/data's SqueezeNet). */
    public static final NormalizationPreset CAFFE = new NormalizationPreset("caffe", ChannelOrder.BGR,
            new double[] {104, 117, 123}, new double[] {1, 1, 1});

    public NormalizationPreset {
        if (name == null || name.isBlank() || channelOrder == null) {
            throw new IllegalArgumentException("A normalisation preset needs a name and a channel order");
        }
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("A normalisation preset needs three means and three standard deviations");
        }
        for (final double value : std) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("Standard deviations must be positive, got " + Arrays.toString(std));
            }
        }
        for (final double value : mean) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("Means must be finite, got " + Arrays.toString(mean));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * A preset from torchvision-style numbers in 0..1 units (as {@code transforms.Normalize(mean, std)} after
     * {@code ToTensor()}), given in the output channel order.
     */
    public static NormalizationPreset custom(final String name, final ChannelOrder order, final double[] mean01, final double[] std01) {
        if (mean01 == null || std01 == null || mean01.length != 3 || std01.length != 3) {
            throw new IllegalArgumentException("A normalisation preset needs three means and three standard deviations");
        }
        final double[] mean = new double[3];
        final double[] std = new double[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = mean01[c] * 255.0;
            std[c] = std01[c] * 255.0;
        }
        return new NormalizationPreset(name, order, mean, std);
    }

    /** One of the named presets, by name (case-insensitive). */
    public static NormalizationPreset named(final String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "zero-one" -> ZERO_ONE;
            case "minus-one-one" -> MINUS_ONE_ONE;
            case "imagenet" -> IMAGENET;
            case "caffe" -> CAFFE;
            default -> throw new IllegalArgumentException("Unknown normalisation preset '" + name
                    + "': expected zero-one, minus-one-one, imagenet or caffe");
        };
    }

    /** The normalised value of each 0..255 input byte, per output channel: {@code table[c][v]}. */
    @JsonIgnore
    public float[][] lookupTable() {
        final float[][] table = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                table[c][v] = (float) ((v - mean[c]) / std[c]);
            }
        }
        return table;
    }

    /**
     * Normalises {@code count} HWC RGB uint8 images of {@code height x width} into NCHW float32 in this
     * preset's channel order.
     *
     * @param pixels the images, {@code count * height * width * 3} bytes from {@code pixelOffset}
     * @param out receives {@code count * 3 * height * width} floats from {@code outOffset}
     */
    public void normalize(final byte[] pixels, final int pixelOffset, final int count, final int height, final int width,
                          final float[] out, final int outOffset) {
        final float[][] table = lookupTable();
        final int plane = height * width;
        final int[] sourceChannels = {channelOrder.sourceChannel(0), channelOrder.sourceChannel(1), channelOrder.sourceChannel(2)};
        for (int image = 0; image < count; image++) {
            final int target = outOffset + image * plane * 3;
            ChannelPlanes.lookup(table, pixels, pixelOffset + image * plane * 3, plane, sourceChannels, out, target, target + plane,
                    target + 2 * plane);
        }
    }

    /**
     * Normalises like {@link #normalize} but writes NHWC (channels interleaved, in this preset's channel order):
     * the layout of a channels-last tensor, with the same values.
     *
     * @param out receives {@code count * height * width * 3} floats from {@code outOffset}
     */
    public void normalizeInterleaved(final byte[] pixels, final int pixelOffset, final int count, final int height, final int width,
                                     final float[] out, final int outOffset) {
        final float[][] table = lookupTable();
        final float[] first = table[0];
        final float[] second = table[1];
        final float[] third = table[2];
        final int firstSource = channelOrder.sourceChannel(0);
        final int secondSource = channelOrder.sourceChannel(1);
        final int thirdSource = channelOrder.sourceChannel(2);
        final int length = count * height * width * 3;
        for (int i = 0; i < length; i += 3) {
            final int source = pixelOffset + i;
            final int target = outOffset + i;
            out[target] = first[pixels[source + firstSource] & 0xFF];
            out[target + 1] = second[pixels[source + secondSource] & 0xFF];
            out[target + 2] = third[pixels[source + thirdSource] & 0xFF];
        }
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof NormalizationPreset preset && preset.name.equals(name) && preset.channelOrder == channelOrder
                && Arrays.equals(preset.mean, mean) && Arrays.equals(preset.std, std);
    }

    @Override
    public int hashCode() {
        return (31 * name.hashCode() + channelOrder.hashCode()) * 31 + Arrays.hashCode(mean) * 17 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return name + "(" + channelOrder + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + ")";
    }
}
