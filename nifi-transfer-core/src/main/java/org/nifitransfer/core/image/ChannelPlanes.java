package org.nifitransfer.core.image;

import java.util.Objects;

/**
 * Interleaved 8-bit pixels (HWC) looked up through one 256-entry table per output channel into three planes (CHW):
 * what normalisation does to every image before a model reads it. The loop runs in the native bridge where it is
 * loaded (about 45 µs for 224 x 224 against 90 µs for the JIT's loop) and in Java otherwise; the same floats either way.
 */
public final class ChannelPlanes {

    private ChannelPlanes() {
    }

    /**
     * For every pixel {@code i < plane}: {@code out[first + i] = tables[0][pixels[source + 3i + sourceChannels[0]]]}, and
     * likewise into {@code second} and {@code third} with the other two tables and source channels.
     *
     * @param tables three tables of 256 floats, one per output channel
     * @param sourceChannels for each output channel, which of the three interleaved bytes it reads (0, 1 or 2)
     */
    public static void lookup(final float[][] tables, final byte[] pixels, final int source, final int plane,
                              final int[] sourceChannels, final float[] out, final int first, final int second, final int third) {
        if (tables.length != 3 || sourceChannels.length != 3) {
            throw new IllegalArgumentException("Three tables and three source channels are needed");
        }
        for (int channel = 0; channel < 3; channel++) {
            if (tables[channel].length != 256 || sourceChannels[channel] < 0 || sourceChannels[channel] > 2) {
                throw new IllegalArgumentException("A table holds 256 values and a source channel is 0, 1 or 2");
            }
        }
        Objects.checkFromIndexSize(source, Math.multiplyExact(plane, 3), pixels.length);
        Objects.checkFromIndexSize(first, plane, out.length);
        Objects.checkFromIndexSize(second, plane, out.length);
        Objects.checkFromIndexSize(third, plane, out.length);
        if (NativeImage.isAvailable()) {
            NativeImage.lookupPlanes(pixels, source, plane, tables[0], tables[1], tables[2], sourceChannels[0], sourceChannels[1],
                    sourceChannels[2], out, first, second, third);
        } else {
            lookupInJava(tables, pixels, source, plane, sourceChannels, out, first, second, third);
        }
    }

    /** The Java loop of {@link #lookup} (its arguments already checked), which tests compare with the native one. */
    static void lookupInJava(final float[][] tables, final byte[] pixels, final int source, final int plane,
                             final int[] sourceChannels, final float[] out, final int first, final int second, final int third) {
        final float[] firstTable = tables[0];
        final float[] secondTable = tables[1];
        final float[] thirdTable = tables[2];
        final int firstSource = source + sourceChannels[0];
        final int secondSource = source + sourceChannels[1];
        final int thirdSource = source + sourceChannels[2];
        for (int i = 0, pixel = 0; i < plane; i++, pixel += 3) {
            out[first + i] = firstTable[pixels[firstSource + pixel] & 0xFF];
            out[second + i] = secondTable[pixels[secondSource + pixel] & 0xFF];
            out[third + i] = thirdTable[pixels[thirdSource + pixel] & 0xFF];
        }
    }
}
