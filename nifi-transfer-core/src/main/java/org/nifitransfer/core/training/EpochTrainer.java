package org.nifitransfer.core.training;

import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.pipeline.Cancellation;

/**
 * Drives a DJL {@link Trainer} epoch by epoch and batch by batch: forward, loss, backward and step for every
 * training batch, then a validation pass; records the history as Keras does, stops early when the validation
 * loss has not improved for {@code patience} epochs, and asks for cancellation between batches.
 */
public final class EpochTrainer {

    private final String phase;
    private final int epochs;
    private final int initialEpoch;
    private final int patience;
    private final Tracker learningRate;
    private final Consumer<TrainingProgress> progress;
    private final Cancellation cancellation;
    private final boolean keepBest;
    private final boolean baseline;
    private final long seed;
    private final TrainingCheckpoint checkpoint;
    private final Optimizer optimizer;

    private EpochTrainer(final Builder builder) {
        this.phase = builder.phase;
        this.epochs = builder.epochs;
        this.initialEpoch = builder.initialEpoch;
        this.patience = builder.patience;
        this.learningRate = builder.learningRate;
        this.progress = builder.progress;
        this.cancellation = builder.cancellation;
        this.keepBest = builder.keepBest;
        this.baseline = builder.baseline;
        this.seed = builder.seed;
        this.checkpoint = builder.checkpoint;
        this.optimizer = builder.optimizer;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What a phase did.
     *
     * @param history one record per epoch run
     * @param bestEpoch the epoch with the lowest validation loss
     * @param stoppedEarly whether early stopping ended the phase
     * @param seconds wall time
     * @param keptEpoch the epoch whose weights the model holds now: the last one, or the best when keeping the best
     *                  ({@code initialEpoch} when no epoch beat the baseline and the incoming weights were kept)
     * @param keptValidationAccuracy validation accuracy of the weights kept
     * @param keptValidationLoss validation loss of the weights kept
     */
    public record Result(List<EpochRecord> history, int bestEpoch, boolean stoppedEarly, double seconds, int keptEpoch,
                         double keptValidationAccuracy, double keptValidationLoss) {

        /** The summary stored in the model manifest. */
        public ModelManifest.TrainingMetrics metrics(final String device) {
            final EpochRecord best = history.stream().filter(epoch -> epoch.epoch() == bestEpoch).findFirst().orElse(null);
            final EpochRecord last = history.getLast();
            return new ModelManifest.TrainingMetrics(last.phase(), history.size(), bestEpoch,
                    best == null ? keptValidationAccuracy : best.validationAccuracy(), best == null ? keptValidationLoss : best.validationLoss(),
                    last.validationAccuracy(), last.validationLoss(), stoppedEarly, device, seconds, keptEpoch, keptValidationAccuracy,
                    keptValidationLoss);
        }
    }

    /**
     * Trains a DJL trainer's model.
     *
     * @throws java.util.concurrent.CancellationException when cancelled between batches
     */
    public Result fit(final Trainer trainer, final BatchSource train, final BatchSource validation) throws IOException {
        return fit(new DjlLearner(trainer, train, validation, optimizer, seed));
    }

    /**
     * Trains a learner.
     *
     * @throws java.util.concurrent.CancellationException when cancelled between batches
     */
    Result fit(final Learner learner) throws IOException {
        final long start = System.nanoTime();
        final List<EpochRecord> history = new ArrayList<>();
        double bestLoss = Double.POSITIVE_INFINITY;
        double bestAccuracy = Double.NaN;
        int bestEpoch = initialEpoch + 1;
        int sinceBest = 0;
        Learner.Snapshot bestWeights = null;
        long updates = 0;
        long batchesPerEpoch = -1;
        boolean stoppedEarly = false;
        int first = initialEpoch + 1;
        final TrainingCheckpoint.State resumed = checkpoint == null ? null : checkpoint.load().orElse(null);
        if (resumed != null) {
            // the state after the last epoch a stopped or crashed run finished: weights, optimizer, counters, history
            learner.snapshot(resumed.weights()).restore();
            learner.restoreOptimizer(resumed.optimizer());
            history.addAll(resumed.history());
            bestLoss = resumed.bestLoss();
            bestAccuracy = resumed.bestAccuracy();
            bestEpoch = resumed.bestEpoch();
            sinceBest = resumed.sinceBest();
            updates = resumed.updates();
            batchesPerEpoch = resumed.batchesPerEpoch();
            stoppedEarly = resumed.stoppedEarly();
            bestWeights = keepBest && resumed.bestWeights() != null ? learner.snapshot(resumed.bestWeights()) : null;
            first = resumed.epoch() + 1;
        } else if (baseline) {
            final EpochTotals before = validate(learner, initialEpoch);
            bestLoss = before.meanLoss();
            bestAccuracy = before.accuracy();
            bestEpoch = initialEpoch;
            bestWeights = keepBest ? learner.snapshot() : null;
        }
        for (int epoch = first; epoch <= initialEpoch + epochs && !stoppedEarly; epoch++) {
            final double rate = learningRate.getNewValue((int) Math.min(Integer.MAX_VALUE, updates));
            final EpochTotals totals = new EpochTotals();
            final int current = epoch;
            final long known = batchesPerEpoch;
            learner.trainEpoch(epoch, totals, cancellation::check, () -> progress.accept(new TrainingProgress(phase, current,
                    initialEpoch + epochs, totals.batches(), known, totals.meanLoss(), totals.accuracy())));
            updates += totals.batches();
            batchesPerEpoch = totals.batches();
            if (totals.count() == 0) {
                throw new IllegalArgumentException("The training data holds no samples");
            }
            final EpochTotals validated = validate(learner, epoch);
            history.add(new EpochRecord(epoch, phase, totals.meanLoss(), totals.accuracy(), validated.meanLoss(), validated.accuracy(), rate));
            if (validated.meanLoss() < bestLoss - 1e-6) {
                bestLoss = validated.meanLoss();
                bestAccuracy = validated.accuracy();
                bestEpoch = epoch;
                sinceBest = 0;
                if (keepBest) {
                    bestWeights = learner.snapshot();
                }
            } else if (patience > 0 && ++sinceBest >= patience && epoch < initialEpoch + epochs) {
                stoppedEarly = true;
            }
            if (checkpoint != null) {
                checkpoint.save(new TrainingCheckpoint.State(epoch, List.copyOf(history), bestLoss, bestAccuracy, bestEpoch, sinceBest, updates,
                        batchesPerEpoch, stoppedEarly, learner.snapshot().tensors(), bestWeights == null ? null : bestWeights.tensors(),
                        learner.optimizerState()));
            }
        }
        final EpochRecord last = history.getLast();
        if (keepBest && bestWeights != null && bestEpoch != last.epoch()) {
            bestWeights.restore();
            return new Result(history, bestEpoch, stoppedEarly, (System.nanoTime() - start) / 1e9, bestEpoch, bestAccuracy, bestLoss);
        }
        return new Result(history, bestEpoch, stoppedEarly, (System.nanoTime() - start) / 1e9, last.epoch(), last.validationAccuracy(),
                last.validationLoss());
    }

    private EpochTotals validate(final Learner learner, final int epoch) throws IOException {
        final EpochTotals validated = new EpochTotals();
        learner.validate(epoch, validated, cancellation::check);
        if (validated.count() == 0) {
            throw new IllegalArgumentException("The validation data holds no samples");
        }
        return validated;
    }

    /** Builds an {@link EpochTrainer}. */
    public static final class Builder {
        private String phase = EpochRecord.HEAD;
        private int epochs = 10;
        private int initialEpoch;
        private int patience;
        private Tracker learningRate = Tracker.fixed(1e-3f);
        private Consumer<TrainingProgress> progress = update -> { };
        private Cancellation cancellation = Cancellation.NONE;
        private boolean keepBest;
        private boolean baseline;
        private long seed = 42;
        private TrainingCheckpoint checkpoint;
        private Optimizer optimizer;

        private Builder() {
        }

        /**
         * Save a checkpoint after every finished epoch, and resume from the one saved, if any: a training that was stopped
         * or whose process died goes on after its last finished epoch, with the same result as an uninterrupted one.
         *
         * @param value where the checkpoint lives
         * @param trainerOptimizer the optimizer the trainer updates with (its state is part of the checkpoint)
         */
        public Builder optCheckpoint(final TrainingCheckpoint value, final Optimizer trainerOptimizer) {
            this.checkpoint = value;
            this.optimizer = trainerOptimizer;
            return this;
        }

        /** Seeds the random draws of every batch (dropout), so a training reproduces even beside another. Default 42. */
        public Builder optSeed(final long value) {
            this.seed = value;
            return this;
        }

        /**
         * Keep the weights of the epoch with the lowest validation loss (Keras' {@code ModelCheckpoint(save_best_only=True,
         * monitor="val_loss")}), instead of the last epoch's. Default false.
         */
        public Builder optKeepBest(final boolean value) {
            this.keepBest = value;
            return this;
        }

        /**
         * Validate once before training and count the incoming weights as epoch {@code initialEpoch}: with
         * {@link #optKeepBest(boolean)}, they are kept when no epoch beats them. Default false.
         */
        public Builder optBaseline(final boolean value) {
            this.baseline = value;
            return this;
        }

        /** The epochs, patience, progress, cancellation, keep-best and seed of a trainer's options. */
        public Builder withOptions(final TrainingOptions options) {
            return setEpochs(options.epochs()).optPatience(options.patience()).optProgress(options.progress())
                    .optCancellation(options.cancellation()).optKeepBest(options.keepBest()).optSeed(options.seed());
        }

        /** {@code head} or {@code fine-tune}. */
        public Builder setPhase(final String value) {
            this.phase = value;
            return this;
        }

        public Builder setEpochs(final int value) {
            this.epochs = value;
            return this;
        }

        /** Epochs already trained; numbering continues after it (Keras' {@code initial_epoch}). */
        public Builder optInitialEpoch(final int value) {
            this.initialEpoch = value;
            return this;
        }

        /** Stop after this many epochs without a lower validation loss; 0 never stops early. */
        public Builder optPatience(final int value) {
            this.patience = value;
            return this;
        }

        /** The learning-rate schedule the optimizer uses, to record the rate of each epoch. */
        public Builder optLearningRate(final Tracker value) {
            this.learningRate = value;
            return this;
        }

        public Builder optProgress(final Consumer<TrainingProgress> value) {
            this.progress = value;
            return this;
        }

        public Builder optCancellation(final Cancellation value) {
            this.cancellation = value;
            return this;
        }

        public EpochTrainer build() {
            if (epochs < 1) {
                throw new IllegalArgumentException("Epochs must be at least 1, got " + epochs);
            }
            return new EpochTrainer(this);
        }
    }
}
