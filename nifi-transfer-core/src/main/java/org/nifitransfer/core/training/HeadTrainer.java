package org.nifitransfer.core.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Consumer;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.HeadWeights;
import org.nifitransfer.core.pipeline.Cancellation;

/**
 * Trains a new classifier head on pooled features held in memory (a 25,000 x 512 feature set is 51 MB), with
 * the PyTorch engine.
 *
 * <pre>{@code
 * HeadTrainer.Result result = HeadTrainer.builder()
 *         .setHead(new HeadSpec(512, List.of(), 0.2, "relu", 2, true))
 *         .optOptimizer(OptimizerChoice.RMSPROP).optLearningRate(1e-3f).optEpochs(10)
 *         .build()
 *         .train(trainFeatures, trainLabels, validationFeatures, validationLabels);
 * }</pre>
 */
public final class HeadTrainer {

    private final HeadSpec head;
    private final OptimizerChoice optimizer;
    private final float learningRate;
    private final int epochs;
    private final int batchSize;
    private final float[] classWeights;
    private final int patience;
    private final long seed;
    private final Device device;
    private final Consumer<TrainingProgress> progress;
    private final Cancellation cancellation;
    private final boolean keepBest;
    private final TrainingCheckpoint checkpoint;

    private HeadTrainer(final Builder builder) {
        this.head = builder.head;
        this.optimizer = builder.optimizer;
        this.learningRate = builder.learningRate;
        this.epochs = builder.epochs;
        this.batchSize = builder.batchSize;
        this.classWeights = builder.classWeights;
        this.patience = builder.patience;
        this.seed = builder.seed;
        this.device = builder.device;
        this.progress = builder.progress;
        this.cancellation = builder.cancellation;
        this.keepBest = builder.keepBest;
        this.checkpoint = builder.checkpoint;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The trained head and what training did. */
    public record Result(HeadWeights weights, EpochTrainer.Result training) {
    }

    /**
     * Trains on {@code trainFeatures} ({@code n * D}) and validates on {@code validationFeatures} after every epoch.
     *
     * @throws java.util.concurrent.CancellationException when cancelled between batches
     */
    public Result train(final float[] trainFeatures, final int[] trainLabels, final float[] validationFeatures,
                        final int[] validationLabels) throws IOException {
        final Engine engine = Engine.getEngine("PyTorch");
        final Block block = head.newBlock();
        final Tracker rate = Tracker.fixed(learningRate);
        try (Model model = Model.newInstance("head", device, "PyTorch")) {
            model.setBlock(block);
            final Optimizer trainerOptimizer = optimizer.create(rate);
            final DefaultTrainingConfig config = new DefaultTrainingConfig(new WeightedSoftmaxCrossEntropy(classWeights))
                    .optOptimizer(trainerOptimizer)
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.newTrainer(config)) {
                synchronized (TrainingLock.LOCK) {
                    engine.setRandomSeed((int) seed);
                    trainer.initialize(new Shape(1, head.inputDimension()));
                }
                if (head.standardize()) {
                    HeadSpec.standardization(block).fit(trainFeatures, trainLabels.length);
                }
                final EpochTrainer.Result result = EpochTrainer.builder()
                        .setPhase(EpochRecord.HEAD)
                        .setEpochs(epochs)
                        .optPatience(patience)
                        .optLearningRate(rate)
                        .optProgress(progress)
                        .optCancellation(cancellation)
                        .optKeepBest(keepBest)
                        .optSeed(seed)
                        .optCheckpoint(checkpoint, trainerOptimizer)
                        .build()
                        .fit(trainer,
                                new ArrayBatchSource(trainFeatures, trainLabels, head.inputDimension(), batchSize, true, seed),
                                new ArrayBatchSource(validationFeatures, validationLabels, head.inputDimension(), batchSize, false, seed));
                return new Result(HeadWeights.of(block), result);
            }
        }
    }

    /** Builds a {@link HeadTrainer}; the head is required. */
    public static final class Builder {
        private HeadSpec head;
        private OptimizerChoice optimizer = OptimizerChoice.RMSPROP;
        private float learningRate = 1e-3f;
        private int epochs = 10;
        private int batchSize = 32;
        private float[] classWeights;
        private int patience;
        private long seed = 42;
        private Device device = Device.cpu();
        private Consumer<TrainingProgress> progress = update -> { };
        private Cancellation cancellation = Cancellation.NONE;
        private boolean keepBest;
        private TrainingCheckpoint checkpoint;

        /**
         * Save a checkpoint after every finished epoch there, and resume from the one saved: a training that was stopped or
         * whose process died goes on after its last finished epoch, with the result an uninterrupted one would have.
         * Default: none.
         */
        public Builder optCheckpoint(final TrainingCheckpoint value) {
            this.checkpoint = value;
            return this;
        }

        private Builder() {
        }

        public Builder setHead(final HeadSpec value) {
            this.head = value;
            return this;
        }

        /** Default RMSprop. */
        public Builder optOptimizer(final OptimizerChoice value) {
            this.optimizer = value;
            return this;
        }

        /** Default 1e-3. */
        public Builder optLearningRate(final float value) {
            this.learningRate = value;
            return this;
        }

        /** Default 10. */
        public Builder optEpochs(final int value) {
            this.epochs = value;
            return this;
        }

        /** Default 32. */
        public Builder optBatchSize(final int value) {
            this.batchSize = value;
            return this;
        }

        /** One weight per class, or null (default) for none. */
        public Builder optClassWeights(final float[] value) {
            this.classWeights = value == null ? null : value.clone();
            return this;
        }

        /** Early-stopping patience in epochs; 0 (default) trains every epoch. */
        public Builder optPatience(final int value) {
            this.patience = value;
            return this;
        }

        /** Seeds initialisation, dropout and shuffling. Default 42. */
        public Builder optSeed(final long value) {
            this.seed = value;
            return this;
        }

        public Builder optDevice(final Device value) {
            this.device = value;
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

        /**
         * Keep the weights of the epoch with the lowest validation loss, as Keras'
         * {@code ModelCheckpoint(save_best_only=True)}. Default false: the last epoch's weights.
         */
        public Builder optKeepBest(final boolean value) {
            this.keepBest = value;
            return this;
        }

        public HeadTrainer build() {
            Objects.requireNonNull(head, "A head is required");
            if (learningRate <= 0 || batchSize < 1 || patience < 0) {
                throw new IllegalArgumentException("Learning rate and batch size must be positive and patience not negative");
            }
            if (classWeights != null && classWeights.length != head.classes()) {
                throw new IllegalArgumentException("Expected " + head.classes() + " class weights, got " + classWeights.length);
            }
            return new HeadTrainer(this);
        }
    }
}
