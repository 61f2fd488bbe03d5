package org.nifitransfer.core.training;

/**
 * Where a training run is, reported after every batch (callers throttle what they show).
 *
 * @param phase {@code head} or {@code fine-tune}
 * @param epoch the current epoch, numbered as in the history
 * @param lastEpoch the epoch the phase ends at (unless it stops early)
 * @param batch batches done in this epoch
 * @param batches batches per epoch, or -1 when not known yet
 * @param loss running mean training loss of this epoch
 * @param accuracy running training accuracy of this epoch
 */
public record TrainingProgress(String phase, int epoch, int lastEpoch, long batch, long batches, double loss, double accuracy) {
}
