package org.nifitransfer.core.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifitransfer.core.image.RgbImage;

/** A solid (R 200, G 100, B 50) image under each preset: exact numbers in the expected channel order. */
class NormalizationPresetTest {

    private static final RgbImage SOLID = RgbImage.solid(2, 3, 200, 100, 50);

    private static float[] channelValues(final NormalizationPreset preset) {
        final float[] out = new float[2 * 3 * 3];
        preset.normalize(SOLID.getData(), 0, 1, 3, 2, out, 0);
        final int plane = 6;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                assertEquals(out[c * plane], out[c * plane + i], "channel " + c + " is not constant");
            }
        }
        return new float[] {out[0], out[plane], out[2 * plane]};
    }

    @Test
    void zeroOne() {
        assertArrayEquals(new float[] {200 / 255f, 100 / 255f, 50 / 255f}, channelValues(NormalizationPreset.ZERO_ONE), 1e-6f);
    }

    @Test
    void minusOneOne() {
        assertArrayEquals(new float[] {200 / 127.5f - 1, 100 / 127.5f - 1, 50 / 127.5f - 1},
                channelValues(NormalizationPreset.MINUS_ONE_ONE), 1e-6f);
    }

    @Test
    void imagenetIsRgbWithTorchvisionNumbers() {
        assertArrayEquals(new float[] {(200 / 255f - 0.485f) / 0.229f, (100 / 255f - 0.456f) / 0.224f, (50 / 255f - 0.406f) / 0.225f},
                channelValues(NormalizationPreset.IMAGENET), 1e-5f);
    }

    @Test
    void caffeIsBgrMinusMean() {
        assertArrayEquals(new float[] {50 - 104, 100 - 117, 200 - 123}, channelValues(NormalizationPreset.CAFFE), 0f);
    }

    @Test
    void customTakesTorchvisionUnitsAndChannelOrder() {
        final NormalizationPreset custom = NormalizationPreset.custom("custom", ChannelOrder.BGR,
                new double[] {0.5, 0.5, 0.5}, new double[] {0.25, 0.5, 1.0});
        assertArrayEquals(new float[] {(50 - 127.5f) / 63.75f, (100 - 127.5f) / 127.5f, (200 - 127.5f) / 255f},
                channelValues(custom), 1e-5f);
    }

    @Test
    void normalizesSeveralImagesBetweenOffsetsPixelByPixel() {
        final int count = 2;
        final int height = 3;
        final int width = 5;
        final int plane = height * width;
        final byte[] pixels = new byte[7 + count * plane * 3];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 37 + 11);
        }
        for (final NormalizationPreset preset : List.of(NormalizationPreset.IMAGENET, NormalizationPreset.CAFFE)) {
            final float[][] table = preset.lookupTable();
            final float[] out = new float[4 + count * plane * 3 + 3];
            preset.normalize(pixels, 7, count, height, width, out, 4);
            for (int image = 0; image < count; image++) {
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < plane; i++) {
                        final int source = 7 + (image * plane + i) * 3 + preset.channelOrder().sourceChannel(c);
                        assertEquals(table[c][pixels[source] & 0xFF], out[4 + (image * 3 + c) * plane + i], 0f,
                                preset.name() + " image " + image + " channel " + c + " pixel " + i);
                    }
                }
            }
            assertEquals(0f, out[3], 0f, "before outOffset");
            assertEquals(0f, out[out.length - 1], 0f, "after the last image");
        }
    }

    @Test
    void interleavedHoldsTheSameValuesInNhwcOrder() {
        final java.util.Random random = new java.util.Random(3);
        final byte[] pixels = new byte[5 + 2 * 4 * 3 * 3];
        random.nextBytes(pixels);
        for (final NormalizationPreset preset : new NormalizationPreset[] {NormalizationPreset.IMAGENET, NormalizationPreset.CAFFE}) {
            final float[] planar = new float[1 + 2 * 3 * 4 * 3];
            final float[] interleaved = new float[1 + 2 * 3 * 4 * 3];
            preset.normalize(pixels, 5, 2, 4, 3, planar, 1);
            preset.normalizeInterleaved(pixels, 5, 2, 4, 3, interleaved, 1);
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < 12; i++) {
                        assertEquals(planar[1 + (n * 3 + c) * 12 + i], interleaved[1 + (n * 12 + i) * 3 + c], 0f,
                                preset.name() + " image " + n + " channel " + c + " pixel " + i);
                    }
                }
            }
        }
    }

    @Test
    void rejectsZeroStandardDeviation() {
        assertThrows(IllegalArgumentException.class, () -> new NormalizationPreset("bad", ChannelOrder.RGB,
                new double[] {0, 0, 0}, new double[] {1, 0, 1}));
        assertEquals(NormalizationPreset.CAFFE, NormalizationPreset.named("CAFFE"));
    }
}
