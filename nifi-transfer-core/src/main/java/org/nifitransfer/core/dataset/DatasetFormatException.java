package org.nifitransfer.core.dataset;

/** Content that is not a dataset of the expected kind, or is damaged. The message says what is wrong. */
public class DatasetFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DatasetFormatException(final String message) {
        super(message);
    }

    public DatasetFormatException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
