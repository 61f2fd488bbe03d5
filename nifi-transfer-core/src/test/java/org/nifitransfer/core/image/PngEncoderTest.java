package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** PNGs that any decoder reads back to the same pixels, from every kind of picture the product draws. */
class PngEncoderTest {

    private static RgbImage noise(final int width, final int height, final long seed) {
        final byte[] data = new byte[3 * width * height];
        new Random(seed).nextBytes(data);
        return new RgbImage(width, height, data);
    }

    @Test
    void anRgbImageReadsBackPixelForPixel() throws Exception {
        for (final int[] size : new int[][] {{1, 1}, {7, 3}, {64, 48}, {333, 2}}) {
            final RgbImage image = noise(size[0], size[1], size[0] * 31L + size[1]);
            final BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(PngEncoder.encode(image)));
            assertEquals(size[0], decoded.getWidth());
            assertEquals(size[1], decoded.getHeight());
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    final int rgb = decoded.getRGB(x, y) & 0xFFFFFF;
                    assertEquals(image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2), rgb, "pixel " + x + "," + y);
                }
            }
        }
    }

    @Test
    void everyKindOfBufferedImageReadsBackWithTheSameColours() throws Exception {
        final RgbImage image = noise(50, 40, 5);
        final BufferedImage bgr = ImageEncoder.toBufferedImage(image);
        for (final int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_ARGB,
                BufferedImage.TYPE_USHORT_565_RGB}) {
            final BufferedImage picture = new BufferedImage(50, 40, type);
            picture.getGraphics().drawImage(bgr, 0, 0, null);
            final BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(PngEncoder.encode(picture)));
            final int[] expected = picture.getRGB(0, 0, 50, 40, null, 0, 50);
            final int[] actual = decoded.getRGB(0, 0, 50, 40, null, 0, 50);
            for (int i = 0; i < expected.length; i++) {
                expected[i] &= 0xFFFFFF;
                actual[i] &= 0xFFFFFF;
            }
            assertArrayEquals(expected, actual, "type " + type);
        }
        // a picture inside a larger one (a sub-image) is read through its own coordinates
        final BufferedImage whole = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        whole.getGraphics().drawImage(bgr, 0, 0, null);
        final BufferedImage part = whole.getSubimage(10, 5, 20, 30);
        final BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(PngEncoder.encode(part)));
        assertEquals(part.getRGB(3, 4) & 0xFFFFFF, decoded.getRGB(3, 4) & 0xFFFFFF);
        assertEquals(20, decoded.getWidth());
    }
}
