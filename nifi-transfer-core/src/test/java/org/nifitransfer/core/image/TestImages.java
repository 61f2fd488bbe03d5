package org.nifitransfer.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Builds test images as encoded bytes with the JDK's ImageIO writers, and patches JPEG markers into them. */
final class TestImages {

    private TestImages() {
    }

    static byte[] encode(final BufferedImage image, final String format) {
        try {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if (!ImageIO.write(image, format, bytes)) {
                throw new IllegalStateException("No " + format + " writer for " + image);
            }
            return bytes.toByteArray();
        } catch (final IOException exception) {
            throw new UncheckedIOException(exception);
        }
    }

    /** A JPEG of a raster written without colour conversion (the bands are stored as they are). */
    static byte[] encodeJpegRaster(final Raster raster) {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
                writer.setOutput(output);
                writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
            }
            return bytes.toByteArray();
        } catch (final IOException exception) {
            throw new UncheckedIOException(exception);
        } finally {
            writer.dispose();
        }
    }

    static BufferedImage solid(final int width, final int height, final int type, final int rgb) {
        final BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    /** Inserts a marker segment (marker, length, payload) right after the SOI marker of a JPEG. */
    static byte[] insertSegment(final byte[] jpeg, final int marker, final byte[] payload) {
        final int length = payload.length + 2;
        final byte[] out = new byte[jpeg.length + payload.length + 4];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) marker;
        out[4] = (byte) (length >> 8);
        out[5] = (byte) length;
        System.arraycopy(payload, 0, out, 6, payload.length);
        System.arraycopy(jpeg, 2, out, 6 + payload.length, jpeg.length - 2);
        return out;
    }

    /** An Adobe APP14 payload with the given colour transform (0 CMYK, 1 YCbCr, 2 YCCK). */
    static byte[] adobePayload(final int transform) {
        return new byte[] {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
    }

    /** An APP1 Exif payload whose IFD0 holds the orientation tag (and one other tag before it). */
    static byte[] exifPayload(final int orientation, final ByteOrder order) {
        final ByteBuffer buffer = ByteBuffer.allocate(6 + 8 + 2 + 2 * 12 + 4).order(order);
        buffer.put("Exif".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) 0);
        buffer.put(order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M');
        buffer.put(order == ByteOrder.LITTLE_ENDIAN ? (byte) 'I' : (byte) 'M');
        buffer.putShort((short) 42).putInt(8);
        buffer.putShort((short) 2);
        // 0x010F Make, ASCII, 4 bytes inline: "Abc\0"
        buffer.putShort((short) 0x010F).putShort((short) 2).putInt(4).put(new byte[] {'A', 'b', 'c', 0});
        // 0x0112 Orientation, SHORT, 1 value, left-justified in the 4-byte field
        buffer.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        buffer.putInt(0);
        return buffer.array();
    }

    /** A PNG holding only a signature and an IHDR chunk claiming the given size (no pixel data). */
    static byte[] pngHeaderOnly(final int width, final int height) {
        final ByteBuffer chunk = ByteBuffer.allocate(4 + 13);
        chunk.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        final CRC32 crc = new CRC32();
        crc.update(chunk.array());
        final ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}).putInt(13).put(chunk.array())
                .putInt((int) crc.getValue());
        return png.array();
    }

    /** Rewrites the dimensions in a JPEG's SOF0 frame header. */
    static byte[] patchJpegSize(final byte[] jpeg, final int width, final int height) {
        final byte[] out = jpeg.clone();
        for (int i = 2; i + 9 < out.length; i++) {
            if ((out[i] & 0xFF) == 0xFF && (out[i + 1] & 0xFF) == 0xC0) {
                out[i + 5] = (byte) (height >> 8);
                out[i + 6] = (byte) height;
                out[i + 7] = (byte) (width >> 8);
                out[i + 8] = (byte) width;
                return out;
            }
        }
        throw new IllegalArgumentException("No SOF0 marker");
    }
}
