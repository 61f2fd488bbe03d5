package org.nifitransfer.core.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.HeadWeights;
import org.nifitransfer.core.model.ImageBatch;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ParameterInfo;
import org.nifitransfer.core.model.Pooling;
import org.nifitransfer.core.pipeline.Hashes;

/**
 * Fine-tunes a model end to end: the base's unfrozen parameters (as {@code model.json} marks them) and the head,
 * with a low learning rate, on a tensor dataset, with the on-the-fly augmentation it carries. The base must be
 * TorchScript. BatchNorm running statistics stay fixed unless the model says to let them update. History
 * continues the model's epoch numbers.
 */
public final class FineTuner {

    private final LearningRateSchedule schedule;
    private final boolean channelsLast;
    private final TrainingOptions options;

    private FineTuner(final Builder builder) {
        this.schedule = builder.schedule;
        this.channelsLast = builder.channelsLast;
        this.options = builder.options();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The fine-tuned model and what training did.
     *
     * @param channelsLast whether the base trained on channels-last batches (false: NCHW, asked for or refused by the base)
     */
    public record Result(ModelPackage model, EpochTrainer.Result training, boolean channelsLast) {
    }

    /** Opens a dataset's content. */
    @FunctionalInterface
    public interface Opener {
        InputStream open() throws IOException;
    }

    /** Refuses models fine-tuning cannot train, naming the reason. */
    public static void checkTrainable(final ModelManifest manifest) throws BaseModelException {
        if (!BaseModel.PYTORCH.equals(manifest.base().engine())) {
            throw new BaseModelException("Fine-tuning needs a TorchScript (.pt) base; this model's base " + manifest.base().name()
                    + " runs on " + manifest.base().engine() + ", which is inference only. Extract features with the TorchScript "
                    + "version of the base to fine-tune it.");
        }
    }

    /**
     * Fine-tunes {@code model}.
     *
     * @param model the model (its base file on local disk)
     * @param train the train tensor dataset
     * @param validation the validation tensor dataset
     * @param augmentation the train dataset's on-the-fly augmentation, or null
     * @param workDirectory where the tensor caches and the new base file go
     * @throws java.util.concurrent.CancellationException when cancelled between batches
     */
    public Result fineTune(final ModelPackage model, final Opener train, final Opener validation, final Augmenter augmentation,
                           final Path workDirectory) throws IOException, BaseModelException {
        final ModelManifest manifest = model.manifest();
        checkTrainable(manifest);
        final ModelManifest.InputSpec input = manifest.input();
        final DatasetManifest.TensorSpec spec = DatasetManifest.TensorSpec.of(input.height(), input.width(), null, null, input.normalization());
        final Set<String> trainable = manifest.baseParameters().stream().filter(ParameterInfo::trainable).map(ParameterInfo::name)
                .collect(Collectors.toSet());
        try (TensorCache trainCache = TensorCache.create(train.open(), workDirectory, spec, manifest.classes(), "train dataset");
             TensorCache validationCache = TensorCache.create(validation.open(), workDirectory, spec, manifest.classes(),
                     "validation dataset");
             BaseModel base = BaseModel.builder().setLocation(model.baseFile().toString()).optEngine(BaseModel.PYTORCH)
                     .optTrainable(true).optDevice(options.device()).load()) {
            final boolean nhwc = channelsLast && acceptsChannelsLast(base, input);
            final PtSymbolBlock baseBlock = (PtSymbolBlock) base.getBlock();
            baseBlock.freezeParameters(true);
            if (!trainable.isEmpty()) {
                baseBlock.freezeParameters(false, parameter -> trainable.contains(parameter.getName()));
            }
            final Pooling pooling = Pooling.fromValue(manifest.pooling());
            final Block head = manifest.head().newBlock();
            final SequentialBlock layers = new SequentialBlock()
                    .add(manifest.trainBatchNormStatistics() ? baseBlock : new FrozenStatisticsBlock(baseBlock))
                    .add(new LambdaBlock(list -> new NDList(pooling.apply(list.singletonOrThrow())), "pooling"))
                    .add(head);
            final long updates = (long) options.epochs() * ((trainCache.count() + options.batchSize() - 1) / options.batchSize());
            final Tracker rate = schedule.tracker(options.learningRate(), updates);
            try (Model network = Model.newInstance("fine-tune", options.device(), BaseModel.PYTORCH)) {
                network.setBlock(layers);
                final Optimizer trainerOptimizer = options.optimizer().create(rate);
                final DefaultTrainingConfig config = new DefaultTrainingConfig(new WeightedSoftmaxCrossEntropy(null))
                        .optOptimizer(trainerOptimizer)
                        .optDevices(new Device[] {options.device()});
                try (Trainer trainer = network.newTrainer(config)) {
                    synchronized (TrainingLock.LOCK) {
                        Engine.getEngine(BaseModel.PYTORCH).setRandomSeed((int) options.seed());
                        trainer.initialize(new Shape(1, 3, input.height(), input.width()));
                    }
                    new HeadWeights(manifest.headParameters(), model.headWeights()).copyInto(head);
                    final EpochTrainer.Result result = EpochTrainer.builder()
                            .setPhase(EpochRecord.FINE_TUNE)
                            .withOptions(options)
                            .optInitialEpoch(manifest.lastEpoch())
                            .optLearningRate(rate)
                            .optBaseline(options.keepBest())
                            // BatchNorm statistics that train live in the module's buffers, which a checkpoint of parameters
                            // cannot hold: such a training starts over instead of resuming inexactly
                            .optCheckpoint(manifest.trainBatchNormStatistics() ? null : options.checkpoint(), trainerOptimizer)
                            .build()
                            .fit(trainer, new TensorBatchSource(trainCache, spec, options.batchSize(), true, augmentation, options.seed(), nhwc),
                                    new TensorBatchSource(validationCache, spec, options.batchSize(), false, null, options.seed(), nhwc));
                    final Path baseFile = Files.createTempFile(workDirectory, "base-", ".pt");
                    try (OutputStream out = Files.newOutputStream(baseFile)) {
                        JniUtils.writeModule(baseBlock, out, false);
                    }
                    final HeadWeights weights = HeadWeights.of(head);
                    final DatasetManifest.BaseInfo baseInfo = new DatasetManifest.BaseInfo(manifest.base().name(), BaseModel.PYTORCH,
                            Hashes.sha256(baseFile), manifest.base().entry(), manifest.base().outputShape());
                    final ModelManifest tuned = manifest.afterTraining(baseInfo, weights.parameters(), result.history(),
                            result.metrics(options.device().toString()));
                    return new Result(new ModelPackage(tuned, baseFile, weights.values()), result, nhwc);
                }
            }
        }
    }

    /**
     * Whether the base runs on channels-last input: one forward pass of a blank image through {@link BaseModel#predict},
     * which falls back to NCHW (and says so) when the base refuses it.
     */
    private static boolean acceptsChannelsLast(final BaseModel base, final ModelManifest.InputSpec input) throws BaseModelException {
        if (!base.isChannelsLast()) {
            return false;
        }
        try (Predictor<NDList, NDList> predictor = base.newPredictor(); NDManager scope = NDManager.newBaseManager(base.getDevice(), BaseModel.PYTORCH)) {
            base.predict(predictor, scope, ImageBatch.nchw(new float[input.channels() * input.height() * input.width()], 1, input.channels(),
                    input.height(), input.width())).close();
        } catch (final TranslateException | EngineException e) {
            throw new BaseModelException("Base model " + base.getName() + " does not run on a " + input.channels() + " x " + input.height() + " x "
                    + input.width() + " image: " + e.getMessage(), e);
        }
        return base.isChannelsLast();
    }

    /**
     * Builds a {@link FineTuner}. Defaults, as FineTune's (chosen by the sweep in docs/fine-tuning.md): RMSprop, learning
     * rate 3e-4 with cosine decay, 5 epochs.
     */
    public static final class Builder extends TrainingOptions.Builder<Builder> {
        private LearningRateSchedule schedule = LearningRateSchedule.COSINE;
        private boolean channelsLast = true;

        private Builder() {
            super(OptimizerChoice.RMSPROP, 3e-4f, 5);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Feed the base channels-last batches (NHWC data behind the NCHW shape) when it accepts them, so that oneDNN's
         * convolutions run forward and backward without reordering each feature map. Default true; false gives contiguous
         * NCHW batches. A base that refuses channels-last input gets NCHW either way.
         */
        public Builder optChannelsLast(final boolean value) {
            this.channelsLast = value;
            return this;
        }

        /** How the learning rate changes over the updates; default cosine decay. */
        public Builder optSchedule(final LearningRateSchedule value) {
            this.schedule = value;
            return this;
        }

        /** @throws IllegalArgumentException for options out of range */
        public FineTuner build() {
            return new FineTuner(this);
        }
    }
}
