package org.nifitransfer.core.dataset;

import java.util.List;
import org.nifitransfer.core.image.RgbImage;

/**
 * One shard of a tensor dataset: {@code count} images of {@code height x width} as NHWC uint8 RGB, their
 * labels and source file names.
 *
 * @param count the number of images
 * @param height image height
 * @param width image width
 * @param pixels {@code count * height * width * 3} bytes
 * @param labels {@code count} class indices
 * @param files {@code count} source names ({@code class/relative path})
 */
public record TensorShard(int count, int height, int width, byte[] pixels, int[] labels, List<String> files) {

    /** The bytes of one image. */
    public int imageBytes() {
        return height * width * RgbImage.CHANNELS;
    }

    /** A copy of image {@code index}. */
    public RgbImage image(final int index) {
        final byte[] data = new byte[imageBytes()];
        System.arraycopy(pixels, index * imageBytes(), data, 0, data.length);
        return new RgbImage(width, height, data);
    }

    /** All images as NCHW float32, normalised by {@code preset}. */
    public float[] normalized(final NormalizationPreset preset) {
        final float[] out = new float[count * imageBytes()];
        preset.normalize(pixels, 0, count, height, width, out, 0);
        return out;
    }
}
