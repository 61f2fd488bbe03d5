package org.nifitransfer.core.training;

import ai.djl.Device;
import java.util.Objects;
import java.util.function.Consumer;
import org.nifitransfer.core.pipeline.Cancellation;

/**
 * What every training phase is given, whatever it trains: the optimizer and its learning rate, the epochs and batch
 * size, early stopping, the seed, the device, whom to tell of progress, when to stop, which epoch's weights to keep,
 * and where to save checkpoints. {@link HeadTrainer} and {@link FineTuner} take these through their builders, which
 * extend {@link Builder}.
 *
 * @param optimizer the optimizer
 * @param learningRate its learning rate (above 0)
 * @param epochs how many epochs (at least 1)
 * @param batchSize images or feature vectors a batch (at least 1)
 * @param patience early-stopping patience in epochs; 0 trains every epoch
 * @param seed seeds initialisation, dropout, shuffling and augmentation
 * @param device where the training runs
 * @param progress receives the progress after every batch
 * @param cancellation asked between batches
 * @param keepBest keep the weights of the epoch with the lowest validation loss, as Keras'
 *                 {@code ModelCheckpoint(save_best_only=True)} (fine-tuning keeps the incoming weights when no epoch beats
 *                 them); false: the last epoch's weights
 * @param checkpoint where a checkpoint is saved after every finished epoch and resumed from, or null for none
 */
public record TrainingOptions(OptimizerChoice optimizer, float learningRate, int epochs, int batchSize, int patience, long seed,
                              Device device, Consumer<TrainingProgress> progress, Cancellation cancellation, boolean keepBest,
                              TrainingCheckpoint checkpoint) {

    public TrainingOptions {
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancellation, "cancellation");
        if (learningRate <= 0 || epochs < 1 || batchSize < 1 || patience < 0) {
            throw new IllegalArgumentException("Learning rate, epochs and batch size must be positive and patience not negative");
        }
    }

    /**
     * The part of a trainer's builder that sets these options, with the trainer's own defaults for the optimizer, the
     * learning rate and the epochs.
     *
     * @param <B> the trainer's builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private OptimizerChoice optimizer;
        private float learningRate;
        private int epochs;
        private int batchSize = 32;
        private int patience;
        private long seed = 42;
        private Device device = Device.cpu();
        private Consumer<TrainingProgress> progress = update -> { };
        private Cancellation cancellation = Cancellation.NONE;
        private boolean keepBest;
        private TrainingCheckpoint checkpoint;

        protected Builder(final OptimizerChoice optimizer, final float learningRate, final int epochs) {
            this.optimizer = optimizer;
            this.learningRate = learningRate;
            this.epochs = epochs;
        }

        /** This builder, for chaining. */
        protected abstract B self();

        /** The options set so far. */
        protected TrainingOptions options() {
            return new TrainingOptions(optimizer, learningRate, epochs, batchSize, patience, seed, device, progress, cancellation, keepBest,
                    checkpoint);
        }

        public B optOptimizer(final OptimizerChoice value) {
            this.optimizer = value;
            return self();
        }

        public B optLearningRate(final float value) {
            this.learningRate = value;
            return self();
        }

        public B optEpochs(final int value) {
            this.epochs = value;
            return self();
        }

        /** Default 32. */
        public B optBatchSize(final int value) {
            this.batchSize = value;
            return self();
        }

        /** Early-stopping patience in epochs; 0 (default) trains every epoch. */
        public B optPatience(final int value) {
            this.patience = value;
            return self();
        }

        /** Default 42. */
        public B optSeed(final long value) {
            this.seed = value;
            return self();
        }

        /** Default the CPU. */
        public B optDevice(final Device value) {
            this.device = value;
            return self();
        }

        public B optProgress(final Consumer<TrainingProgress> value) {
            this.progress = value;
            return self();
        }

        public B optCancellation(final Cancellation value) {
            this.cancellation = value;
            return self();
        }

        /** Default false: the last epoch's weights. */
        public B optKeepBest(final boolean value) {
            this.keepBest = value;
            return self();
        }

        /**
         * Save a checkpoint after every finished epoch there, and resume from the one saved: a training that was stopped or
         * whose process died goes on after its last finished epoch, with the result an uninterrupted one would have.
         * Default: none.
         */
        public B optCheckpoint(final TrainingCheckpoint value) {
            this.checkpoint = value;
            return self();
        }
    }
}
