package org.nifitransfer.core.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DataBufferUShort;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * Turns what ImageIO decodes into 8-bit RGB, reading the sample arrays directly rather than calling
 * {@code getRGB} per pixel. The rules follow PIL's {@code convert("RGB")}:
 * <ul>
 * <li>grey is replicated into R, G and B;</li>
 * <li>palette images take the palette colour of each index;</li>
 * <li>alpha is dropped and the stored colour kept, with no compositing onto a background (a transparent
 * pixel becomes whatever colour it holds, often black);</li>
 * <li>16-bit samples keep their high byte, as PIL reads 16-bit PNGs;</li>
 * <li>the samples are taken as stored, with one difference from PIL: for colour JPEGs ImageIO's own reader applies
 * an embedded ICC profile (PIL does not), so such a photo with a non-sRGB profile decodes differently; plain
 * JPEGs and other formats match PIL exactly;</li>
 * <li>CMYK and YCCK JPEGs are read as Adobe (Photoshop) writes them, with inverted samples, and converted
 * with {@code R = (255 - C) * (255 - K) / 255} as PIL does.</li>
 * </ul>
 */
final class PixelConverter {

    private PixelConverter() {
    }

    static RgbImage convert(final BufferedImage image) {
        final ColorModel colorModel = image.getColorModel();
        final Raster raster = image.getRaster();
        final boolean untranslated = raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0;
        if (untranslated && colorModel instanceof IndexColorModel indexColorModel && raster.getNumBands() == 1) {
            return convertIndexed(raster, indexColorModel);
        }
        if (untranslated && colorModel instanceof ComponentColorModel
                && raster.getSampleModel() instanceof ComponentSampleModel sampleModel) {
            final int colorSpaceType = colorModel.getColorSpace().getType();
            final int dataType = raster.getDataBuffer().getDataType();
            final boolean supportedType = dataType == DataBuffer.TYPE_BYTE || dataType == DataBuffer.TYPE_USHORT;
            if (supportedType && (colorSpaceType == ColorSpace.TYPE_RGB || colorSpaceType == ColorSpace.TYPE_GRAY)) {
                return convertComponents(raster, sampleModel, colorModel.getNumColorComponents());
            }
        }
        if (untranslated && colorModel instanceof DirectColorModel directColorModel
                && raster.getSampleModel() instanceof SinglePixelPackedSampleModel sampleModel
                && (raster.getDataBuffer() instanceof DataBufferInt
                        || raster.getDataBuffer() instanceof DataBufferUShort)) {
            return convertPacked(raster, sampleModel, directColorModel);
        }
        return convertThroughArgb(image);
    }

