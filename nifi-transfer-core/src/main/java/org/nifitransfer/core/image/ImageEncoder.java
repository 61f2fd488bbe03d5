package org.nifitransfer.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/** Hands {@link RgbImage}s to Java 2D (for drawing on them); {@link PngEncoder} writes them as files. */
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
}
