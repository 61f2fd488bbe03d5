package org.nifitransfer.core.evaluate;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import javax.imageio.ImageIO;

/** Encodes the plots' images as PNG. */
public final class PngImages {

    private PngImages() {
    }

    /** The image as PNG bytes. */
    public static byte[] encode(final BufferedImage image) {
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", output)) {
                throw new IllegalStateException("This Java runtime has no PNG encoder");
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not encode a PNG in memory", e);
        }
        return output.toByteArray();
    }
}
