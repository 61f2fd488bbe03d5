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

    /**
     * The first line of an engine's error, for a message: the deepest cause with a message, without the exception class
     * names engines put in front, at most 300 characters.
     */
    public static String firstLine(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && (cause.getMessage() == null || cause.getMessage().isBlank())) {
            cause = cause.getCause();
        }
        final String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        final String line = message.strip().lines().findFirst().orElse(message)
                .replaceAll("^(([a-z_]+\\.)+[A-Za-z]+(Exception|Error): )+", "");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
