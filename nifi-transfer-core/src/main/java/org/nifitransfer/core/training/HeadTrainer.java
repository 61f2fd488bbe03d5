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
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.HeadWeights;

/**
 * Trains a new classifier head on pooled features held in memory (a 25,000 x 512 feature set is 51 MB): a linear head
 * with Adam or RMSprop on the CPU in plain Java, any other with the PyTorch engine.
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
    private final float[] classWeights;
    private final TrainingOptions options;

    private HeadTrainer(final Builder builder) {
        this.head = builder.head;
        this.classWeights = builder.classWeights;
        this.options = builder.options();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The trained head and what training did. */
    public record Result(HeadWeights weights, EpochTrainer.Result training) {
    }

    /**
     * Trains on {@code trainFeatures} ({@code n * D}) and validates on {@code validationFeatures} after every epoch. A
     * head without hidden layers trained with Adam or RMSprop on the CPU (TrainHead's default) trains in plain Java
     * ({@link LinearHeadLearner}); any other head, optimizer or device trains through DJL's PyTorch engine.
     *
     * @throws java.util.concurrent.CancellationException when cancelled between batches
     */
    public Result train(final float[] trainFeatures, final int[] trainLabels, final float[] validationFeatures,
                        final int[] validationLabels) throws IOException {
        final Tracker rate = Tracker.fixed(options.learningRate());
        if (LinearHeadLearner.handles(head, options)) {
            final LinearHeadLearner learner = new LinearHeadLearner(head, classWeights, options, rate, trainFeatures, trainLabels,
                    validationFeatures, validationLabels);
            final EpochTrainer.Result result = epochTrainer(rate, null).fit(learner);
            return new Result(learner.weights(), result);
        }
        final Engine engine = Engine.getEngine("PyTorch");
        final Block block = head.newBlock();
        try (Model model = Model.newInstance("head", options.device(), "PyTorch")) {
            model.setBlock(block);
            final Optimizer trainerOptimizer = options.optimizer().create(rate);
            final DefaultTrainingConfig config = new DefaultTrainingConfig(new WeightedSoftmaxCrossEntropy(classWeights))
                    .optOptimizer(trainerOptimizer)
                    .optDevices(new Device[] {options.device()});
            try (Trainer trainer = model.newTrainer(config)) {
                synchronized (TrainingLock.LOCK) {
                    engine.setRandomSeed((int) options.seed());
                    trainer.initialize(new Shape(1, head.inputDimension()));
                }
                if (head.standardize()) {
                    HeadSpec.standardization(block).fit(trainFeatures, trainLabels.length);
                }
                final EpochTrainer.Result result = epochTrainer(rate, trainerOptimizer).fit(trainer,
                        new ArrayBatchSource(trainFeatures, trainLabels, head.inputDimension(), options.batchSize(), true, options.seed()),
                        new ArrayBatchSource(validationFeatures, validationLabels, head.inputDimension(), options.batchSize(), false, options.seed()));
                return new Result(HeadWeights.of(block), result);
            }
        }
    }

    private EpochTrainer epochTrainer(final Tracker rate, final Optimizer trainerOptimizer) {
        return EpochTrainer.builder()
                .setPhase(EpochRecord.HEAD)
                .withOptions(options)
                .optLearningRate(rate)
                .optCheckpoint(options.checkpoint(), trainerOptimizer)
                .build();
    }

    /** Builds a {@link HeadTrainer}; the head is required. Defaults: RMSprop, learning rate 1e-3, 10 epochs. */
    public static final class Builder extends TrainingOptions.Builder<Builder> {
        private HeadSpec head;
        private float[] classWeights;

        private Builder() {
            super(OptimizerChoice.RMSPROP, 1e-3f, 10);
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder setHead(final HeadSpec value) {
            this.head = value;
            return this;
        }

        /** One weight per class, or null (default) for none. */
        public Builder optClassWeights(final float[] value) {
            this.classWeights = value == null ? null : value.clone();
            return this;
        }

        public HeadTrainer build() {
            Objects.requireNonNull(head, "A head is required");
            if (classWeights != null && classWeights.length != head.classes()) {
                throw new IllegalArgumentException("Expected " + head.classes() + " class weights, got " + classWeights.length);
            }
            return new HeadTrainer(this);
        }
    }
}
