package org.nifitransfer.core.image;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The image formats {@link ImageDecoder} reads, recognised by their magic bytes. */
public enum ImageFormat {
    JPEG("JPEG", "jpeg", List.of("jpg", "jpeg", "jpe", "jfif")),
    PNG("PNG", "png", List.of("png")),
    BMP("BMP", "bmp", List.of("bmp", "dib")),
    GIF("GIF", "gif", List.of("gif"));

    /** How many leading bytes {@link #sniff(byte[], int)} and {@link #describeContent(byte[], int)} look at. */
    public static final int HEADER_LENGTH = 512;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private final String displayName;
    private final String imageIoName;
    private final List<String> extensions;

    ImageFormat(final String displayName, final String imageIoName, final List<String> extensions) {
        this.displayName = displayName;
        this.imageIoName = imageIoName;
        this.extensions = extensions;
    }

    /** The name used in messages, e.g. {@code JPEG}. */
    public String getDisplayName() {
        return displayName;
    }

    /** The lower-case file name extensions of the format, without dots. */
    public List<String> getExtensions() {
        return extensions;
    }

    String getImageIoName() {
        return imageIoName;
    }

    /**
     * The format of some content, from its magic bytes.
     *
     * @param header the first bytes of the content ({@link #HEADER_LENGTH} are plenty)
     * @param length how many bytes of {@code header} are valid
     * @return the format, or empty when the content is none of the supported formats
     */
    public static Optional<ImageFormat> sniff(final byte[] header, final int length) {
        if (startsWith(header, length, (byte) 0xFF, (byte) 0xD8, (byte) 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(header, length, PNG_SIGNATURE)) {
            return Optional.of(PNG);
        }
        if (startsWithText(header, length, "GIF87a") || startsWithText(header, length, "GIF89a")) {
            return Optional.of(GIF);
        }
        if (length >= 18 && header[0] == 'B' && header[1] == 'M' && isBmpInfoHeaderSize(littleEndianInt(header, 14))) {
            return Optional.of(BMP);
        }
        return Optional.empty();
    }

    /**
     * The format a file name claims by its extension.
     *
     * @param fileName a file name or path, may be {@code null}
     * @return the format, or empty when the name has no known image extension
     */
    public static Optional<ImageFormat> fromFileName(final String fileName) {
        if (fileName == null) {
            return Optional.empty();
        }
        final int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return Optional.empty();
        }
        final String extension = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        for (final ImageFormat format : values()) {
            if (format.extensions.contains(extension)) {
                return Optional.of(format);
            }
        }
        return Optional.empty();
    }

    /**
     * A few words saying what some content that is not a supported image is, for messages: "text", "HTML",
     * "PDF", "a ZIP archive", "a WebP image", ... or "unrecognised binary data (starts with 00 01 02 03)".
     */
    static String describeContent(final byte[] header, final int length) {
        if (startsWithText(header, length, "%PDF")) {
            return "PDF";
        }
        if (startsWith(header, length, (byte) 'P', (byte) 'K', (byte) 3, (byte) 4)) {
            return "a ZIP archive";
        }
        if (startsWith(header, length, (byte) 0x1F, (byte) 0x8B)) {
            return "gzip data";
        }
        if (startsWithText(header, length, "II*\0") || startsWithText(header, length, "MM\0*")) {
            return "a TIFF image, which is not supported";
        }
        if (length >= 12 && startsWithText(header, length, "RIFF") && regionEquals(header, 8, "WEBP")) {
            return "a WebP image, which is not supported";
        }
        if (length >= 12 && regionEquals(header, 4, "ftyp")) {
            final String brand = new String(header, 8, 4, StandardCharsets.ISO_8859_1);
            if (brand.startsWith("hei") || brand.startsWith("mif") || brand.startsWith("hev")) {
                return "a HEIF/HEIC image, which is not supported";
            }
            if (brand.startsWith("avi")) {
                return "an AVIF image, which is not supported";
            }
            return "an ISO media file (" + brand.trim() + ")";
        }
        if (startsWith(header, length, (byte) 0, (byte) 0, (byte) 1, (byte) 0)) {
            return "an ICO icon, which is not supported";
        }
        if (isText(header, length)) {
            final String start = new String(header, 0, Math.min(length, 64), StandardCharsets.ISO_8859_1)
                    .stripLeading().toLowerCase(Locale.ROOT);
            if (start.startsWith("<!doctype html") || start.startsWith("<html")) {
                return "HTML";
            }
            if (start.startsWith("<svg") || start.startsWith("<?xml") && start.contains("<svg")) {
                return "an SVG image, which is not supported";
            }
            if (start.startsWith("<?xml")) {
                return "XML";
            }
            return "text";
        }
        final StringBuilder hex = new StringBuilder("unrecognised binary data (starts with");
        for (int i = 0; i < Math.min(length, 4); i++) {
            hex.append(String.format(Locale.ROOT, " %02X", header[i] & 0xFF));
        }
        return hex.append(')').toString();
    }

    private static boolean isText(final byte[] header, final int length) {
        for (int i = 0; i < length; i++) {
            final int value = header[i] & 0xFF;
            final boolean control = value < 0x20 && value != '\t' && value != '\n' && value != '\r' && value != '\f';
            if (control || value == 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBmpInfoHeaderSize(final int size) {
        return size == 12 || size == 16 || size == 40 || size == 52 || size == 56 || size == 64 || size == 108
                || size == 124;
    }

    private static int littleEndianInt(final byte[] bytes, final int offset) {
        return (bytes[offset] & 0xFF) | (bytes[offset + 1] & 0xFF) << 8 | (bytes[offset + 2] & 0xFF) << 16
                | (bytes[offset + 3] & 0xFF) << 24;
    }

    private static boolean startsWith(final byte[] header, final int length, final byte... prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (header[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithText(final byte[] header, final int length, final String prefix) {
        return length >= prefix.length() && regionEquals(header, 0, prefix);
    }

    private static boolean regionEquals(final byte[] bytes, final int offset, final String text) {
        for (int i = 0; i < text.length(); i++) {
            if (bytes[offset + i] != (byte) text.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
