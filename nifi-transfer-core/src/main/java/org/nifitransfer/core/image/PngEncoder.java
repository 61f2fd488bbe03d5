package org.nifitransfer.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * A fast PNG encoder for the pictures the product draws (heatmap galleries, plots): 8-bit RGB, every row with PNG's
 * Up filter, then zlib's Huffman coding alone (no search for repeated strings, which photos seldom have once filtered).
 * ImageIO's writer tries all five filters on every row and compresses harder: on a gallery of photos this encoder is
 * several times faster and its files smaller (docs/performance.md, section 8). The pixels decode the same.
 */
public final class PngEncoder {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int UP = 2;

    private PngEncoder() {
    }

    /** Reads one row of a picture as RGB bytes into {@code row}. */
    @FunctionalInterface
    private interface Rows {
        void read(int y, byte[] row);
    }

    /** The image as PNG bytes. */
    public static byte[] encode(final RgbImage image) {
        final int stride = 3 * image.getWidth();
        return encode(image.getWidth(), image.getHeight(), (y, row) -> System.arraycopy(image.getData(), y * stride, row, 0, stride));
    }

    /** The image as PNG bytes (its alpha, if any, is dropped). */
    public static byte[] encode(final BufferedImage image) {
        final int width = image.getWidth();
        if (image.getType() == BufferedImage.TYPE_INT_RGB && image.getRaster().getDataBuffer() instanceof DataBufferInt ints
                && image.getRaster().getParent() == null) {
            final int[] pixels = ints.getData();
            return encode(width, image.getHeight(), (y, row) -> unpack(pixels, y * width, width, row));
        }
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && image.getRaster().getDataBuffer() instanceof DataBufferByte bytes
                && image.getRaster().getParent() == null) {
            final byte[] bgr = bytes.getData();
            return encode(width, image.getHeight(), (y, row) -> {
                for (int i = 0, from = 3 * y * width; i < 3 * width; i += 3, from += 3) {
                    row[i] = bgr[from + 2];
                    row[i + 1] = bgr[from + 1];
                    row[i + 2] = bgr[from];
                }
            });
        }
        final int[] line = new int[width];
        return encode(width, image.getHeight(), (y, row) -> unpack(image.getRGB(0, y, width, 1, line, 0, width), 0, width, row));
    }

    private static void unpack(final int[] pixels, final int from, final int width, final byte[] row) {
        for (int x = 0, i = 0; x < width; x++, i += 3) {
            final int rgb = pixels[from + x];
            row[i] = (byte) (rgb >> 16);
            row[i + 1] = (byte) (rgb >> 8);
            row[i + 2] = (byte) rgb;
        }
    }

    private static byte[] encode(final int width, final int height, final Rows rows) {
        final ByteArrayOutputStream compressed = new ByteArrayOutputStream(width * height);
        final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        deflater.setStrategy(Deflater.HUFFMAN_ONLY);
        try (DeflaterOutputStream out = new DeflaterOutputStream(compressed, deflater, 1 << 16)) {
            final int stride = 3 * width;
            byte[] previous = new byte[stride];
            byte[] current = new byte[stride];
            final byte[] filtered = new byte[stride + 1];
            filtered[0] = UP;
            for (int y = 0; y < height; y++) {
                rows.read(y, current);
                for (int i = 0; i < stride; i++) {
                    filtered[i + 1] = (byte) (current[i] - previous[i]);
                }
                out.write(filtered);
                final byte[] swap = previous;
                previous = current;
                current = swap;
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not compress a PNG in memory", e);
        } finally {
            deflater.end();
        }
        final ByteArrayOutputStream png = new ByteArrayOutputStream(compressed.size() + 64);
        try (DataOutputStream out = new DataOutputStream(png)) {
            out.write(SIGNATURE);
            final ByteArrayOutputStream header = new ByteArrayOutputStream(13);
            try (DataOutputStream fields = new DataOutputStream(header)) {
                fields.writeInt(width);
                fields.writeInt(height);
                // 8 bits a sample, colour type 2 (RGB), deflate, adaptive filtering, no interlace
                fields.write(new byte[] {8, 2, 0, 0, 0});
            }
            chunk(out, "IHDR", header.toByteArray());
            chunk(out, "IDAT", compressed.toByteArray());
            chunk(out, "IEND", new byte[0]);
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not write a PNG in memory", e);
        }
        return png.toByteArray();
    }

    private static void chunk(final DataOutputStream out, final String type, final byte[] data) throws IOException {
        final byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        final CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }
}
