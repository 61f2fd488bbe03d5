package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.evaluate.ClassificationMetrics;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.EngineResources;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.model.ParameterInfo;
import org.nifitransfer.core.model.UnfreezeSelector;
import org.nifitransfer.core.model.UnfreezeStrategy;
import org.nifitransfer.core.pipeline.Cancellation;

/** Extract, train a head, package, predict and fine-tune with the fixture bases, on learnable striped images. */
class TrainingPipelineTest {

    private static final int SIZE = 32;
    private static byte[] train;
    private static byte[] validation;

    @TempDir
    Path work;

    @BeforeAll
    static void makeData() {
        train = StripeDatasets.tensors("train", 80, SIZE, 1);
        validation = StripeDatasets.tensors("validation", 40, SIZE, 2);
    }

    private ModelPackage headModel(final String baseFile) throws Exception {
        final ModelPackage model = StripeModels.headModel(baseFile, train, validation, work);
        if (!baseFile.contains("flat")) {
            assertEquals(16, model.manifest().head().inputDimension());
            assertArrayEquals(new long[] {16, 8, 8}, model.manifest().base().outputShape());
        }
        return model;
    }

    private static double accuracy(final ModelPackage model, final byte[] dataset) throws Exception {
        final ClassificationMetrics.Accumulator metrics = new ClassificationMetrics.Accumulator(StripeDatasets.CLASSES);
        try (ModelRunner runner = ModelRunner.open(model, ai.djl.Device.cpu())) {
            runner.predictAll(new ByteArrayInputStream(dataset), 16, metrics::add, Cancellation.NONE, done -> { });
        }
        return metrics.result().accuracy();
    }

    private static Map<String, float[]> baseWeights(final Path baseFile) throws BaseModelException {
        final Map<String, float[]> weights = new HashMap<>();
        try (BaseModel base = BaseModel.builder().setLocation(baseFile.toString()).optTrainable(true).load()) {
            for (final Pair<String, Parameter> pair : base.getBlock().getParameters()) {
                weights.put(pair.getValue().getName(), pair.getValue().getArray().toFloatArray());
            }
        }
        return weights;
    }

    @Test
    void headOnTorchScriptFeaturesLearnsAndThePackagedModelPredictsTheSame() throws Exception {
        final ModelPackage model = headModel("tiny_base.pt");
        final ModelManifest manifest = model.manifest();
        final EpochRecord last = manifest.history().getLast();
        assertEquals(12, manifest.history().size());
        assertTrue(last.validationAccuracy() >= 0.9, "head validation accuracy " + last.validationAccuracy());
        assertEquals(last.validationAccuracy(), accuracy(model, validation), 1e-9, "packaged model predicts as trained");
        assertEquals(6, manifest.baseParameters().size());
        assertTrue(manifest.baseParameters().stream().noneMatch(ParameterInfo::trainable));
        assertTrue(model.summaryText().contains("Total params"), model.summaryText());
    }

    @Test
    void headOnOnnxFeaturesLearnsAndCannotBeFineTuned() throws Exception {
        final ModelPackage model = headModel("tiny_base.onnx");
        assertEquals("OnnxRuntime", model.manifest().base().engine());
        assertTrue(accuracy(model, validation) >= 0.9);
        final BaseModelException refused = assertThrows(BaseModelException.class, () -> FineTuner.checkTrainable(model.manifest()));
        assertTrue(refused.getMessage().startsWith("Fine-tuning needs a TorchScript (.pt) base"), refused.getMessage());
    }

