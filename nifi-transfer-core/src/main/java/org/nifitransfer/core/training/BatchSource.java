package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.Random;

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

    /** The items of an epoch in the order they are trained: shuffled with a seed per epoch, or in order. */
    static int[] order(final int count, final boolean shuffle, final long seed, final int epoch) {
        final int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        if (shuffle) {
            final Random random = new Random(seed * 1_000_003L + epoch);
            for (int i = count - 1; i > 0; i--) {
                final int j = random.nextInt(i + 1);
                final int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return order;
    }
}
