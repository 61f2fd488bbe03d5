package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The libjpeg-turbo bridge against the JDK's decoder: the same pixels, byte for byte, on every layout; errors, warnings
 * and oversized images reported, never a crash. Where the bridge is not bundled (not Linux x86-64) the decoder says so
 * and decodes with ImageIO.
 */
class NativeJpegTest {

    private static final boolean BUNDLED = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")
            && System.getProperty("os.arch").matches("amd64|x86_64");

    private final ImageDecoder decoder = ImageDecoder.builder().build();
    private final ImageDecoder imageIo = ImageDecoder.builder().optNativeJpeg(false).build();

    @Test
    void isLoadedWhereItIsBundled() {
        if (BUNDLED) {
            assertTrue(NativeJpeg.isAvailable(), "the bridge did not load: " + NativeJpeg.unavailableReason());
            assertEquals("libjpeg-turbo", ImageDecoder.jpegDecoder());
        } else {
            assertFalse(NativeJpeg.isAvailable());
            assertTrue(ImageDecoder.jpegDecoder().startsWith("ImageIO"), ImageDecoder.jpegDecoder());
        }
    }

    @Test
    void decodesEveryLayoutByteForByteAsTheJdkDecoder() throws ImageDecodeException {
        int checked = 0;
        for (final JpegVariants.Variant variant : JpegVariants.all()) {
            final RgbImage expected = imageIo.decode(variant.jpeg(), "a.jpg");
            assertArrayEquals(expected.getData(), decoder.decode(variant.jpeg(), "a.jpg").getData(), variant.name());
            if (BUNDLED) {
                final NativeJpeg.Result result = NativeJpeg.decode(variant.jpeg(), 1, Long.MAX_VALUE);
                assertEquals(NativeJpeg.STATUS_OK, result.status(), variant.name() + ": " + result.message());
                assertEquals(0, result.warnings(), variant.name() + ": " + result.message());
                assertEquals(expected.getWidth(), result.width(), variant.name());
                assertArrayEquals(expected.getData(), result.pixels(), variant.name());
            }
            checked++;
        }
        assertEquals(7 * 2 * 4 * 2, checked);
    }

    @Test
    void refusesMorePixelsThanAllowedBeforeDecoding() throws ImageDecodeException {
        final byte[] jpeg = JpegVariants.encode(JpegVariants.photoLike(64, 48, false, 1), false, "4:2:0", 0, 0.9f);
        final ImageDecodeException error = org.junit.jupiter.api.Assertions.assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.builder().optMaxPixels(64 * 47).build().decode(jpeg, "big.jpg"));
        assertEquals("big.jpg: image too large: 64x48 exceeds 3008 pixels", error.getMessage());
        if (BUNDLED) {
            final NativeJpeg.Result result = NativeJpeg.decode(jpeg, 1, 64 * 47);
            assertEquals(NativeJpeg.STATUS_TOO_LARGE, result.status());
            assertNull(result.pixels());
            assertEquals(NativeJpeg.STATUS_OK, NativeJpeg.decode(jpeg, 1, 64 * 48).status());
        }
    }

    @Test
    void reportsTruncatedDataAsAWarningAndGarbageAsAnError() {
        if (!BUNDLED) {
            assertFalse(NativeJpeg.isAvailable());
            return;
        }
        final byte[] jpeg = JpegVariants.encode(JpegVariants.photoLike(320, 240, false, 2), false, "4:2:0", 0, 0.9f);
        final NativeJpeg.Result truncated = NativeJpeg.decode(Arrays.copyOf(jpeg, jpeg.length * 2 / 3), 1, Long.MAX_VALUE);
        assertEquals(NativeJpeg.STATUS_OK, truncated.status());
        assertTrue(truncated.warnings() > 0);
        assertTrue(truncated.message().toLowerCase(Locale.ROOT).contains("premature end"), truncated.message());

        final byte[] garbage = new byte[400];
        garbage[0] = (byte) 0xFF;
        garbage[1] = (byte) 0xD8;
        Arrays.fill(garbage, 2, garbage.length, (byte) 0x5A);
        final NativeJpeg.Result broken = NativeJpeg.decode(garbage, 1, Long.MAX_VALUE);
        assertEquals(NativeJpeg.STATUS_ERROR, broken.status());
        assertNotNull(broken.message());
        assertNull(broken.pixels());
    }

    @Test
    void leavesFourComponentJpegsToTheDecodersOwnConversion() throws ImageDecodeException {
        final WritableRaster cmyk = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        final byte[] jpeg = TestImages.encodeJpegRaster(cmyk);
        if (BUNDLED) {
            assertEquals(NativeJpeg.STATUS_UNSUPPORTED, NativeJpeg.decode(jpeg, 1, Long.MAX_VALUE).status());
        }
        assertArrayEquals(imageIo.decode(jpeg, "cmyk.jpg").getData(), decoder.decode(jpeg, "cmyk.jpg").getData());
    }

    @Test
    void scalesInTheDctDomain() {
        if (!BUNDLED) {
            assertFalse(NativeJpeg.isAvailable());
            return;
        }
        final byte[] jpeg = JpegVariants.encode(JpegVariants.photoLike(500, 375, false, 3), false, "4:2:0", 0, 0.9f);
        for (final int scale : new int[] {1, 2, 4, 8}) {
            final NativeJpeg.Result result = NativeJpeg.decode(jpeg, scale, Long.MAX_VALUE);
            assertEquals(NativeJpeg.STATUS_OK, result.status());
            assertEquals((500 + scale - 1) / scale, result.width());
            assertEquals((375 + scale - 1) / scale, result.height());
            assertEquals(result.width() * result.height() * 3, result.pixels().length);
        }
    }

    @Test
    void appliesTheExifOrientationAfterDecoding() throws ImageDecodeException {
        final BufferedImage picture = JpegVariants.photoLike(40, 24, false, 4);
        final byte[] jpeg = JpegVariants.encode(picture, false, "4:4:4", 0, 0.95f);
        final byte[] rotated = TestImages.insertSegment(jpeg, 0xE1, TestImages.exifPayload(6, java.nio.ByteOrder.BIG_ENDIAN));
        final RgbImage image = decoder.decode(rotated, "r.jpg");
        assertEquals(24, image.getWidth());
        assertEquals(40, image.getHeight());
        assertArrayEquals(imageIo.decode(rotated, "r.jpg").getData(), image.getData());
    }
}
