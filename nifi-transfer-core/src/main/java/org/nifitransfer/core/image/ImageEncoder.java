package org.nifitransfer.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Encodes {@link RgbImage}s as files. */
public final class ImageEncoder {

    private ImageEncoder() {
    }

    /** The image as a {@link BufferedImage} of type {@code TYPE_3BYTE_BGR}. */
    public static BufferedImage toBufferedImage(final RgbImage image) {
        final BufferedImage buffered = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        final byte[] target = ((DataBufferByte) buffered.getRaster().getDataBuffer()).getData();
        final byte[] source = image.getData();
        for (int i = 0; i < source.length; i += 3) {
            target[i] = source[i + 2];
            target[i + 1] = source[i + 1];
            target[i + 2] = source[i];
        }
        return buffered;
    }

    /** The image as a PNG file (lossless). */
    public static byte[] png(final RgbImage image) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(toBufferedImage(image), "png", out)) {
                throw new IllegalStateException("No PNG writer available");
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
