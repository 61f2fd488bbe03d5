package org.nifitransfer.core.image;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteOrder;
import javax.imageio.stream.ImageInputStream;

/**
 * What the decoder needs from a JPEG's marker segments before the first scan: the frame header's marker (the coding
 * process), size and number of colour components, the Adobe APP14 colour transform (0 = CMYK or RGB, 1 = YCbCr,
 * 2 = YCCK), whether an ICC profile (APP2 {@code ICC_PROFILE}) comes before the frame, and the EXIF orientation (APP1
 * {@code Exif} segment, TIFF IFD0 tag 0x0112, either byte order).
 */
final class JpegHeader {

    /** No Adobe APP14 segment. */
    static final int NO_ADOBE_TRANSFORM = -1;
    static final int ADOBE_TRANSFORM_YCCK = 2;

    private static final int SOI = 0xD8;
    private static final int EOI = 0xD9;
    private static final int SOS = 0xDA;
    private static final int APP1 = 0xE1;
    private static final int APP2 = 0xE2;
    private static final int APP14 = 0xEE;
    private static final int ORIENTATION_TAG = 0x0112;
    private static final int TIFF_SHORT = 3;

    private final int frameMarker;
    private final int width;
    private final int height;
    private final int components;
    private final int adobeTransform;
    private final int orientation;
    private final boolean iccProfile;

    private JpegHeader(final int frameMarker, final int width, final int height, final int components, final int adobeTransform,
                       final int orientation, final boolean iccProfile) {
        this.frameMarker = frameMarker;
        this.width = width;
        this.height = height;
        this.components = components;
        this.adobeTransform = adobeTransform;
        this.orientation = orientation;
        this.iccProfile = iccProfile;
    }

    /** The frame header's marker: 0xC0 baseline, 0xC1 extended sequential, 0xC2 progressive (Huffman); others are rarer processes. */
    int getFrameMarker() {
        return frameMarker;
    }

    /** Whether the frame is Huffman-coded baseline, extended sequential or progressive: the processes libjpeg 6b reads. */
    boolean isHuffmanDct() {
        return frameMarker == 0xC0 || frameMarker == 0xC1 || frameMarker == 0xC2;
    }

    int getWidth() {
        return width;
    }

    int getHeight() {
        return height;
    }

    /** Whether an APP2 ICC profile segment comes before the frame header. */
    boolean hasIccProfile() {
        return iccProfile;
    }

    int getComponents() {
        return components;
    }

    int getAdobeTransform() {
        return adobeTransform;
    }

    /** The EXIF orientation, 1 to 8; 1 when absent or invalid. */
    int getOrientation() {
        return orientation;
    }

