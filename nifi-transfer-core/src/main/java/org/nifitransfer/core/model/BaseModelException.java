package org.nifitransfer.core.model;

/** A base model that cannot be used, with a message naming the model and the reason. */
public class BaseModelException extends Exception {

    private static final long serialVersionUID = 1L;

    public BaseModelException(final String message) {
        super(message);
    }

    public BaseModelException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
