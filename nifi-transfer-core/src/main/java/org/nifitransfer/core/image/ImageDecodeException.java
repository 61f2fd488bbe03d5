package org.nifitransfer.core.image;

/**
 * Thrown when a file cannot be turned into an {@link RgbImage}. {@link #getReason()} is a short, human
 * reason suitable for a list of skipped files ("empty file (0 bytes)", "not an image (content is text)",
 * "corrupt or truncated JPEG: premature end of file", "image too large: 30000x30000 exceeds 64 megapixels");
 * {@link #getMessage()} prefixes it with the file name.
 */
public class ImageDecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String fileName;
    private final String reason;

    /**
     * @param fileName the file name used in messages, may be {@code null}
     * @param reason the short reason
     */
    public ImageDecodeException(final String fileName, final String reason) {
        this(fileName, reason, null);
    }

    /**
     * @param fileName the file name used in messages, may be {@code null}
     * @param reason the short reason
     * @param cause the underlying failure, may be {@code null}
     */
    public ImageDecodeException(final String fileName, final String reason, final Throwable cause) {
        super(fileName == null ? reason : fileName + ": " + reason, cause);
        this.fileName = fileName;
        this.reason = reason;
    }

    /** The file name given to the decoder, or {@code null}. */
    public String getFileName() {
        return fileName;
    }

    /** The short reason, without the file name. */
    public String getReason() {
        return reason;
    }
}