    @Test
    void channelsLastExtractionGivesTheNchwFeaturesWithinRounding() throws Exception {
        final String fixture = StripeDatasets.fixture("tiny_base.pt").toString();
        try (BaseModel channelsLast = BaseModel.builder().setLocation(fixture).load();
             BaseModel nchw = BaseModel.builder().setLocation(fixture).optChannelsLast(false).load()) {
            final StripeModels.Loaded fast = StripeModels.load(StripeModels.features(channelsLast, validation));
            final StripeModels.Loaded plain = StripeModels.load(StripeModels.features(nchw, validation));
            assertTrue(channelsLast.isChannelsLast());
            assertArrayEquals(plain.labels(), fast.labels());
            assertEquals(plain.features().length, fast.features().length);
            for (int i = 0; i < plain.features().length; i++) {
                assertEquals(plain.features()[i], fast.features()[i], 1e-5 * Math.max(1, Math.abs(plain.features()[i])), "feature " + i);
            }
            assertArrayEquals(plain.features(), StripeModels.load(StripeModels.features(nchw, validation)).features(), "NCHW extraction is reproducible");
            assertArrayEquals(fast.features(), StripeModels.load(StripeModels.features(channelsLast, validation)).features(), "channels-last too");
        }
    }

    @Test
    void sameSeedSameHistoryAndOtherSeedDiffers() throws Exception {
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load()) {
            final StripeModels.Loaded trainSet = StripeModels.load(StripeModels.features(base, train));
            final StripeModels.Loaded validationSet = StripeModels.load(StripeModels.features(base, validation));
            final List<EpochRecord> first = StripeModels.trainHead(trainSet, validationSet, 3).training().history();
            final List<EpochRecord> second = StripeModels.trainHead(trainSet, validationSet, 3).training().history();
            assertEquals(first, second);
            assertFalse(first.equals(StripeModels.trainHead(trainSet, validationSet, 4).training().history()));
        }
    }

    @Test
    void fineTuningChangesExactlyTheUnfrozenParametersAndContinuesTheHistory() throws Exception {
        final ModelPackage headOnly = headModel("tiny_base.pt");
        final List<ParameterInfo> selected = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(1).build()
                .apply(headOnly.manifest().baseParameters());
        final ModelPackage unfrozen = new ModelPackage(headOnly.manifest().withBaseParameters(selected, false, "top 1 blocks"),
                headOnly.baseFile(), headOnly.headWeights());
        final Map<String, float[]> before = baseWeights(unfrozen.baseFile());

        final FineTuner.Result result = FineTuner.builder().optOptimizer(OptimizerChoice.ADAM).optLearningRate(1e-3f).optEpochs(2)
                .optBatchSize(16).build()
                .fineTune(unfrozen, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation),
                        new Augmenter(AugmentationRecipe.builder().optHorizontalFlip(true).build()), work);
        final ModelManifest tuned = result.model().manifest();
        assertEquals(List.of(13, 14), tuned.history().subList(12, 14).stream().map(EpochRecord::epoch).toList());
        assertEquals(EpochRecord.FINE_TUNE, tuned.history().getLast().phase());

        final Map<String, float[]> after = baseWeights(result.model().baseFile());
        for (final String name : before.keySet()) {
            final boolean changed = !java.util.Arrays.equals(before.get(name), after.get(name));
            assertEquals(name.startsWith("4."), changed, name + (changed ? " changed" : " unchanged"));
        }
        final List<float[]> headBefore = List.copyOf(unfrozen.headWeights().values());
        final List<float[]> headAfter = List.copyOf(result.model().headWeights().values());
        assertTrue(java.util.Arrays.equals(headBefore.get(0), headAfter.get(0)) && java.util.Arrays.equals(headBefore.get(1), headAfter.get(1)),
                "the head's feature standardization stays fixed");
        assertFalse(java.util.Arrays.equals(headBefore.get(2), headAfter.get(2)), "the head's dense layer trains too");
        assertTrue(accuracy(result.model(), validation) >= 0.85);
    }

    /** Fine-tunes every base parameter and the head, 2 epochs of Adam, with or without channels-last batches. */
    private FineTuner.Result fineTuneAll(final ModelPackage headOnly, final boolean channelsLast) throws Exception {
        final List<ParameterInfo> all = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.ALL).build()
                .apply(headOnly.manifest().baseParameters());
        final ModelPackage unfrozen = new ModelPackage(headOnly.manifest().withBaseParameters(all, false, "all"),
                headOnly.baseFile(), headOnly.headWeights());
        return FineTuner.builder().optOptimizer(OptimizerChoice.ADAM).optLearningRate(1e-3f).optEpochs(2).optBatchSize(16)
                .optChannelsLast(channelsLast).build()
                .fineTune(unfrozen, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation), null, work);
    }

    @Test
    void channelsLastFineTuningFollowsTheNchwOneWithinRounding() throws Exception {
        final ModelPackage headOnly = headModel("tiny_base.pt");
        final FineTuner.Result fast = fineTuneAll(headOnly, true);
        final FineTuner.Result plain = fineTuneAll(headOnly, false);
        assertTrue(fast.channelsLast(), "tiny_base.pt trains on channels-last batches");
        assertFalse(plain.channelsLast());
        final List<EpochRecord> fastHistory = fast.model().manifest().history();
        final List<EpochRecord> plainHistory = plain.model().manifest().history();
        assertEquals(plainHistory.size(), fastHistory.size());
        for (int i = 12; i < plainHistory.size(); i++) {
            final EpochRecord a = plainHistory.get(i);
            final EpochRecord b = fastHistory.get(i);
            assertEquals(a.loss(), b.loss(), 1e-4 * Math.max(1, a.loss()), "training loss, epoch " + a.epoch());
            assertEquals(a.validationLoss(), b.validationLoss(), 1e-4 * Math.max(1, a.validationLoss()), "validation loss, epoch " + a.epoch());
            assertEquals(a.validationAccuracy(), b.validationAccuracy(), 1e-9, "validation accuracy, epoch " + a.epoch());
        }
        final Map<String, float[]> before = baseWeights(headOnly.baseFile());
        final Map<String, float[]> nchw = baseWeights(plain.model().baseFile());
        final Map<String, float[]> channelsLast = baseWeights(fast.model().baseFile());
        for (final String name : nchw.keySet()) {
            assertFalse(java.util.Arrays.equals(before.get(name), channelsLast.get(name)), name + " trained");
            for (int i = 0; i < nchw.get(name).length; i++) {
                assertEquals(nchw.get(name)[i], channelsLast.get(name)[i], 1e-4f * Math.max(1, Math.abs(nchw.get(name)[i])), name + "[" + i + "]");
            }
        }
    }

    @Test
    void aBaseThatRefusesChannelsLastInputFineTunesInNchw() throws Exception {
        final ModelPackage headOnly = headModel("tiny_base_flat.pt");
        final FineTuner.Result asked = fineTuneAll(headOnly, true);
        final FineTuner.Result nchw = fineTuneAll(headOnly, false);
        assertFalse(asked.channelsLast(), "tiny_base_flat.pt's view() refuses channels-last strides");
        assertEquals(nchw.model().manifest().history(), asked.model().manifest().history(), "the same NCHW batches, bit for bit");
        assertTrue(asked.model().manifest().history().getLast().validationAccuracy() >= 0.85);
    }

    @Test
    void keepingTheBestEpochKeepsTheIncomingWeightsWhenFineTuningOnlyMakesThingsWorse() throws Exception {
        final ModelPackage headOnly = headModel("tiny_base.pt");
        final List<ParameterInfo> all = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.ALL).build()
                .apply(headOnly.manifest().baseParameters());
        final ModelPackage unfrozen = new ModelPackage(headOnly.manifest().withBaseParameters(all, false, "all"),
                headOnly.baseFile(), headOnly.headWeights());
        final Map<String, float[]> before = baseWeights(unfrozen.baseFile());
        final FineTuner.Result result = FineTuner.builder().optOptimizer(OptimizerChoice.SGD).optLearningRate(50f).optEpochs(2)
                .optBatchSize(16).optKeepBest(true).build()
                .fineTune(unfrozen, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation), null, work);
        final ModelManifest.TrainingMetrics metrics = result.model().manifest().metrics();
        assertEquals(12, metrics.keptEpoch(), "no fine-tuning epoch beat the head model");
        assertTrue(result.model().manifest().history().getLast().validationLoss() > metrics.keptValidationLoss());
        final Map<String, float[]> after = baseWeights(result.model().baseFile());
        for (final String name : before.keySet()) {
            assertArrayEquals(before.get(name), after.get(name), name + " restored");
        }
        final List<float[]> headBefore = List.copyOf(unfrozen.headWeights().values());
        final List<float[]> headAfter = List.copyOf(result.model().headWeights().values());
        for (int i = 0; i < headBefore.size(); i++) {
            assertArrayEquals(headBefore.get(i), headAfter.get(i), "head array " + i + " restored");
        }
        assertEquals(metrics.keptValidationAccuracy(), accuracy(result.model(), validation), 1e-9);
    }

    @Test
    void earlyStoppingEndsAPhaseThatStopsImproving() throws Exception {
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load()) {
            final StripeModels.Loaded trainSet = StripeModels.load(StripeModels.features(base, train));
            final StripeModels.Loaded validationSet = StripeModels.load(StripeModels.features(base, validation));
            final HeadTrainer.Result result = HeadTrainer.builder()
                    .setHead(new HeadSpec(16, List.of(), 0, "relu", 2, true))
                    .optOptimizer(OptimizerChoice.SGD).optLearningRate(30f).optEpochs(12).optBatchSize(16).optPatience(2).optKeepBest(true)
                    .build()
                    .train(trainSet.features(), trainSet.labels(), validationSet.features(), validationSet.labels());
            assertTrue(result.training().stoppedEarly(), "a learning rate of 30 never keeps improving");
            assertTrue(result.training().history().size() < 12);
            assertEquals(result.training().bestEpoch(), result.training().keptEpoch());
        }
    }

    @Test
    void aCosineScheduleLowersTheLearningRateEveryEpoch() throws Exception {
        final ModelPackage headOnly = headModel("tiny_base.pt");
        final FineTuner.Result result = FineTuner.builder().optLearningRate(1e-3f).optSchedule(LearningRateSchedule.COSINE).optEpochs(3)
                .optBatchSize(16).build()
                .fineTune(headOnly, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation), null, work);
        final List<Double> rates = result.model().manifest().history().subList(12, 15).stream().map(EpochRecord::learningRate).toList();
        assertEquals(1e-3, rates.get(0), 1e-9);
        assertTrue(rates.get(1) < rates.get(0) && rates.get(2) < rates.get(1), rates.toString());
    }

    @Test
    void twoTrainingsAtOnceBothFinish() throws Exception {
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load()) {
            final StripeModels.Loaded trainSet = StripeModels.load(StripeModels.features(base, train));
            final StripeModels.Loaded validationSet = StripeModels.load(StripeModels.features(base, validation));
            final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                final java.util.concurrent.Future<HeadTrainer.Result> first = pool.submit(() -> StripeModels.trainHead(trainSet, validationSet, 1));
                final java.util.concurrent.Future<HeadTrainer.Result> second = pool.submit(() -> StripeModels.trainHead(trainSet, validationSet, 1));
                assertEquals(first.get().training().history(), second.get().training().history(),
                        "interleaved trainings with the same seed still give the same history");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void batchNormStatisticsStayFrozenUnlessAskedToUpdate() throws Exception {
        final ModelPackage model = headModel("tiny_base_bn.pt");
        final List<ParameterInfo> none = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.NONE).build()
                .apply(model.manifest().baseParameters());
        final double[] outputs = new double[3];
        outputs[0] = baseOutput(model.baseFile());
        for (int i = 1; i <= 2; i++) {
            final ModelPackage configured = new ModelPackage(model.manifest().withBaseParameters(none, i == 2, "none"),
                    model.baseFile(), model.headWeights());
            final FineTuner.Result result = FineTuner.builder().optLearningRate(1e-3f).optEpochs(1).optBatchSize(16).build()
                    .fineTune(configured, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation), null, work);
            outputs[i] = baseOutput(result.model().baseFile());
        }
        assertEquals(outputs[0], outputs[1], 0.0, "frozen statistics: the base computes exactly as before");
        assertTrue(Math.abs(outputs[0] - outputs[2]) > 1e-6, "updating statistics changes the base's inference output");
    }

    /** The sum of the base's inference output on a fixed input: changes when any weight or running statistic does. */
    private static double baseOutput(final Path baseFile) throws Exception {
        try (BaseModel base = BaseModel.builder().setLocation(baseFile.toString()).load();
             ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager();
             ai.djl.inference.Predictor<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> predictor = base.newPredictor()) {
            final ai.djl.ndarray.NDArray input = manager.arange(3f * SIZE * SIZE).div(3f * SIZE * SIZE).reshape(1, 3, SIZE, SIZE);
            final ai.djl.ndarray.NDList output = predictor.predict(new ai.djl.ndarray.NDList(input));
            final double sum = output.head().sum().getFloat();
            output.close();
            return sum;
        }
    }

    @Test
    void repeatedRunsLeaveNoNativeResourcesBehind() throws Exception {
        headModel("tiny_base.pt");
        final int baseline = EngineResources.live("PyTorch");
        for (int run = 0; run < 3; run++) {
            final ModelPackage model = headModel("tiny_base.pt");
            accuracy(model, validation);
        }
        assertEquals(baseline, EngineResources.live("PyTorch"), "PyTorch managers still open after the runs");
    }

    @Test
    void wrongAndDamagedBaseFilesFailNamingTheFile() {
        for (final String name : List.of("not_a_model.pt", "truncated_base.pt")) {
            final BaseModelException error = assertThrows(BaseModelException.class,
                    () -> BaseModel.builder().setLocation(StripeDatasets.fixture(name).toString()).load());
            assertTrue(error.getMessage().startsWith("Base model " + name + " is ") && error.getMessage().contains("zip archive"), error.getMessage());
        }
        final BaseModelException missing = assertThrows(BaseModelException.class,
                () -> BaseModel.builder().setLocation(StripeDatasets.fixture("nope.pt").toString()).load());
        assertTrue(missing.getMessage().endsWith("does not exist"), missing.getMessage());
    }

    @Test
    void fixedSizeOnnxBaseRefusesOtherImageSizes() throws Exception {
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.onnx").toString()).load()) {
            final byte[] big = StripeDatasets.tensors("train", 2, 64, 5);
            final BaseModelException error = assertThrows(BaseModelException.class, () -> StripeModels.features(base, big));
            assertTrue(error.getMessage().startsWith("Base model tiny_base.onnx does not accept 3x64x64 images"), error.getMessage());
        }
    }

    @Test
    void predictionsKeepFileNamesAndLabels() throws Exception {
        final ModelPackage model = headModel("tiny_base.pt");
        final List<Prediction> predictions = new ArrayList<>();
        try (ModelRunner runner = ModelRunner.open(model, ai.djl.Device.cpu())) {
            runner.predictAll(new ByteArrayInputStream(validation), 16, predictions::add, Cancellation.NONE, done -> { });
        }
        assertEquals(80, predictions.size());
        assertEquals("horizontal/img0.png", predictions.getFirst().file());
        assertEquals(1, predictions.getLast().trueLabel());
        assertEquals(1.0, predictions.getFirst().probabilities()[0] + predictions.getFirst().probabilities()[1], 1e-5);
    }
}
