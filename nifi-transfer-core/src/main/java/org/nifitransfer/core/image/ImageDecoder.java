package org.nifitransfer.core.image;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes JPEG, PNG, BMP and GIF (first frame) into {@link RgbImage}s: JPEGs with libjpeg-turbo where its native bridge
 * is loaded (Linux x86-64; see {@link #jpegDecoder()}), everything else and every JPEG it would read differently with the
 * JDK's ImageIO readers. Both give the same pixels, byte for byte, and the same reasons for what they refuse.
 *
 * <p>The format is sniffed from the content's magic bytes, never taken from the file name. Every colour model
 * ends up as 8-bit RGB the way PIL's {@code Image.convert("RGB")} would make it: grey replicated, palettes
 * looked up, alpha dropped (the stored colour is kept, not composited onto a background), 16-bit samples
 * reduced to their high byte, CMYK and YCCK JPEGs read as Adobe-inverted CMYK (as Photoshop writes them) and
 * converted by the decoder itself. The EXIF orientation of a JPEG is applied unless turned off.
 *
 * <p>Image dimensions are read from the header and checked against {@link Builder#optMaxPixels(long)} before any
 * pixel is decoded, so a huge or malicious image is refused without allocating it. Every failure is an
 * {@link ImageDecodeException} with a short reason.
 *
 * <p>A decoder holds no mutable state: one instance may decode on many threads at once.
 *
 * <pre>{@code
 * ImageDecoder decoder = ImageDecoder.builder().optMaxPixels(50_000_000L).build();
 * RgbImage image = decoder.decode(bytes, "cat.001.jpg");
 * }</pre>
 */
public final class ImageDecoder {

    /** The default limit: 64 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 64_000_000L;

    private static final long MEGAPIXEL = 1_000_000L;
    private static final long MAX_ARRAY_PIXELS = (Integer.MAX_VALUE - 8) / RgbImage.CHANNELS;
    private static final Map<ImageFormat, ImageReaderSpi> READERS = findReaders();
    private static final Logger LOGGER = LoggerFactory.getLogger(ImageDecoder.class);
    private static final int[] RGB_BAND_OFFSETS = {0, 1, 2};
    private static final ColorModel SRGB_BYTES = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
            false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);

    private final long maxPixels;
    private final boolean applyExifOrientation;
    private final boolean requireMatchingExtension;
    private final boolean nativeJpeg;

    private ImageDecoder(final Builder builder) {
        this.maxPixels = builder.maxPixels;
        this.nativeJpeg = builder.nativeJpeg;
        this.applyExifOrientation = builder.applyExifOrientation;
        this.requireMatchingExtension = builder.requireMatchingExtension;
    }

    /** A builder with the defaults: 64 megapixels, EXIF orientation applied, extensions not checked. */
    public static Builder builder() {
        return new Builder();
    }

    /** The largest image, in pixels, this decoder accepts. */
    public long getMaxPixels() {
        return maxPixels;
    }

    /**
     * Decodes an image.
     *
     * @param bytes the whole file
     * @param fileName the file name, used in messages and, when required, to check the extension; may be null
     * @return the image, 8-bit RGB, EXIF orientation applied when configured
     * @throws ImageDecodeException when the content is empty, not a supported image, corrupt, or too large
     */
    public RgbImage decode(final byte[] bytes, final String fileName) throws ImageDecodeException {
        final ImageFormat format = sniff(bytes, bytes.length, fileName);
        if (format == ImageFormat.JPEG && nativeJpeg) {
            final RgbImage image = decodeNative(bytes, fileName);
            if (image != null) {
                return image;
            }
        }
        try (ImageInputStream input = new ByteArrayImageInputStream(bytes)) {
            return decodePixels(input, format, fileName);
        } catch (final IOException exception) {
            throw corrupt(format, fileName, exception);
        }
    }

    /**
     * Decodes an image from a stream, which is read to its end but not closed.
     *
     * @throws IOException when the stream cannot be read
     * @throws ImageDecodeException when the content is empty, not a supported image, corrupt, or too large
     */
    public RgbImage decode(final InputStream input, final String fileName) throws IOException, ImageDecodeException {
        return decode(input.readAllBytes(), fileName);
    }

    /**
     * Reads the format and dimensions of an image from its header, without decoding pixels, and applies the
     * same checks as {@link #decode(byte[], String)} up to that point (empty, not an image, too large).
     *
     * @return the format and the dimensions the decoded image would have
     * @throws ImageDecodeException when {@link #decode(byte[], String)} would fail on the header
     */
    public ImageInfo probe(final byte[] bytes, final String fileName) throws ImageDecodeException {
        final ImageFormat format = sniff(bytes, bytes.length, fileName);
        try (ImageInputStream input = new ByteArrayImageInputStream(bytes)) {
            return readInfo(input, format, fileName);
        } catch (final IOException exception) {
            throw corrupt(format, fileName, exception);
        }
    }

    /**
     * Like {@link #probe(byte[], String)} but reads only as much of the stream as the header needs. The stream is
     * not closed.
     *
     * @throws IOException when the stream cannot be read
     */
    public ImageInfo probe(final InputStream input, final String fileName) throws IOException, ImageDecodeException {
        final byte[] header = input.readNBytes(ImageFormat.HEADER_LENGTH);
        final ImageFormat format = sniff(header, header.length, fileName);
        final InputStream whole = new SequenceInputStream(new ByteArrayInputStream(header), input);
        try (ImageInputStream imageInput = new MemoryCacheImageInputStream(whole)) {
            return readInfo(imageInput, format, fileName);
        } catch (final IOException exception) {
            throw corrupt(format, fileName, exception);
        }
    }

    /**
     * Which JPEG decoder this process has: "libjpeg-turbo" when the native bridge is loaded, else "ImageIO" and why.
     */
    public static String jpegDecoder() {
        return NativeImage.isAvailable() ? "libjpeg-turbo" : "ImageIO (libjpeg-turbo " + NativeImage.unavailableReason() + ")";
    }

    /**
     * The JPEG as libjpeg-turbo decodes it, EXIF orientation applied, or null when ImageIO is to decode it: the bridge is
     * not loaded; the header does not parse (ImageIO then says why); the JPEG is one libjpeg-turbo would read differently
     * from the JDK's libjpeg 6b (CMYK or YCCK, which the ImageIO path converts itself; an ICC profile, which ImageIO
     * applies; arithmetic-coded or lossless, which libjpeg 6b refuses); or libjpeg-turbo failed or warned (corrupt or
     * truncated data), so that such a file fails, or is decoded, exactly as before, with the same reason. The size is
     * checked against the limit from the header first, as on the ImageIO path.
     */
    private RgbImage decodeNative(final byte[] bytes, final String fileName) throws ImageDecodeException {
        if (!NativeImage.isAvailable()) {
            return null;
        }
        final JpegHeader header;
        try (ImageInputStream input = new ByteArrayImageInputStream(bytes)) {
            header = JpegHeader.read(input);
        } catch (final IOException exception) {
            return declined(fileName, "its header does not parse (" + exception.getMessage() + ")");
        }
        if (header.getComponents() != 1 && header.getComponents() != RgbImage.CHANNELS) {
            return declined(fileName, header.getComponents() + " colour components");
        }
        if (!header.isHuffmanDct()) {
            return declined(fileName, String.format(Locale.ROOT, "coding process SOF 0x%02X", header.getFrameMarker()));
        }
        if (header.hasIccProfile()) {
            return declined(fileName, "an ICC profile, which ImageIO applies");
        }
        if (header.getWidth() < 1 || header.getHeight() < 1) {
            return declined(fileName, "no size in its frame header");
        }
        checkSize(header.getWidth(), header.getHeight(), fileName);
        final NativeImage.Result result = NativeImage.decode(bytes, 1, maxPixels);
        if (result.status() != NativeImage.STATUS_OK) {
            return declined(fileName, "libjpeg-turbo stopped (status " + result.status() + ": " + result.message() + ")");
        }
        if (result.warnings() > 0) {
            return declined(fileName, "libjpeg-turbo warned " + result.warnings() + " time(s), first: " + result.message());
        }
        LOGGER.debug("{}: decoded with libjpeg-turbo", fileName);
        return ExifOrientation.apply(new RgbImage(result.width(), result.height(), result.pixels()), orientationOf(header));
    }

    private static RgbImage declined(final String fileName, final String why) {
        LOGGER.debug("{}: decoded with ImageIO, not libjpeg-turbo: {}", fileName, why);
        return null;
    }

    private ImageFormat sniff(final byte[] bytes, final int length, final String fileName)
            throws ImageDecodeException {
        if (length == 0) {
            throw new ImageDecodeException(fileName, "empty file (0 bytes)");
        }
        final Optional<ImageFormat> sniffed = ImageFormat.sniff(bytes, length);
        if (sniffed.isEmpty()) {
            final String content = ImageFormat.describeContent(bytes, Math.min(length, ImageFormat.HEADER_LENGTH));
            final String unsupportedSuffix = ", which is not supported";
            if (content.endsWith(unsupportedSuffix)) {
                throw new ImageDecodeException(fileName, "unsupported format (content is "
                        + content.substring(0, content.length() - unsupportedSuffix.length()) + ")");
            }
            throw new ImageDecodeException(fileName, "not an image (content is " + content + ")");
        }
        final ImageFormat format = sniffed.get();
        if (requireMatchingExtension) {
            final Optional<ImageFormat> named = ImageFormat.fromFileName(fileName);
            if (named.isPresent() && named.get() != format) {
                throw new ImageDecodeException(fileName, "content is " + format.getDisplayName()
                        + " but the file name says " + named.get().getDisplayName());
            }
        }
        return format;
    }

    private ImageInfo readInfo(final ImageInputStream input, final ImageFormat format, final String fileName)
            throws IOException, ImageDecodeException {
        final JpegHeader jpegHeader = readJpegHeader(input, format);
        final ImageReader reader = READERS.get(format).createReaderInstance();
        try {
            reader.setInput(input, true, true);
            final int width = reader.getWidth(0);
            final int height = reader.getHeight(0);
            checkSize(width, height, fileName);
            return ExifOrientation.swapsAxes(orientationOf(jpegHeader))
                    ? new ImageInfo(format, height, width) : new ImageInfo(format, width, height);
        } catch (final RuntimeException exception) {
            throw corrupt(format, fileName, exception);
        } finally {
            reader.dispose();
        }
    }

    private RgbImage decodePixels(final ImageInputStream input, final ImageFormat format, final String fileName)
            throws IOException, ImageDecodeException {
        final JpegHeader jpegHeader = readJpegHeader(input, format);
        final ImageReader reader = READERS.get(format).createReaderInstance();
        try {
            reader.setInput(input, true, true);
            checkSize(reader.getWidth(0), reader.getHeight(0), fileName);
            final List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            final RgbImage image;
            if (jpegHeader != null && jpegHeader.getComponents() == 4) {
                // ImageIO's read() of CMYK/YCCK is missing or differs between JDKs; the raster is raw on all.
                final Raster raster = reader.readRaster(0, null);
                final boolean ycck = jpegHeader.getAdobeTransform() == JpegHeader.ADOBE_TRANSFORM_YCCK;
                image = PixelConverter.convertAdobeCmyk(raster, ycck);
            } else if (format == ImageFormat.JPEG) {
                image = readJpeg(reader);
            } else {
                image = PixelConverter.convert(reader.read(0));
            }
            for (final String warning : warnings) {
                if (isTruncation(warning)) {
                    final String detail = warning.replaceFirst("(?i)^corrupt JPEG data: ", "");
                    throw new ImageDecodeException(fileName, "corrupt or truncated " + format.getDisplayName()
                            + ": " + lowerFirst(detail));
                }
            }
            return ExifOrientation.apply(image, orientationOf(jpegHeader));
        } catch (final RuntimeException exception) {
            throw corrupt(format, fileName, exception);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Reads a JPEG that is not CMYK. When ImageIO would decode it into 8-bit sRGB, its default destination stores
     * the bytes as BGR, copied from libjpeg's RGB scanlines one byte at a time and swapped back by
     * {@link PixelConverter}; an RGB-ordered destination gets the same samples with one array copy a scanline,
     * and its bytes are already an {@link RgbImage}'s. Other colour models (grey) go through the converter.
     */
    private static RgbImage readJpeg(final ImageReader reader) throws IOException {
        final Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (!types.hasNext() || !isByteSrgb(types.next().getColorModel())) {
            return PixelConverter.convert(reader.read(0));
        }
        final int width = reader.getWidth(0);
        final int height = reader.getHeight(0);
        final int rowBytes = width * RgbImage.CHANNELS;
        final byte[] pixels = new byte[Math.multiplyExact(rowBytes, height)];
        final WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(pixels, pixels.length), width,
                height, rowBytes, RgbImage.CHANNELS, RGB_BAND_OFFSETS, null);
        final ImageReadParam param = reader.getDefaultReadParam();
        param.setDestination(new BufferedImage(SRGB_BYTES, raster, false, null));
        reader.read(0, param);
        return new RgbImage(width, height, pixels);
    }

    private static boolean isByteSrgb(final ColorModel colorModel) {
        return colorModel instanceof ComponentColorModel && !colorModel.hasAlpha()
                && colorModel.getNumComponents() == RgbImage.CHANNELS
                && colorModel.getTransferType() == DataBuffer.TYPE_BYTE && colorModel.getColorSpace().isCS_sRGB();
    }

    private static JpegHeader readJpegHeader(final ImageInputStream input, final ImageFormat format)
            throws IOException {
        if (format != ImageFormat.JPEG) {
            return null;
        }
        final JpegHeader header = JpegHeader.read(input);
        input.seek(0);
        return header;
    }

    private int orientationOf(final JpegHeader jpegHeader) {
        return applyExifOrientation && jpegHeader != null ? jpegHeader.getOrientation() : 1;
    }

    private void checkSize(final int width, final int height, final String fileName) throws ImageDecodeException {
        if (width < 1 || height < 1) {
            throw new ImageDecodeException(fileName, "invalid image size " + width + "x" + height);
        }
        final long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageDecodeException(fileName, "image too large: " + width + "x" + height + " exceeds "
                    + describePixels(maxPixels));
        }
        if (pixels > MAX_ARRAY_PIXELS) {
            throw new ImageDecodeException(fileName, "image too large: " + width + "x" + height
                    + " exceeds the largest Java array");
        }
    }

    private static String describePixels(final long pixels) {
        if (pixels % MEGAPIXEL == 0) {
            return pixels / MEGAPIXEL + " megapixels";
        }
        return pixels + " pixels";
    }

    /**
     * Whether a reader warning means pixel data is missing. libjpeg's "Premature end of JPEG file" and "Corrupt JPEG
     * data: premature end of data segment" do (ImageIO fills the rest with grey); a missing EOI marker alone does
     * not: every pixel was decoded, and PIL accepts such files too.
     */
    private static boolean isTruncation(final String warning) {
        return warning.toLowerCase(Locale.ROOT).contains("premature end");
    }

    private static ImageDecodeException corrupt(final ImageFormat format, final String fileName,
            final Exception exception) {
        Throwable cause = exception;
        while (cause.getCause() != null && (cause.getMessage() == null || cause.getMessage().isBlank())) {
            cause = cause.getCause();
        }
        final String detail;
        if (cause instanceof EOFException) {
            detail = "unexpected end of file";
        } else if (cause.getMessage() == null || cause.getMessage().isBlank()) {
            detail = cause.getClass().getSimpleName();
        } else {
            detail = lowerFirst(cause.getMessage());
        }
        return new ImageDecodeException(fileName, "corrupt or truncated " + format.getDisplayName() + ": " + detail,
                exception);
    }

    private static String lowerFirst(final String text) {
        if (text.length() > 1 && Character.isUpperCase(text.charAt(0)) && Character.isLowerCase(text.charAt(1))) {
            return Character.toLowerCase(text.charAt(0)) + text.substring(1);
        }
        return text;
    }

    private static Map<ImageFormat, ImageReaderSpi> findReaders() {
        final Map<ImageFormat, ImageReaderSpi> readers = new EnumMap<>(ImageFormat.class);
        for (final ImageFormat format : ImageFormat.values()) {
            final Iterator<ImageReader> candidates = ImageIO.getImageReadersByFormatName(format.getImageIoName());
            if (!candidates.hasNext()) {
                throw new IllegalStateException("No ImageIO reader for " + format.getDisplayName());
            }
            final ImageReader reader = candidates.next();
            readers.put(format, reader.getOriginatingProvider());
            reader.dispose();
        }
        return Collections.unmodifiableMap(readers);
    }

    /** Configures an {@link ImageDecoder}. */
    public static final class Builder {

        private long maxPixels = DEFAULT_MAX_PIXELS;
        private boolean applyExifOrientation = true;
        private boolean requireMatchingExtension;
        private boolean nativeJpeg = true;

        private Builder() {
        }

        /**
         * Sets whether JPEGs are decoded with libjpeg-turbo where the native bridge is loaded (default true). Its pixels
         * are the JDK decoder's, byte for byte, on the JPEGs it takes; false decodes every JPEG with ImageIO.
         */
        public Builder optNativeJpeg(final boolean nativeJpeg) {
            this.nativeJpeg = nativeJpeg;
            return this;
        }

        /**
         * Sets the largest image accepted, in pixels (width times height), checked from the header before decoding.
         *
         * @param maxPixels at least 1; default {@value ImageDecoder#DEFAULT_MAX_PIXELS}
         */
        public Builder optMaxPixels(final long maxPixels) {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
            }
            this.maxPixels = maxPixels;
            return this;
        }

        /** Sets whether a JPEG's EXIF orientation is applied (default true), as PIL's {@code exif_transpose}. */
        public Builder optApplyExifOrientation(final boolean applyExifOrientation) {
            this.applyExifOrientation = applyExifOrientation;
            return this;
        }

        /**
         * Sets whether a file whose name claims another supported format than its content is refused (default
         * false: the content decides, as with PIL). Names without a known image extension are always accepted.
         */
        public Builder optRequireMatchingExtension(final boolean requireMatchingExtension) {
            this.requireMatchingExtension = requireMatchingExtension;
            return this;
        }

        public ImageDecoder build() {
            return new ImageDecoder(this);
        }
    }
}
