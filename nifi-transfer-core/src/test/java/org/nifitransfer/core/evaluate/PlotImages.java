package org.nifitransfer.core.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import javax.imageio.ImageIO;

/** Checks on rendered plots. */
final class PlotImages {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PlotImages() {
    }

    /** Decodes PNG bytes, failing when they are no PNG or show one flat colour. */
    static BufferedImage decodeRichPng(final byte[] png) {
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length), "not a PNG signature");
        final BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(png));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        assertNotNull(image, "ImageIO could not decode the PNG");
        final Set<Integer> colors = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colors.add(image.getRGB(x, y) & 0xffffff);
            }
        }
        assertTrue(colors.size() > 10, "the image has only " + colors.size() + " colours");
        return image;
    }

    /** Whether a pixel is within a small distance of a colour in every channel. */
    static boolean isNear(final int rgb, final Color color, final int tolerance) {
        return Math.abs(((rgb >> 16) & 0xff) - color.getRed()) <= tolerance
                && Math.abs(((rgb >> 8) & 0xff) - color.getGreen()) <= tolerance
                && Math.abs((rgb & 0xff) - color.getBlue()) <= tolerance;
    }
}
