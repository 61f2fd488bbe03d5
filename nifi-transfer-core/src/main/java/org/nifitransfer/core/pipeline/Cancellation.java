package org.nifitransfer.core.pipeline;

import java.util.concurrent.CancellationException;

/** Asked between items of long work; a stop request ends the work with a {@link CancellationException}. */
@FunctionalInterface
public interface Cancellation {

    /** Never cancelled. */
    Cancellation NONE = () -> false;

    /** True once the work should stop. */
    boolean isCancelled();

    /** Throws {@link CancellationException} when cancelled. */
    default void check() {
        if (isCancelled()) {
            throw new CancellationException("Stopped on request");
        }
    }
}
