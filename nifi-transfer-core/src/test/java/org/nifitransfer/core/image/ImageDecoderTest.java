package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

    private static final int RED = 0xFF0000;
    private static final int GREEN = 0x00FF00;
    private static final int BLUE = 0x0000FF;
    private static final int WHITE = 0xFFFFFF;

    private final ImageDecoder decoder = ImageDecoder.builder().build();

    @Test
    void decodesRgbPngExactly() throws ImageDecodeException {
        final byte[] png = TestImages.encode(TestImages.solid(5, 3, BufferedImage.TYPE_INT_RGB, 0x0A141E), "png");
        assertSolid(decoder.decode(png, "a.png"), 5, 3, 10, 20, 30, 0);
    }

    @Test
    void dropsAlphaAndKeepsTheStoredColour() throws ImageDecodeException {
        final BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_4BYTE_ABGR);
        final WritableRaster raster = image.getRaster();
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                raster.setPixel(x, y, new int[] {200, 100, 50, x == 0 ? 0 : 128});
            }
        }
        final byte[] png = TestImages.encode(image, "png");
        assertSolid(decoder.decode(png, "alpha.png"), 4, 4, 200, 100, 50, 0);
    }

    @Test
    void replicatesGrey() throws ImageDecodeException {
        final BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(0, 0, 0, 0);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                image.getRaster().setSample(x, y, 0, 77);
            }
        }
        assertSolid(decoder.decode(TestImages.encode(image, "png"), "grey.png"), 3, 2, 77, 77, 77, 0);
        assertSolid(decoder.decode(TestImages.encode(image, "bmp"), "grey.bmp"), 3, 2, 77, 77, 77, 0);
        assertSolid(decoder.decode(TestImages.encode(image, "jpeg"), "grey.jpg"), 3, 2, 77, 77, 77, 2);
    }

    @Test
    void replicatesGreyWithAlpha() throws ImageDecodeException {
        final ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true,
                false, Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        final WritableRaster raster = model.createCompatibleWritableRaster(3, 3);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                raster.setPixel(x, y, new int[] {123, y * 100});
            }
        }
        final byte[] png = TestImages.encode(new BufferedImage(model, raster, false, null), "png");
        assertSolid(decoder.decode(png, "grey-alpha.png"), 3, 3, 123, 123, 123, 0);
    }

    @Test
    void takesTheHighByteOfSixteenBitGrey() throws ImageDecodeException {
        final BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                image.getRaster().setSample(x, y, 0, 0xABCD);
            }
        }
        assertSolid(decoder.decode(TestImages.encode(image, "png"), "deep.png"), 2, 2, 0xAB, 0xAB, 0xAB, 0);
    }

    @Test
    void takesTheHighByteOfSixteenBitRgbWithAlpha() throws ImageDecodeException {
        final ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), true,
                false, Transparency.TRANSLUCENT, DataBuffer.TYPE_USHORT);
        final WritableRaster raster = model.createCompatibleWritableRaster(3, 2);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                raster.setPixel(x, y, new int[] {0x1234, 0x80FF, 0xFF00, 0x0100});
            }
        }
        final byte[] png = TestImages.encode(new BufferedImage(model, raster, false, null), "png");
        assertSolid(decoder.decode(png, "deep-alpha.png"), 3, 2, 0x12, 0x80, 0xFF, 0);
    }

    @Test
    void looksUpPalettes() throws ImageDecodeException {
        // A full 256-entry palette: the JDK's BMP writer mangles short ones. Index 2 is transparent: its colour stays.
        final byte[] reds = new byte[256];
        final byte[] greens = new byte[256];
        final byte[] blues = new byte[256];
        reds[1] = 10;
        greens[1] = 20;
        blues[1] = 30;
        reds[2] = (byte) 250;
        greens[2] = (byte) 240;
        blues[2] = (byte) 230;
        final IndexColorModel palette = new IndexColorModel(8, 256, reds, greens, blues, 2);
        final BufferedImage image = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_INDEXED, palette);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                image.getRaster().setSample(x, y, 0, x < 2 ? 1 : 2);
            }
        }
        for (final String format : List.of("png", "gif", "bmp")) {
            final RgbImage decoded = decoder.decode(TestImages.encode(image, format), "palette." + format);
            assertPixel(decoded, 0, 0, 10, 20, 30, 0);
            assertPixel(decoded, 3, 2, 250, 240, 230, 0);
        }
    }

    @Test
    void readsOneBitImages() throws ImageDecodeException {
        final BufferedImage image = new BufferedImage(16, 2, BufferedImage.TYPE_BYTE_BINARY);
        image.setRGB(15, 1, WHITE);
        // Not GIF: the JDK's GIF writer loses pixels of 1-bit images.
        for (final String format : List.of("png", "bmp")) {
            final RgbImage decoded = decoder.decode(TestImages.encode(image, format), "binary." + format);
            assertPixel(decoded, 0, 0, 0, 0, 0, 0);
            assertPixel(decoded, 15, 1, 255, 255, 255, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_USHORT_565_RGB,
        BufferedImage.TYPE_USHORT_555_RGB, BufferedImage.TYPE_INT_BGR})
    void readsBitmapsOfManyLayouts(final int type) throws ImageDecodeException {
        final BufferedImage image = TestImages.solid(6, 5, type, RED | BLUE);
        final byte[] bmp = TestImages.encode(image, "bmp");
        assertSolid(decoder.decode(bmp, "layout.bmp"), 6, 5, 255, 0, 255, 0);
    }

    @Test
    void decodesRgbJpegWithinTolerance() throws ImageDecodeException {
        final byte[] jpeg = TestImages.encode(TestImages.solid(16, 16, BufferedImage.TYPE_3BYTE_BGR, 0xC86432), "jpeg");
        assertSolid(decoder.decode(jpeg, "a.jpg"), 16, 16, 200, 100, 50, 4);
    }

    @Test
    void decodesFirstFrameOfAnimatedGif() throws IOException, ImageDecodeException {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(output);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(TestImages.solid(4, 4, BufferedImage.TYPE_INT_RGB, RED), null, null),
                    null);
            writer.writeToSequence(new IIOImage(TestImages.solid(4, 4, BufferedImage.TYPE_INT_RGB, BLUE), null, null),
                    null);
            writer.endWriteSequence();
        }
        writer.dispose();
        assertSolid(decoder.decode(bytes.toByteArray(), "anim.gif"), 4, 4, 255, 0, 0, 0);
    }

    @Test
    void convertsAdobeInvertedCmykJpeg() throws ImageDecodeException {
        // Photoshop stores 255 - ink. Red is C=0 M=255 Y=255 K=0; mid grey is K=128 only.
        final int[][] stored = {{255, 0, 0, 255}, {255, 255, 255, 127}, {0, 255, 255, 255}};
        final int[][] expected = {{255, 0, 0}, {127, 127, 127}, {0, 255, 255}};
        for (int i = 0; i < stored.length; i++) {
            final byte[] raw = TestImages.encodeJpegRaster(solidRaster(16, 16, stored[i]));
            final byte[] jpeg = TestImages.insertSegment(raw, 0xEE, TestImages.adobePayload(0));
            final RgbImage decoded = decoder.decode(jpeg, "cmyk.jpg");
            assertSolid(decoded, 16, 16, expected[i][0], expected[i][1], expected[i][2], 4);
        }
    }

    @Test
    void decodesCmykJpegWrittenByPillowAsPillowDoes() throws IOException, ImageDecodeException {
        // images/cmyk-pillow.jpg: Pillow 12.3.0 saved a 16x16 CMYK image (Adobe APP14, inverted samples) with
        // quadrants C0 M255 Y255 K0, C255 M0 Y255 K0, K128 only, C60 M20 Y0 K30. Expected values are Pillow's
        // Image.open(...).convert("RGB").
        final byte[] jpeg;
        try (InputStream input = getClass().getResourceAsStream("/images/cmyk-pillow.jpg")) {
            jpeg = input.readAllBytes();
        }
        final RgbImage decoded = decoder.decode(jpeg, "cmyk-pillow.jpg");
        assertPixel(decoded, 3, 3, 255, 0, 0, 2);
        assertPixel(decoded, 12, 3, 0, 255, 0, 2);
        assertPixel(decoded, 3, 12, 127, 127, 127, 2);
        assertPixel(decoded, 12, 12, 172, 207, 225, 2);
    }

    @Test
    void convertsAdobeYcckJpeg() throws ImageDecodeException {
        // YCCK holds YCbCr of (255 - stored C, 255 - stored M, 255 - stored Y). Target colour (200, 60, 30), K = 0.
        final int red = 255 - 200;
        final int green = 255 - 60;
        final int blue = 255 - 30;
        final int luma = (int) Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
        final int blueDifference = (int) Math.round(128 - 0.168736 * red - 0.331264 * green + 0.5 * blue);
        final int redDifference = (int) Math.round(128 + 0.5 * red - 0.418688 * green - 0.081312 * blue);
        final byte[] raw = TestImages.encodeJpegRaster(solidRaster(16, 16,
                new int[] {luma, blueDifference, redDifference, 255}));
        final byte[] jpeg = TestImages.insertSegment(raw, 0xEE, TestImages.adobePayload(2));
        assertSolid(decoder.decode(jpeg, "ycck.jpg"), 16, 16, 200, 60, 30, 4);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void appliesExifOrientation(final int orientation) throws ImageDecodeException {
        // 64x32 stored: top-left red, top-right green, bottom-left blue, bottom-right white.
        final BufferedImage image = new BufferedImage(64, 32, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, y < 16 ? (x < 32 ? RED : GREEN) : (x < 32 ? BLUE : WHITE));
            }
        }
        final ByteOrder order = orientation % 2 == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final byte[] jpeg = TestImages.insertSegment(TestImages.encode(image, "jpeg"), 0xE1,
                TestImages.exifPayload(orientation, order));
        // Expected corner colours as displayed: top-left, top-right, bottom-left, bottom-right.
        final int[][] corners = {
            {RED, GREEN, BLUE, WHITE},
            {GREEN, RED, WHITE, BLUE},
            {WHITE, BLUE, GREEN, RED},
            {BLUE, WHITE, RED, GREEN},
            {RED, BLUE, GREEN, WHITE},
            {BLUE, RED, WHITE, GREEN},
            {WHITE, GREEN, BLUE, RED},
            {GREEN, WHITE, RED, BLUE},
        };
        final RgbImage decoded = decoder.decode(jpeg, "oriented.jpg");
        final boolean swapped = orientation >= 5;
        assertEquals(swapped ? 32 : 64, decoded.getWidth());
        assertEquals(swapped ? 64 : 32, decoded.getHeight());
        final int right = decoded.getWidth() - 4;
        final int bottom = decoded.getHeight() - 4;
        final int[] expected = corners[orientation - 1];
        assertPixel(decoded, 3, 3, expected[0], 40);
        assertPixel(decoded, right, 3, expected[1], 40);
        assertPixel(decoded, 3, bottom, expected[2], 40);
        assertPixel(decoded, right, bottom, expected[3], 40);

        final ImageInfo info = decoder.probe(jpeg, "oriented.jpg");
        assertEquals(new ImageInfo(ImageFormat.JPEG, decoded.getWidth(), decoded.getHeight()), info);

        final ImageDecoder unoriented = ImageDecoder.builder().optApplyExifOrientation(false).build();
        assertEquals(64, unoriented.decode(jpeg, "oriented.jpg").getWidth());
    }

    @Test
    void refusesEmptyFiles() {
        assertReason("empty file (0 bytes)", new byte[0], "empty.jpg");
    }

    @Test
    void refusesTextNamedLikeAnImage() {
        assertReason("not an image (content is text)", "hello, world\n".getBytes(StandardCharsets.UTF_8), "cat.jpg");
        assertReason("not an image (content is HTML)",
                "<!DOCTYPE html><html></html>".getBytes(StandardCharsets.UTF_8), "dog.png");
        assertReason("not an image (content is PDF)", "%PDF-1.7\n%\u00e2\u00e3".getBytes(StandardCharsets.ISO_8859_1),
                "x.jpg");
        assertReason("unsupported format (content is a WebP image)",
                "RIFF\u0010\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1), "x.jpg");
        assertReason("not an image (content is unrecognised binary data (starts with 00 01 02 FF))",
                new byte[] {0, 1, 2, (byte) 0xFF, 7}, "x.jpg");
    }

    @Test
    void refusesTruncatedJpeg() throws ImageDecodeException {
        final BufferedImage image = new BufferedImage(256, 256, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                image.setRGB(x, y, x << 16 | y << 8 | (x ^ y));
            }
        }
        final byte[] jpeg = TestImages.encode(image, "jpeg");
        final byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);
        final ImageDecodeException exception = assertThrows(ImageDecodeException.class,
                () -> decoder.decode(half, "half.jpg"));
        assertEquals("corrupt or truncated JPEG: premature end of data segment", exception.getReason());
        assertEquals("half.jpg: " + exception.getReason(), exception.getMessage());
        final byte[] headerOnly = Arrays.copyOf(jpeg, 30);
        final ImageDecodeException early = assertThrows(ImageDecodeException.class,
                () -> decoder.decode(headerOnly, "header.jpg"));
        assertTrue(early.getReason().startsWith("corrupt or truncated JPEG: "), early.getReason());
        // Only the end-of-image marker missing: every pixel is there, so the image is accepted, as PIL does.
        final byte[] noEndMarker = Arrays.copyOf(jpeg, jpeg.length - 2);
        assertEquals(decoder.decode(jpeg, "whole.jpg"), decoder.decode(noEndMarker, "no-eoi.jpg"));
    }

    @Test
    void refusesTruncatedPng() {
        final byte[] png = TestImages.encode(TestImages.solid(64, 64, BufferedImage.TYPE_INT_RGB, 0x123456), "png");
        final byte[] half = Arrays.copyOf(png, png.length / 2);
        final ImageDecodeException exception = assertThrows(ImageDecodeException.class,
                () -> decoder.decode(half, "half.png"));
        assertTrue(exception.getReason().startsWith("corrupt or truncated PNG: "), exception.getReason());
    }

    @Test
    void refusesHugeImagesFromTheHeader() {
        assertReason("image too large: 30000x30000 exceeds 64 megapixels", TestImages.pngHeaderOnly(30000, 30000),
                "huge.png");
        final byte[] jpeg = TestImages.encode(TestImages.solid(8, 8, BufferedImage.TYPE_3BYTE_BGR, RED), "jpeg");
        assertReason("image too large: 30000x30000 exceeds 64 megapixels", TestImages.patchJpegSize(jpeg, 30000, 30000),
                "huge.jpg");
        final ImageDecoder limited = ImageDecoder.builder().optMaxPixels(63).build();
        final ImageDecodeException probed = assertThrows(ImageDecodeException.class,
                () -> limited.probe(jpeg, "eight.jpg"));
        assertEquals("image too large: 8x8 exceeds 63 pixels", probed.getReason());
        final ImageDecodeException decoded = assertThrows(ImageDecodeException.class,
                () -> limited.decode(jpeg, "eight.jpg"));
        assertEquals("image too large: 8x8 exceeds 63 pixels", decoded.getReason());
    }

    @Test
    void decodesByContentNotByName() throws ImageDecodeException {
        final byte[] png = TestImages.encode(TestImages.solid(2, 2, BufferedImage.TYPE_INT_RGB, BLUE), "png");
        assertSolid(decoder.decode(png, "actually-a-png.jpg"), 2, 2, 0, 0, 255, 0);
        assertEquals(ImageFormat.PNG, decoder.probe(png, "actually-a-png.jpg").format());
        final ImageDecoder strict = ImageDecoder.builder().optRequireMatchingExtension(true).build();
        final ImageDecodeException exception = assertThrows(ImageDecodeException.class,
                () -> strict.decode(png, "actually-a-png.jpg"));
        assertEquals("content is PNG but the file name says JPEG", exception.getReason());
        assertSolid(strict.decode(png, "no-extension"), 2, 2, 0, 0, 255, 0);
    }

    @Test
    void probesStreamsWithoutDecoding() throws IOException, ImageDecodeException {
        final byte[] gif = TestImages.encode(TestImages.solid(7, 3, BufferedImage.TYPE_BYTE_INDEXED, RED), "gif");
        assertEquals(new ImageInfo(ImageFormat.GIF, 7, 3), decoder.probe(new ByteArrayInputStream(gif), "a.gif"));
        final byte[] bmp = TestImages.encode(TestImages.solid(5, 9, BufferedImage.TYPE_3BYTE_BGR, RED), "bmp");
        assertEquals(new ImageInfo(ImageFormat.BMP, 5, 9), decoder.probe(bmp, "a.bmp"));
        assertSolid(decoder.decode(new ByteArrayInputStream(bmp), "a.bmp"), 5, 9, 255, 0, 0, 0);
        final ImageDecodeException exception = assertThrows(ImageDecodeException.class,
                () -> decoder.probe(new ByteArrayInputStream(new byte[0]), "empty.gif"));
        assertEquals("empty file (0 bytes)", exception.getReason());
    }

    @Test
    void decodesInParallel() throws ImageDecodeException {
        final BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.setRGB(x, y, x * 6 << 16 | y * 8 << 8 | 77);
            }
        }
        final byte[] jpeg = TestImages.encode(image, "jpeg");
        final RgbImage expected = decoder.decode(jpeg, "a.jpg");
        final long matching = IntStream.range(0, 64).parallel().mapToObj(i -> {
            try {
                return decoder.decode(jpeg, "a.jpg");
            } catch (final ImageDecodeException exception) {
                throw new IllegalStateException(exception);
            }
        }).filter(expected::equals).count();
        assertEquals(64, matching);
    }

    @ParameterizedTest
    @ValueSource(strings = {"baseline", "progressive", "icc"})
    void decodesColourJpegsToTheSamplesImageIoReads(final String variant) throws IOException, ImageDecodeException {
        final BufferedImage image = new BufferedImage(37, 29, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 29; y++) {
            for (int x = 0; x < 37; x++) {
                image.setRGB(x, y, (x * 7 + y * 3) % 256 << 16 | (x * y) % 256 << 8 | (255 - x * 5) % 256);
            }
        }
        byte[] jpeg = "progressive".equals(variant) ? encodeProgressiveJpeg(image) : TestImages.encode(image, "jpeg");
        if ("icc".equals(variant)) {
            final byte[] profile = ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
            final byte[] payload = new byte[14 + profile.length];
            System.arraycopy("ICC_PROFILE".getBytes(StandardCharsets.US_ASCII), 0, payload, 0, 11);
            payload[12] = 1;
            payload[13] = 1;
            System.arraycopy(profile, 0, payload, 14, profile.length);
            jpeg = TestImages.insertSegment(jpeg, 0xE2, payload);
        }
        // ImageIO's own default read (BGR destination, any embedded profile applied) is the reference.
        final BufferedImage reference = ImageIO.read(new ByteArrayInputStream(jpeg));
        final RgbImage decoded = decoder.decode(jpeg, "a.jpg");
        assertEquals(37, decoded.getWidth());
        assertEquals(29, decoded.getHeight());
        for (int y = 0; y < 29; y++) {
            for (int x = 0; x < 37; x++) {
                final int rgb = reference.getRGB(x, y);
                assertPixel(decoded, x, y, rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF, 0);
            }
        }
    }

    @Test
    void sniffsFormatsAndNames() {
        final byte[] png = TestImages.encode(TestImages.solid(1, 1, BufferedImage.TYPE_INT_RGB, RED), "png");
        assertEquals(ImageFormat.PNG, ImageFormat.sniff(png, png.length).orElseThrow());
        assertEquals(ImageFormat.JPEG, ImageFormat.fromFileName("dir/Cat.JPEG").orElseThrow());
        assertTrue(ImageFormat.fromFileName("notes.txt").isEmpty());
        assertTrue(ImageFormat.sniff("BMP is a format".getBytes(StandardCharsets.US_ASCII), 15).isEmpty());
        assertArrayEquals(new Object[] {"jpg", "jpeg", "jpe", "jfif"}, ImageFormat.JPEG.getExtensions().toArray());
    }

    private static byte[] encodeProgressiveJpeg(final BufferedImage image) throws IOException {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(output);
            final ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private void assertReason(final String reason, final byte[] bytes, final String fileName) {
        final ImageDecodeException exception = assertThrows(ImageDecodeException.class,
                () -> decoder.decode(bytes, fileName));
        assertEquals(reason, exception.getReason());
        assertEquals(fileName, exception.getFileName());
        final ImageDecodeException probed = assertThrows(ImageDecodeException.class,
                () -> decoder.probe(bytes, fileName));
        assertEquals(reason, probed.getReason());
    }

    private static WritableRaster solidRaster(final int width, final int height, final int[] samples) {
        final WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height,
                samples.length, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setPixel(x, y, samples);
            }
        }
        return raster;
    }

    static void assertSolid(final RgbImage image, final int width, final int height, final int red,
            final int green, final int blue, final int tolerance) {
        assertEquals(width, image.getWidth(), "width");
        assertEquals(height, image.getHeight(), "height");
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                assertPixel(image, x, y, red, green, blue, tolerance);
            }
        }
    }

    private static void assertPixel(final RgbImage image, final int x, final int y, final int rgb,
            final int tolerance) {
        assertPixel(image, x, y, rgb >> 16 & 0xFF, rgb >> 8 & 0xFF, rgb & 0xFF, tolerance);
    }

    static void assertPixel(final RgbImage image, final int x, final int y, final int red, final int green,
            final int blue, final int tolerance) {
        final int[] expected = {red, green, blue};
        for (int channel = 0; channel < RgbImage.CHANNELS; channel++) {
            final int actual = image.get(x, y, channel);
            if (Math.abs(actual - expected[channel]) > tolerance) {
                throw new AssertionError("Pixel (" + x + ", " + y + ") is (" + image.get(x, y, 0) + ", "
                        + image.get(x, y, 1) + ", " + image.get(x, y, 2) + "), expected (" + red + ", " + green + ", "
                        + blue + ") within " + tolerance);
            }
        }
    }
}
