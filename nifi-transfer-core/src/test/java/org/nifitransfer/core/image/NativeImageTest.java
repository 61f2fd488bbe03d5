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
class NativeImageTest {

    private static final boolean BUNDLED = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")
            && System.getProperty("os.arch").matches("amd64|x86_64");

    private final ImageDecoder decoder = ImageDecoder.builder().build();
    private final ImageDecoder imageIo = ImageDecoder.builder().optNativeJpeg(false).build();

    @Test
    void isLoadedWhereItIsBundled() {
        if (BUNDLED) {
            assertTrue(NativeImage.isAvailable(), "the bridge did not load: " + NativeImage.unavailableReason());
            assertEquals("libjpeg-turbo", ImageDecoder.jpegDecoder());
        } else {
            assertFalse(NativeImage.isAvailable());
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
                final NativeImage.Result result = NativeImage.decode(variant.jpeg(), 1, Long.MAX_VALUE);
                assertEquals(NativeImage.STATUS_OK, result.status(), variant.name() + ": " + result.message());
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
            final NativeImage.Result result = NativeImage.decode(jpeg, 1, 64 * 47);
            assertEquals(NativeImage.STATUS_TOO_LARGE, result.status());
            assertNull(result.pixels());
            assertEquals(NativeImage.STATUS_OK, NativeImage.decode(jpeg, 1, 64 * 48).status());
        }
    }

    @Test
    void reportsTruncatedDataAsAWarningAndGarbageAsAnError() {
        if (!BUNDLED) {
            assertFalse(NativeImage.isAvailable());
            return;
        }
        final byte[] jpeg = JpegVariants.encode(JpegVariants.photoLike(320, 240, false, 2), false, "4:2:0", 0, 0.9f);
        final NativeImage.Result truncated = NativeImage.decode(Arrays.copyOf(jpeg, jpeg.length * 2 / 3), 1, Long.MAX_VALUE);
        assertEquals(NativeImage.STATUS_OK, truncated.status());
        assertTrue(truncated.warnings() > 0);
        assertTrue(truncated.message().toLowerCase(Locale.ROOT).contains("premature end"), truncated.message());

        final byte[] garbage = new byte[400];
        garbage[0] = (byte) 0xFF;
        garbage[1] = (byte) 0xD8;
        Arrays.fill(garbage, 2, garbage.length, (byte) 0x5A);
        final NativeImage.Result broken = NativeImage.decode(garbage, 1, Long.MAX_VALUE);
        assertEquals(NativeImage.STATUS_ERROR, broken.status());
        assertNotNull(broken.message());
        assertNull(broken.pixels());
    }

    @Test
    void leavesFourComponentJpegsToTheDecodersOwnConversion() throws ImageDecodeException {
        final WritableRaster cmyk = java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 16, 8, 4, null);
        final byte[] jpeg = TestImages.encodeJpegRaster(cmyk);
        if (BUNDLED) {
            assertEquals(NativeImage.STATUS_UNSUPPORTED, NativeImage.decode(jpeg, 1, Long.MAX_VALUE).status());
        }
        assertArrayEquals(imageIo.decode(jpeg, "cmyk.jpg").getData(), decoder.decode(jpeg, "cmyk.jpg").getData());
    }

    @Test
    void scalesInTheDctDomain() {
        if (!BUNDLED) {
            assertFalse(NativeImage.isAvailable());
            return;
        }
        final byte[] jpeg = JpegVariants.encode(JpegVariants.photoLike(500, 375, false, 3), false, "4:2:0", 0, 0.9f);
        for (final int scale : new int[] {1, 2, 4, 8}) {
            final NativeImage.Result result = NativeImage.decode(jpeg, scale, Long.MAX_VALUE);
            assertEquals(NativeImage.STATUS_OK, result.status());
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

    @Test
    void resamplesByteForByteAsTheJavaPasses() {
        final java.util.Random random = new java.util.Random(5);
        final int[][] sizes = {{500, 375, 224, 224}, {37, 29, 224, 224}, {640, 480, 160, 160}, {1000, 10, 7, 3}, {3, 900, 299, 299},
            {224, 224, 224, 200}, {5, 3, 11, 8}, {4000, 9, 224, 5}, {333, 17, 500, 6}};
        int checked = 0;
        for (final int[] size : sizes) {
            final byte[] pixels = new byte[size[0] * size[1] * 3];
            random.nextBytes(pixels);
            final RgbImage image = new RgbImage(size[0], size[1], pixels);
            for (final Interpolation interpolation : Interpolation.values()) {
                for (final ResizeMode mode : ResizeMode.values()) {
                    final Resizer.Builder builder = Resizer.builder().setSize(size[2], size[3]).optInterpolation(interpolation).optMode(mode);
                    final RgbImage java = builder.optNative(false).build().resize(image);
                    final RgbImage fast = builder.optNative(true).build().resize(image);
                    final String what = size[0] + "x" + size[1] + " -> " + size[2] + "x" + size[3] + " " + interpolation + " " + mode;
                    assertEquals(java.getWidth(), fast.getWidth(), what);
                    assertEquals(java.getHeight(), fast.getHeight(), what);
                    assertArrayEquals(java.getData(), fast.getData(), what);
                    checked++;
                }
            }
        }
        assertEquals(sizes.length * Interpolation.values().length * ResizeMode.values().length, checked);
        if (BUNDLED) {
            // Both forms of the passes (the AVX2 ones where this CPU has AVX2, and the portable ones) on every size and filter
            for (final int[] size : sizes) {
                final byte[] pixels = new byte[size[0] * size[1] * 3];
                random.nextBytes(pixels);
                for (final Interpolation interpolation : Interpolation.values()) {
                    if (interpolation == Interpolation.NEAREST) {
                        continue; // Resizer's own loop: no passes
                    }
                    final byte[] java = Resizer.builder().setSize(size[2], size[3]).optInterpolation(interpolation)
                            .optMode(ResizeMode.STRETCH).optNative(false).build().resize(new RgbImage(size[0], size[1], pixels)).getData();
                    final ResampleCoefficients columns = ResampleCoefficients.compute(size[0], 0, size[0], size[2], interpolation);
                    final ResampleCoefficients rows = ResampleCoefficients.compute(size[1], 0, size[1], size[3], interpolation);
                    final int firstRow = rows.getFirst(0);
                    final int endRow = rows.getFirst(size[3] - 1) + rows.getCount(size[3] - 1);
                    for (final boolean portable : new boolean[] {false, true}) {
                        final byte[] out = new byte[size[2] * size[3] * 3];
                        assertTrue(NativeImage.resample(pixels, size[0], firstRow, endRow, columns, size[2], rows, size[3], out, portable));
                        assertArrayEquals(java, out, size[0] + "x" + size[1] + " -> " + size[2] + "x" + size[3] + " " + interpolation
                                + (portable ? " portable" : " avx2"));
                    }
                }
            }
        }
        if (BUNDLED) {
            final byte[] out = new byte[224 * 224 * 3];
            final RgbImage photo = new RgbImage(500, 375, new byte[500 * 375 * 3]);
            final ResampleCoefficients columns = ResampleCoefficients.compute(500, 0, 500, 224, Interpolation.BILINEAR);
            final ResampleCoefficients rows = ResampleCoefficients.compute(375, 0, 375, 224, Interpolation.BILINEAR);
            assertTrue(NativeImage.resample(photo.getData(), 500, 0, 375, columns, 224, rows, 224, out));
        }
    }
}
