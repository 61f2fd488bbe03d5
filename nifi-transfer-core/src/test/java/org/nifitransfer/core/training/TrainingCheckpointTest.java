package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.FeatureDatasetReader;
import org.nifitransfer.core.dataset.FeatureShard;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.FeatureExtractor;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ParameterInfo;
import org.nifitransfer.core.model.UnfreezeSelector;
import org.nifitransfer.core.model.UnfreezeStrategy;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.pipeline.Hashes;

/**
 * A training stopped in the middle of an epoch resumes after its last finished epoch from its checkpoint, and ends with
 * exactly the history and weights of a training that was never stopped: head training with each optimizer, and
 * fine-tuning with on-the-fly augmentation.
 */
class TrainingCheckpointTest {

    private static final int SIZE = 32;
    private static byte[] train;
    private static byte[] validation;
    private static FeatureShard trainFeatures;
    private static FeatureShard validationFeatures;
    private static int dimension;
    private static DatasetManifest trainManifest;

    @TempDir
    Path work;

    @BeforeAll
    static void makeData() throws Exception {
        train = StripeDatasets.tensors("train", 80, SIZE, 1);
        validation = StripeDatasets.tensors("validation", 40, SIZE, 2);
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load()) {
            trainFeatures = features(base, train, true);
            validationFeatures = features(base, validation, false);
        }
    }

    private static FeatureShard features(final BaseModel base, final byte[] dataset, final boolean isTrain) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final FeatureExtractor.Result result = FeatureExtractor.builder().setBase(base).optBatchSize(16).build()
                .extract(new ByteArrayInputStream(dataset), out, isTrain, Cancellation.NONE, done -> { });
        if (isTrain) {
            trainManifest = result.manifest();
        }
        final List<FeatureShard> shards = new ArrayList<>();
        try (FeatureDatasetReader reader = FeatureDatasetReader.open(new ByteArrayInputStream(out.toByteArray()))) {
            FeatureShard shard;
            while ((shard = reader.nextShard()) != null) {
                shards.add(shard);
            }
            dimension = reader.getManifest().features().dimension();
            return FeatureShard.concat(shards, dimension);
        }
    }

    /** A stop request that comes once training reports a batch of epoch {@code epoch}: that epoch is left unfinished. */
    private record StopDuring(int epoch, AtomicBoolean requested) implements Cancellation, Consumer<TrainingProgress> {

        StopDuring(final int epoch) {
            this(epoch, new AtomicBoolean());
        }

        @Override
        public boolean isCancelled() {
            return requested.get();
        }

        @Override
        public void accept(final TrainingProgress progress) {
            if (progress.epoch() >= epoch) {
                requested.set(true);
            }
        }
    }

    private static final StopDuring NEVER = new StopDuring(Integer.MAX_VALUE);

    private HeadTrainer.Result trainHead(final OptimizerChoice optimizer, final TrainingCheckpoint checkpoint, final StopDuring stop)
            throws Exception {
        return trainHead(List.of(8), optimizer, checkpoint, stop);
    }

    private HeadTrainer.Result trainHead(final List<Integer> hidden, final OptimizerChoice optimizer, final TrainingCheckpoint checkpoint,
                                         final StopDuring stop) throws Exception {
        return HeadTrainer.builder()
                .setHead(new HeadSpec(dimension, hidden, 0.3, "relu", 2, true))
                .optOptimizer(optimizer).optLearningRate(0.01f).optEpochs(6).optBatchSize(16).optSeed(5).optKeepBest(true)
                .optCheckpoint(checkpoint).optCancellation(stop).optProgress(stop)
                .build()
                .train(trainFeatures.features(), trainFeatures.labels(), validationFeatures.features(), validationFeatures.labels());
    }

    @ParameterizedTest
    @EnumSource(OptimizerChoice.class)
    void aStoppedHeadTrainingResumesAfterItsLastEpochAndEndsAsAnUninterruptedOne(final OptimizerChoice optimizer) throws Exception {
        final HeadTrainer.Result uninterrupted = trainHead(optimizer, null, NEVER);
        final TrainingCheckpoint checkpoint = new TrainingCheckpoint(work.resolve("head"), "run-1");
        assertThrows(CancellationException.class, () -> trainHead(optimizer, checkpoint, new StopDuring(4)));
        assertEquals(3, checkpoint.savedEpoch().orElseThrow(), "the checkpoint holds the last finished epoch");
        final HeadTrainer.Result resumed = trainHead(optimizer, checkpoint, NEVER);
        assertEquals(uninterrupted.training().history(), resumed.training().history(), "the same history, no epoch repeated");
        assertEquals(uninterrupted.training().keptEpoch(), resumed.training().keptEpoch());
        assertEquals(uninterrupted.weights().values().keySet(), resumed.weights().values().keySet());
        for (final Map.Entry<String, float[]> weight : uninterrupted.weights().values().entrySet()) {
            assertArrayEquals(weight.getValue(), resumed.weights().values().get(weight.getKey()), weight.getKey());
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6), resumed.training().history().stream().map(EpochRecord::epoch).toList());
    }

    @ParameterizedTest
    @EnumSource(value = OptimizerChoice.class, names = {"RMSPROP", "ADAM"})
    void aStoppedLinearHeadTrainingInJavaResumesAfterItsLastEpochAndEndsAsAnUninterruptedOne(final OptimizerChoice optimizer)
            throws Exception {
        // a linear head with RMSprop or Adam on the CPU trains in plain Java (LinearHeadLearner), with its own optimizer state
        final HeadTrainer.Result uninterrupted = trainHead(List.of(), optimizer, null, NEVER);
        final TrainingCheckpoint checkpoint = new TrainingCheckpoint(work.resolve("linear"), "linear head");
        assertThrows(CancellationException.class, () -> trainHead(List.of(), optimizer, checkpoint, new StopDuring(4)));
        assertEquals(3, checkpoint.savedEpoch().orElseThrow(), "the checkpoint holds the last finished epoch");
        final HeadTrainer.Result resumed = trainHead(List.of(), optimizer, checkpoint, NEVER);
        assertEquals(uninterrupted.training().history(), resumed.training().history(), "the same history, no epoch repeated");
        assertEquals(uninterrupted.training().keptEpoch(), resumed.training().keptEpoch());
        assertEquals(uninterrupted.weights().parameters().size(), resumed.weights().parameters().size());
        for (final Map.Entry<String, float[]> weight : uninterrupted.weights().values().entrySet()) {
            assertArrayEquals(weight.getValue(), resumed.weights().values().get(weight.getKey()), weight.getKey());
        }
        // a checkpoint of the DJL path's RMSprop (another optimizer state) is not this learner's
        final TrainingCheckpoint hidden = new TrainingCheckpoint(work.resolve("hidden"), "linear head");
        assertThrows(CancellationException.class, () -> trainHead(List.of(8), optimizer, hidden, new StopDuring(4)));
        assertThrows(IllegalStateException.class, () -> trainHead(List.of(), optimizer, hidden, NEVER));
    }

    @Test
    void aCheckpointOfAnotherTrainingIsIgnored() throws Exception {
        final TrainingCheckpoint first = new TrainingCheckpoint(work.resolve("shared"), "run-1");
        assertThrows(CancellationException.class, () -> trainHead(OptimizerChoice.ADAM, first, new StopDuring(4)));
        final TrainingCheckpoint other = new TrainingCheckpoint(work.resolve("shared"), "run-2");
        assertTrue(other.savedEpoch().isEmpty());
        final HeadTrainer.Result fresh = trainHead(OptimizerChoice.ADAM, other, NEVER);
        assertEquals(trainHead(OptimizerChoice.ADAM, null, NEVER).training().history(), fresh.training().history());
    }

    @Test
    void aStoppedFineTuningResumesAfterItsLastEpochAndEndsAsAnUninterruptedOne() throws Exception {
        final HeadTrainer.Result head = trainHead(OptimizerChoice.ADAM, null, NEVER);
        final ModelPackage headModel;
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load()) {
            final ModelPackage packaged = HeadModels.packageHead(trainManifest, base.getFile(), base.parameters(),
                    new HeadSpec(dimension, List.of(8), 0.3, "relu", 2, true), head, "cpu()");
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            packaged.write(bytes);
            headModel = ModelPackage.read(new ByteArrayInputStream(bytes.toByteArray()), work);
        }
        final List<ParameterInfo> top = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(1).build()
                .apply(headModel.manifest().baseParameters());
        final ModelPackage unfrozen = new ModelPackage(headModel.manifest().withBaseParameters(top, false, "top 1 blocks"), headModel.baseFile(),
                headModel.headWeights());
        final Augmenter augmenter = new Augmenter(AugmentationRecipe.builder().optHorizontalFlip(true).build());

        final FineTuner.Result uninterrupted = fineTune(unfrozen, augmenter, null, NEVER);
        final TrainingCheckpoint checkpoint = new TrainingCheckpoint(work.resolve("fine-tune"), "run-1");
        assertThrows(CancellationException.class, () -> fineTune(unfrozen, augmenter, checkpoint, new StopDuring(8)));
        assertEquals(7, checkpoint.savedEpoch().orElseThrow(), "the head's 6 epochs, then the first fine-tuning epoch");
        final FineTuner.Result resumed = fineTune(unfrozen, augmenter, checkpoint, NEVER);
        assertEquals(uninterrupted.model().manifest().history(), resumed.model().manifest().history());
        for (final Map.Entry<String, float[]> weight : uninterrupted.model().headWeights().entrySet()) {
            assertArrayEquals(weight.getValue(), resumed.model().headWeights().get(weight.getKey()), weight.getKey());
        }
        assertEquals(Hashes.sha256(uninterrupted.model().baseFile()), Hashes.sha256(resumed.model().baseFile()),
                "the fine-tuned base is the same, bit for bit");
    }

    private FineTuner.Result fineTune(final ModelPackage model, final Augmenter augmenter, final TrainingCheckpoint checkpoint,
                                      final StopDuring stop) throws Exception {
        return FineTuner.builder().optOptimizer(OptimizerChoice.RMSPROP).optLearningRate(1e-3f).optEpochs(3).optBatchSize(16).optSeed(9)
                .optKeepBest(true).optCheckpoint(checkpoint).optCancellation(stop).optProgress(stop).build()
                .fineTune(model, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation), augmenter, work);
    }
}
