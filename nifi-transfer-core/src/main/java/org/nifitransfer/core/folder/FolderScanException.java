package org.nifitransfer.core.folder;

/** A directory that cannot be loaded at all; the message says what was found and why it is not enough. */
public class FolderScanException extends Exception {

    private static final long serialVersionUID = 1L;

    public FolderScanException(final String message) {
        super(message);
    }

    public FolderScanException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
