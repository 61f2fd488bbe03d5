package org.nifitransfer.core.dataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy's {@code .npy} format (version 1.0, C order), the array format every dataset
 * shard uses, so that {@code numpy.load} opens what the processors write.
 */
public final class Npy {

    /** uint8 */
    public static final String UINT8 = "|u1";
    /** little-endian int32 */
    public static final String INT32 = "<i4";
    /** little-endian float32 */
    public static final String FLOAT32 = "<f4";

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** The header of an array: dtype descriptor and shape. */
    public record Header(String descr, long[] shape) {

        /** The number of elements. */
        public long elementCount() {
            long count = 1;
            for (final long dimension : shape) {
                count = Math.multiplyExact(count, dimension);
            }
            return count;
        }

        /** Bytes per element of the dtype. */
        public int elementSize() {
            return Integer.parseInt(descr.substring(2));
        }

        /** The size of the data that follows the header. */
        public long dataLength() {
            return Math.multiplyExact(elementCount(), elementSize());
        }

        @Override
        public boolean equals(final Object other) {
            return other instanceof Header header && header.descr.equals(descr) && Arrays.equals(header.shape, shape);
        }

        @Override
        public int hashCode() {
            return 31 * descr.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return descr + Arrays.toString(shape);
        }
    }

    /** The bytes of a version 1.0 header for {@code descr} and {@code shape}, padded to 64 bytes. */
    public static byte[] header(final String descr, final long... shape) {
        final StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                dims.append(',');
            }
            if (i < shape.length - 1) {
                dims.append(' ');
            }
        }
        final String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        final int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        final int padding = (64 - unpadded % 64) % 64;
        final String text = dict + " ".repeat(padding) + "\n";
        final ByteBuffer buffer = ByteBuffer.allocate(MAGIC.length + 4 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length());
        buffer.put(text.getBytes(StandardCharsets.US_ASCII));
        return buffer.array();
    }

    /** The total size of an array file: header plus data. */
    public static long fileLength(final String descr, final long... shape) {
        return header(descr, shape).length + new Header(descr, shape).dataLength();
    }

    /** Writes a uint8 array. */
    public static void writeUint8(final OutputStream out, final byte[] data, final int length, final long... shape) throws IOException {
        checkLength(new Header(UINT8, shape), length);
        out.write(header(UINT8, shape));
        out.write(data, 0, length);
    }

    /** Writes an int32 array. */
    public static void writeInt32(final OutputStream out, final int[] data, final int length, final long... shape) throws IOException {
        checkLength(new Header(INT32, shape), (long) length * Integer.BYTES);
        out.write(header(INT32, shape));
        final ByteBuffer buffer = ByteBuffer.allocate(length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asIntBuffer().put(data, 0, length);
        out.write(buffer.array());
    }

    /** Writes a float32 array. */
    public static void writeFloat32(final OutputStream out, final float[] data, final int length, final long... shape) throws IOException {
        checkLength(new Header(FLOAT32, shape), (long) length * Float.BYTES);
        out.write(header(FLOAT32, shape));
        final ByteBuffer buffer = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(data, 0, length);
        out.write(buffer.array());
    }

    /** Reads and parses a header, leaving the stream at the first data byte. */
    public static Header readHeader(final InputStream in) throws IOException {
        final byte[] magic = in.readNBytes(MAGIC.length + 2);
        if (magic.length < MAGIC.length + 2 || !Arrays.equals(Arrays.copyOf(magic, MAGIC.length), MAGIC)) {
            throw new DatasetFormatException("not a .npy array (bad magic bytes)");
        }
        final int major = magic[MAGIC.length];
        final int headerLength;
        if (major == 1) {
            final byte[] length = in.readNBytes(2);
            headerLength = (length[0] & 0xFF) | (length[1] & 0xFF) << 8;
        } else if (major == 2 || major == 3) {
            final byte[] length = in.readNBytes(4);
            headerLength = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            throw new DatasetFormatException("unsupported .npy version " + major);
        }
        final String text = new String(in.readNBytes(headerLength), StandardCharsets.ISO_8859_1);
        final Matcher descr = DESCR.matcher(text);
        final Matcher fortran = FORTRAN.matcher(text);
        final Matcher shape = SHAPE.matcher(text);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new DatasetFormatException("malformed .npy header: " + text.strip());
        }
        if ("True".equals(fortran.group(1))) {
            throw new DatasetFormatException(".npy arrays in Fortran order are not supported");
        }
        final List<Long> dimensions = new ArrayList<>();
        for (final String dimension : shape.group(1).split(",")) {
            if (!dimension.isBlank()) {
                dimensions.add(Long.parseLong(dimension.strip()));
            }
        }
        return new Header(descr.group(1), dimensions.stream().mapToLong(Long::longValue).toArray());
    }

    /** Reads a whole uint8 array, checking its dtype. */
    public static byte[] readUint8(final InputStream in, final Header header) throws IOException {
        expect(header, UINT8);
        return readData(in, header);
    }

    /** Reads a whole int32 array, checking its dtype. */
    public static int[] readInt32(final InputStream in, final Header header) throws IOException {
        expect(header, INT32);
        final int[] values = new int[Math.toIntExact(header.elementCount())];
        ByteBuffer.wrap(readData(in, header)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
        return values;
    }

    /** Reads a whole float32 array, checking its dtype. */
    public static float[] readFloat32(final InputStream in, final Header header) throws IOException {
        expect(header, FLOAT32);
        final float[] values = new float[Math.toIntExact(header.elementCount())];
        ByteBuffer.wrap(readData(in, header)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** An int32 array as a complete in-memory {@code .npy} file. */
    public static byte[] int32File(final int[] data, final int length) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeInt32(out, data, length, length);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static byte[] readData(final InputStream in, final Header header) throws IOException {
        final byte[] data = in.readNBytes(Math.toIntExact(header.dataLength()));
        if (data.length != header.dataLength()) {
            throw new DatasetFormatException("truncated .npy array: expected " + header.dataLength() + " bytes, got " + data.length);
        }
        return data;
    }

    private static void expect(final Header header, final String descr) {
        if (!header.descr().equals(descr)) {
            throw new DatasetFormatException("expected a .npy array of " + descr + ", got " + header.descr());
        }
    }

    private static void checkLength(final Header header, final long length) {
        if (header.dataLength() != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(header.shape()) + " needs "
                    + header.dataLength() + " bytes, got " + length);
        }
    }
}
