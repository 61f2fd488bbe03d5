package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;

/** Produces the batches of one epoch; arrays are created in the given manager and closed by the caller's scope. */
@FunctionalInterface
public interface BatchSource {

    /** Receives a batch: data {@code [B, ...]} and int64 labels {@code [B]}. */
    @FunctionalInterface
    interface BatchHandler {
        void accept(NDArray data, NDArray labels) throws IOException;
    }

    /**
     * Emits every batch of epoch {@code epoch}.
     *
     * @param epoch the epoch number, for seeding shuffles and augmentation
     * @param manager where to create the arrays (a fresh sub-manager per batch is the source's choice)
     */
    void forEachBatch(int epoch, NDManager manager, BatchHandler handler) throws IOException;
}