    /**
     * Converts a 4-band JPEG raster as {@code ImageReader.readRaster} returns it (no colour conversion).
     *
     * @param ycck whether the bands are Y, Cb, Cr, K (Adobe transform 2) rather than C, M, Y, K
     */
    static RgbImage convertAdobeCmyk(final Raster raster, final boolean ycck) {
        final int width = raster.getWidth();
        final int height = raster.getHeight();
        final byte[] out = new byte[Math.multiplyExact(width * height, RgbImage.CHANNELS)];
        final int[] row = new int[width * 4];
        int target = 0;
        for (int y = 0; y < height; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, width, 1, row);
            for (int i = 0; i < row.length; i += 4) {
                int cyan = row[i];
                int magenta = row[i + 1];
                int yellow = row[i + 2];
                if (ycck) {
                    // libjpeg's YCC -> RGB, then C = 255 - R and so on: the stored (inverted) CMY.
                    final int luma = cyan;
                    final int blueDifference = magenta - 128;
                    final int redDifference = yellow - 128;
                    cyan = 255 - clamp(Math.round(luma + 1.402f * redDifference));
                    magenta = 255 - clamp(Math.round(luma - 0.344136f * blueDifference - 0.714136f * redDifference));
                    yellow = 255 - clamp(Math.round(luma + 1.772f * blueDifference));
                }
                final int key = row[i + 3];
                out[target] = (byte) multiplyDivide255(cyan, key);
                out[target + 1] = (byte) multiplyDivide255(magenta, key);
                out[target + 2] = (byte) multiplyDivide255(yellow, key);
                target += RgbImage.CHANNELS;
            }
        }
        return new RgbImage(width, height, out);
    }

    private static RgbImage convertIndexed(final Raster raster, final IndexColorModel colorModel) {
        final int width = raster.getWidth();
        final int height = raster.getHeight();
        final int mapSize = colorModel.getMapSize();
        final byte[] reds = new byte[256];
        final byte[] greens = new byte[256];
        final byte[] blues = new byte[256];
        final int entries = Math.min(mapSize, 256);
        final byte[] part = new byte[mapSize];
        colorModel.getReds(part);
        System.arraycopy(part, 0, reds, 0, entries);
        colorModel.getGreens(part);
        System.arraycopy(part, 0, greens, 0, entries);
        colorModel.getBlues(part);
        System.arraycopy(part, 0, blues, 0, entries);
        final byte[] out = new byte[Math.multiplyExact(width * height, RgbImage.CHANNELS)];
        final int[] row = new int[width];
        int target = 0;
        for (int y = 0; y < height; y++) {
            raster.getSamples(0, y, width, 1, 0, row);
            for (int x = 0; x < width; x++) {
                final int index = row[x] & 0xFF;
                out[target] = reds[index];
                out[target + 1] = greens[index];
                out[target + 2] = blues[index];
                target += RgbImage.CHANNELS;
            }
        }
        return new RgbImage(width, height, out);
    }

    private static RgbImage convertComponents(final Raster raster, final ComponentSampleModel sampleModel,
            final int colorBands) {
        final int width = raster.getWidth();
        final int height = raster.getHeight();
        final int[] bandOffsets = sampleModel.getBandOffsets();
        final int[] bankIndices = sampleModel.getBankIndices();
        final int pixelStride = sampleModel.getPixelStride();
        final int scanlineStride = sampleModel.getScanlineStride();
        final DataBuffer buffer = raster.getDataBuffer();
        final int redBand = 0;
        final int greenBand = colorBands == 1 ? 0 : 1;
        final int blueBand = colorBands == 1 ? 0 : 2;
        final int redOffset = buffer.getOffsets()[bankIndices[redBand]] + bandOffsets[redBand];
        final int greenOffset = buffer.getOffsets()[bankIndices[greenBand]] + bandOffsets[greenBand];
        final int blueOffset = buffer.getOffsets()[bankIndices[blueBand]] + bandOffsets[blueBand];
        final byte[] out = new byte[Math.multiplyExact(width * height, RgbImage.CHANNELS)];
        if (buffer instanceof DataBufferByte bytes) {
            final byte[] reds = bytes.getData(bankIndices[redBand]);
            final byte[] greens = bytes.getData(bankIndices[greenBand]);
            final byte[] blues = bytes.getData(bankIndices[blueBand]);
            int target = 0;
            for (int y = 0; y < height; y++) {
                int source = y * scanlineStride;
                for (int x = 0; x < width; x++) {
                    out[target] = reds[source + redOffset];
                    out[target + 1] = greens[source + greenOffset];
                    out[target + 2] = blues[source + blueOffset];
                    target += RgbImage.CHANNELS;
                    source += pixelStride;
                }
            }
        } else {
            final DataBufferUShort shorts = (DataBufferUShort) buffer;
            final short[] reds = shorts.getData(bankIndices[redBand]);
            final short[] greens = shorts.getData(bankIndices[greenBand]);
            final short[] blues = shorts.getData(bankIndices[blueBand]);
            int target = 0;
            for (int y = 0; y < height; y++) {
                int source = y * scanlineStride;
                for (int x = 0; x < width; x++) {
                    out[target] = (byte) ((reds[source + redOffset] & 0xFFFF) >>> 8);
                    out[target + 1] = (byte) ((greens[source + greenOffset] & 0xFFFF) >>> 8);
                    out[target + 2] = (byte) ((blues[source + blueOffset] & 0xFFFF) >>> 8);
                    target += RgbImage.CHANNELS;
                    source += pixelStride;
                }
            }
        }
        return new RgbImage(width, height, out);
    }

    private static RgbImage convertPacked(final Raster raster, final SinglePixelPackedSampleModel sampleModel,
            final DirectColorModel colorModel) {
        final int width = raster.getWidth();
        final int height = raster.getHeight();
        final int scanlineStride = sampleModel.getScanlineStride();
        final DataBuffer buffer = raster.getDataBuffer();
        final int offset = buffer.getOffset();
        final Channel red = new Channel(colorModel.getRedMask());
        final Channel green = new Channel(colorModel.getGreenMask());
        final Channel blue = new Channel(colorModel.getBlueMask());
        final byte[] out = new byte[Math.multiplyExact(width * height, RgbImage.CHANNELS)];
        final int[] ints = buffer instanceof DataBufferInt intBuffer ? intBuffer.getData() : null;
        final short[] shorts = buffer instanceof DataBufferUShort shortBuffer ? shortBuffer.getData() : null;
        final boolean eightBit = red.isEightBit() && green.isEightBit() && blue.isEightBit();
        int target = 0;
        for (int y = 0; y < height; y++) {
            final int rowStart = offset + y * scanlineStride;
            for (int x = 0; x < width; x++) {
                final int pixel = ints != null ? ints[rowStart + x] : shorts[rowStart + x] & 0xFFFF;
                if (eightBit) {
                    out[target] = (byte) (pixel >>> red.shift);
                    out[target + 1] = (byte) (pixel >>> green.shift);
                    out[target + 2] = (byte) (pixel >>> blue.shift);
                } else {
                    out[target] = (byte) red.extract(pixel);
                    out[target + 1] = (byte) green.extract(pixel);
                    out[target + 2] = (byte) blue.extract(pixel);
                }
                target += RgbImage.CHANNELS;
            }
        }
        return new RgbImage(width, height, out);
    }

    private static RgbImage convertThroughArgb(final BufferedImage image) {
        final int width = image.getWidth();
        final int height = image.getHeight();
        final byte[] out = new byte[Math.multiplyExact(width * height, RgbImage.CHANNELS)];
        final int[] row = new int[width];
        int target = 0;
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                final int pixel = row[x];
                out[target] = (byte) (pixel >>> 16);
                out[target + 1] = (byte) (pixel >>> 8);
                out[target + 2] = (byte) pixel;
                target += RgbImage.CHANNELS;
            }
        }
        return new RgbImage(width, height, out);
    }

    /** {@code a * b / 255} rounded, as PIL's {@code MULDIV255}. */
    static int multiplyDivide255(final int first, final int second) {
        final int product = first * second + 128;
        return ((product >>> 8) + product) >>> 8;
    }

    private static int clamp(final int value) {
        return value < 0 ? 0 : Math.min(value, 255);
    }

    /** One colour channel of a packed pixel: its mask, shift and bit count, scaled to 8 bits. */
    private static final class Channel {

        private final int mask;
        private final int shift;
        private final int maximum;

        Channel(final int mask) {
            this.mask = mask;
            this.shift = mask == 0 ? 0 : Integer.numberOfTrailingZeros(mask);
            this.maximum = mask == 0 ? 0 : mask >>> shift;
        }

        boolean isEightBit() {
            return maximum == 0xFF;
        }

        int extract(final int pixel) {
            if (maximum == 0) {
                return 0;
            }
            return (((pixel & mask) >>> shift) * 255 + maximum / 2) / maximum;
        }
    }
}