    /**
     * Reads the marker segments from the stream's current position up to the first frame header. The stream's
     * byte order is left big-endian.
     *
     * @throws IOException when the segments are malformed or end before a frame header
     */
    static JpegHeader read(final ImageInputStream input) throws IOException {
        input.setByteOrder(ByteOrder.BIG_ENDIAN);
        if (input.read() != 0xFF || input.read() != SOI) {
            throw new IOException("missing start-of-image marker");
        }
        int adobeTransform = NO_ADOBE_TRANSFORM;
        int orientation = 1;
        boolean exifSeen = false;
        boolean iccProfile = false;
        while (true) {
            final int marker = nextMarker(input);
            if (marker == EOI || marker == SOS) {
                throw new IOException("no frame header before " + (marker == EOI ? "end of image" : "first scan"));
            }
            if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD7) {
                continue;
            }
            final int length = input.readUnsignedShort();
            if (length < 2) {
                throw new IOException("invalid segment length " + length);
            }
            final long end = input.getStreamPosition() + length - 2;
            if (isStartOfFrame(marker)) {
                input.skipBytes(1);
                final int frameHeight = input.readUnsignedShort();
                final int frameWidth = input.readUnsignedShort();
                return new JpegHeader(marker, frameWidth, frameHeight, input.readUnsignedByte(), adobeTransform, orientation, iccProfile);
            }
            if (marker == APP1 && length >= 16 && !exifSeen) {
                final byte[] segment = new byte[length - 2];
                input.readFully(segment);
                exifSeen = isExif(segment);
                orientation = parseExifOrientation(segment);
            } else if (marker == APP2 && length >= 16) {
                final byte[] signature = new byte[12];
                input.readFully(signature);
                iccProfile |= new String(signature, 0, 11, java.nio.charset.StandardCharsets.US_ASCII).equals("ICC_PROFILE") && signature[11] == 0;
            } else if (marker == APP14 && length >= 14) {
                final byte[] segment = new byte[length - 2];
                input.readFully(segment);
                if (segment[0] == 'A' && segment[1] == 'd' && segment[2] == 'o' && segment[3] == 'b'
                        && segment[4] == 'e') {
                    adobeTransform = segment[11] & 0xFF;
                }
            }
            input.seek(end);
        }
    }

    private static int nextMarker(final ImageInputStream input) throws IOException {
        int value = input.read();
        while (value != 0xFF) {
            if (value < 0) {
                throw new EOFException("end of file inside the header");
            }
            value = input.read();
        }
        while (value == 0xFF) {
            value = input.read();
        }
        if (value < 0) {
            throw new EOFException("end of file inside the header");
        }
        return value;
    }

    private static boolean isStartOfFrame(final int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    /**
     * The orientation tag of an APP1 payload ({@code "Exif\0\0"} then a TIFF structure), or 1 when the payload is
     * not Exif, has no orientation in IFD0, or is malformed.
     */
    static int parseExifOrientation(final byte[] segment) {
        if (!isExif(segment)) {
            return 1;
        }
        final int tiff = 6;
        final boolean littleEndian;
        if (segment[tiff] == 'I' && segment[tiff + 1] == 'I') {
            littleEndian = true;
        } else if (segment[tiff] == 'M' && segment[tiff + 1] == 'M') {
            littleEndian = false;
        } else {
            return 1;
        }
        if (readUnsignedShort(segment, tiff + 2, littleEndian) != 42) {
            return 1;
        }
        final long ifdOffset = readUnsignedInt(segment, tiff + 4, littleEndian);
        final long ifd = tiff + ifdOffset;
        if (ifdOffset < 8 || ifd + 2 > segment.length) {
            return 1;
        }
        final int entries = readUnsignedShort(segment, (int) ifd, littleEndian);
        for (int i = 0; i < entries; i++) {
            final int entry = (int) ifd + 2 + i * 12;
            if (entry + 12 > segment.length) {
                return 1;
            }
            if (readUnsignedShort(segment, entry, littleEndian) == ORIENTATION_TAG) {
                if (readUnsignedShort(segment, entry + 2, littleEndian) != TIFF_SHORT) {
                    return 1;
                }
                final int value = readUnsignedShort(segment, entry + 8, littleEndian);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    private static boolean isExif(final byte[] segment) {
        return segment.length >= 14 && segment[0] == 'E' && segment[1] == 'x' && segment[2] == 'i'
                && segment[3] == 'f' && segment[4] == 0 && segment[5] == 0;
    }

    private static int readUnsignedShort(final byte[] bytes, final int offset, final boolean littleEndian) {
        final int first = bytes[offset] & 0xFF;
        final int second = bytes[offset + 1] & 0xFF;
        return littleEndian ? second << 8 | first : first << 8 | second;
    }

    private static long readUnsignedInt(final byte[] bytes, final int offset, final boolean littleEndian) {
        final long high = readUnsignedShort(bytes, littleEndian ? offset + 2 : offset, littleEndian);
        final long low = readUnsignedShort(bytes, littleEndian ? offset : offset + 2, littleEndian);
        return high << 16 | low;
    }
}
