package org.nifitransfer.processors;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** Real image files made on the fly for tests. */
final class TestImages {

    private TestImages() {
    }

    /** A solid-colour image encoded in {@code format} (png, jpg, bmp, gif). */
    static byte[] solid(final String format, final int width, final int height, final Color color) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        graphics.setColor(color);
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return encode(image, format);
    }

    /** A grayscale PNG of one grey level. */
    static byte[] grayPng(final int width, final int height, final int level) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        final byte[] pixels = ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData();
        Arrays.fill(pixels, (byte) level);
        return encode(image, "png");
    }

    /**
     * An image of one of two learnable kinds: class 0 has horizontal stripes, class 1 vertical stripes, in a
     * colour varied by {@code index}.
     */
    static byte[] stripes(final int label, final int index, final int width, final int height, final String format) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        graphics.setColor(new Color(30 + index * 37 % 200, 60 + index * 53 % 180, 90 + index * 71 % 160));
        graphics.fillRect(0, 0, width, height);
        graphics.setColor(Color.WHITE);
        final int stripe = Math.max(2, Math.min(width, height) / 8);
        for (int offset = index % stripe; offset < Math.max(width, height); offset += 2 * stripe) {
            if (label == 0) {
                graphics.fillRect(0, offset, width, stripe);
            } else {
                graphics.fillRect(offset, 0, stripe, height);
            }
        }
        graphics.dispose();
        return encode(image, format);
    }

    /** The first half of a JPEG: a truncated, corrupt file. */
    static byte[] truncatedJpeg() {
        final byte[] jpeg = stripes(0, 3, 64, 64, "jpg");
        return Arrays.copyOf(jpeg, jpeg.length / 2);
    }

    static Path write(final Path file, final byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, content);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encode(final BufferedImage image, final String format) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("No writer for " + format);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes a split-folder tree of striped images: {@code split/class/name.png}. */
    static void stripedFolder(final Path root, final String[] splits, final int[] perClass, final int size) {
        for (int s = 0; s < splits.length; s++) {
            for (int label = 0; label < 2; label++) {
                for (int i = 0; i < perClass[s]; i++) {
                    write(root.resolve(splits[s]).resolve(label == 0 ? "horizontal" : "vertical").resolve("img" + i + ".png"),
                            stripes(label, i, size, size, "png"));
                }
            }
        }
    }
}
