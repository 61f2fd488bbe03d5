package org.nifitransfer.core.training;

/**
 * Sums over the batches of an epoch: the loss weighted by batch size, the correct predictions, the samples, the
 * batches. Each batch adds its mean loss, its logits and its labels; the arg-max is taken here.
 */
final class EpochTotals {
    private double lossSum;
    private long correct;
    private long count;
    private long batches;

    /** Adds one batch: its mean loss, its {@code labels.length x classes} logits and its labels. */
    void add(final float meanLoss, final float[] logits, final long[] labels) {
        lossSum += meanLoss * labels.length;
        correct += countCorrect(logits, labels);
        count += labels.length;
        batches++;
    }

    double meanLoss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    long count() {
        return count;
    }

    long batches() {
        return batches;
    }

    /** How many rows of {@code logits} ({@code labels.length} rows) have their largest value at the label, as torch.argmax picks it. */
    static long countCorrect(final float[] logits, final long[] labels) {
        final int classes = labels.length == 0 ? 0 : logits.length / labels.length;
        long hits = 0;
        for (int row = 0; row < labels.length; row++) {
            // the first maximum, a NaN counting as larger than any number (torch.argmax's rule)
            int best = 0;
            float bestValue = logits[row * classes];
            for (int column = 1; column < classes && !Float.isNaN(bestValue); column++) {
                final float value = logits[row * classes + column];
                if (value > bestValue || Float.isNaN(value)) {
                    best = column;
                    bestValue = value;
                }
            }
            if (best == labels[row]) {
                hits++;
            }
        }
        return hits;
    }
}
