package org.nifitransfer.core.image;

/**
 * What {@link ImageDecoder#probe} learns from a file's header without decoding its pixels.
 *
 * @param format the format sniffed from the content (not from the file name)
 * @param width the width of the decoded image, after EXIF orientation when the decoder applies it
 * @param height the height of the decoded image, after EXIF orientation when the decoder applies it
 */
public record ImageInfo(ImageFormat format, int width, int height) {

    /** {@code width * height}. */
    public long getPixelCount() {
        return (long) width * height;
    }
}
