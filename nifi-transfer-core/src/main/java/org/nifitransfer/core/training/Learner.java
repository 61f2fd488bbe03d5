package org.nifitransfer.core.training;

import java.io.IOException;
import java.util.Map;

/**
 * What {@link EpochTrainer} trains, batch by batch: a model, its optimizer and its data. The epoch loop (history,
 * keep-best, early stopping, checkpoints, progress, cancellation) lives in {@link EpochTrainer} once; a learner only
 * runs batches and hands out and takes back its weights and optimizer state. {@link DjlLearner} trains any DJL block;
 * {@link LinearHeadLearner} trains a linear head in plain Java.
 */
interface Learner {

    /**
     * Trains on every batch of epoch {@code epoch}, adding each batch to {@code totals}.
     *
     * @param beforeBatch runs before each batch (it may throw to cancel)
     * @param afterBatch runs after each batch (progress)
     */
    void trainEpoch(int epoch, EpochTotals totals, Runnable beforeBatch, Runnable afterBatch) throws IOException;

    /** Evaluates every validation batch into {@code totals}, without training. */
    void validate(int epoch, EpochTotals totals, Runnable beforeBatch) throws IOException;

    /** A copy of the weights training changes, to go back to later. */
    Snapshot snapshot();

    /** A snapshot holding weights saved in a checkpoint, by parameter name. */
    Snapshot snapshot(Map<String, TrainingCheckpoint.Tensor> saved);

    /** The optimizer's state, for a checkpoint. */
    OptimizerState optimizerState();

    /** Gives the optimizer, which has not updated yet, the state it had when the checkpoint was saved. */
    void restoreOptimizer(OptimizerState state);

    /** Weights, copied. */
    interface Snapshot {

        /** Writes the copied values back. */
        void restore();

        /** The values by parameter name, with their shapes, for a checkpoint. */
        Map<String, TrainingCheckpoint.Tensor> tensors();
    }
}
