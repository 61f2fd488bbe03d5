package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.HeadWeights;
import org.nifitransfer.core.model.ModelManifest;

/** The plain-Java linear head against the DJL path it stands in for: the same model, the same arithmetic. */
class LinearHeadLearnerTest {

    private static final int DIMENSION = 24;
    private static final int CLASSES = 3;
    private static final int TRAIN = 200;
    private static final int VALIDATION = 60;

    private final float[] trainFeatures = new float[TRAIN * DIMENSION];
    private final int[] trainLabels = new int[TRAIN];
    private final float[] validationFeatures = new float[VALIDATION * DIMENSION];
    private final int[] validationLabels = new int[VALIDATION];

    LinearHeadLearnerTest() {
        // features on a Caffe-like scale (hundreds) with a class signal in a few of them
        final Random random = new Random(17);
        fill(random, trainFeatures, trainLabels);
        fill(random, validationFeatures, validationLabels);
    }

    private static void fill(final Random random, final float[] features, final int[] labels) {
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(CLASSES);
            for (int d = 0; d < DIMENSION; d++) {
                features[i * DIMENSION + d] = (float) (100 + 30 * random.nextGaussian() + (d % CLASSES == labels[i] ? 25 : 0));
            }
        }
    }

    private static TrainingOptions options(final OptimizerChoice optimizer, final Device device) {
        return HeadTrainer.builder().setHead(new HeadSpec(DIMENSION, List.of(), 0, "relu", CLASSES, true)).optOptimizer(optimizer)
                .optLearningRate(0.01f).optEpochs(3).optBatchSize(16).optSeed(9).optDevice(device).options();
    }

    private static EpochTrainer epochs(final Tracker rate, final Optimizer optimizer) {
        return EpochTrainer.builder().setEpochs(3).optLearningRate(rate).optSeed(9).optCheckpoint(null, optimizer).build();
    }

    @Test
    void trainsToTheWeightsAndHistoryTheDjlPathTrainsFromTheSameStart() throws Exception {
        for (final OptimizerChoice choice : new OptimizerChoice[] {OptimizerChoice.RMSPROP, OptimizerChoice.ADAM}) {
            for (final float[] classWeights : new float[][] {null, {1f, 2.5f, 0.5f}}) {
                compareWithDjl(choice, classWeights);
            }
        }
    }

    private void compareWithDjl(final OptimizerChoice choice, final float[] classWeights) throws Exception {
        final HeadSpec head = new HeadSpec(DIMENSION, List.of(), 0, "relu", CLASSES, true);
        final TrainingOptions options = options(choice, Device.cpu());
        final Tracker rate = Tracker.fixed(options.learningRate());
        final LinearHeadLearner learner = new LinearHeadLearner(head, classWeights, options, rate, trainFeatures, trainLabels,
                validationFeatures, validationLabels);
        final HeadWeights start = learner.weights();
        final EpochTrainer.Result java = epochs(rate, null).fit(learner);
        final HeadWeights javaWeights = learner.weights();

        final Block block = head.newBlock();
        try (Model model = Model.newInstance("head", Device.cpu(), "PyTorch")) {
            model.setBlock(block);
            final Optimizer optimizer = choice.create(rate);
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(new WeightedSoftmaxCrossEntropy(classWeights))
                    .optOptimizer(optimizer).optDevices(new Device[] {Device.cpu()}))) {
                trainer.initialize(new Shape(1, DIMENSION));
                start.copyInto(block); // the Java learner's initial weights and standardisation
                final EpochTrainer.Result djl = epochs(rate, optimizer).fit(trainer,
                        new ArrayBatchSource(trainFeatures, trainLabels, DIMENSION, 16, true, 9),
                        new ArrayBatchSource(validationFeatures, validationLabels, DIMENSION, 16, false, 9));
                final HeadWeights djlWeights = HeadWeights.of(block);
                final String what = choice + (classWeights == null ? ", unweighted" : ", class weights");
                assertEquals(djl.history().size(), java.history().size());
                for (int i = 0; i < djl.history().size(); i++) {
                    final EpochRecord expected = djl.history().get(i);
                    final EpochRecord actual = java.history().get(i);
                    assertEquals(expected.loss(), actual.loss(), 1e-4, what + " training loss, epoch " + (i + 1));
                    assertEquals(expected.validationLoss(), actual.validationLoss(), 1e-4, what + " validation loss, epoch " + (i + 1));
                    assertEquals(expected.accuracy(), actual.accuracy(), 1.0 / TRAIN + 1e-9, what);
                    assertEquals(expected.validationAccuracy(), actual.validationAccuracy(), 1.0 / VALIDATION + 1e-9, what);
                }
                assertTrue(java.history().getLast().validationLoss() < java.history().getFirst().loss(), "it learns");
                for (final ModelManifest.HeadParameter parameter : djlWeights.parameters()) {
                    final float[] expected = djlWeights.values().get(parameter.entry());
                    final float[] actual = javaWeights.values().get(parameter.entry());
                    assertEquals(expected.length, actual.length, parameter.name());
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 1e-4, what + " " + parameter.name() + "[" + i + "]");
                    }
                }
                // and the trained weights moved: the comparison is not of two untouched starts
                assertFalse(Arrays.equals(start.values().get(djlWeights.parameters().getLast().entry()),
                        javaWeights.values().get(djlWeights.parameters().getLast().entry())));
            }
        }
    }

    @Test
    void writesTheNamesShapesAndEntriesOfTheDjlBlock() {
        for (final boolean standardize : new boolean[] {true, false}) {
            final HeadSpec head = new HeadSpec(DIMENSION, List.of(), 0.2, "relu", CLASSES, standardize);
            final TrainingOptions options = options(OptimizerChoice.RMSPROP, Device.cpu());
            final HeadWeights java = new LinearHeadLearner(head, null, options, Tracker.fixed(0.01f), trainFeatures, trainLabels,
                    validationFeatures, validationLabels).weights();
            final Block block = head.newBlock();
            try (Model model = Model.newInstance("head", Device.cpu(), "PyTorch")) {
                model.setBlock(block);
                block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, DIMENSION));
                final HeadWeights djl = HeadWeights.of(block);
                assertEquals(djl.parameters().size(), java.parameters().size());
                for (int i = 0; i < djl.parameters().size(); i++) {
                    assertEquals(djl.parameters().get(i).name(), java.parameters().get(i).name());
                    assertArrayEquals(djl.parameters().get(i).shape(), java.parameters().get(i).shape());
                    assertEquals(djl.parameters().get(i).entry(), java.parameters().get(i).entry());
                }
                java.copyInto(block); // the DJL block takes them as they are
            }
        }
    }

    @Test
    void takesOnlyLinearHeadsTrainedWithRmsPropOrAdamOnTheCpu() {
        final HeadSpec linear = new HeadSpec(DIMENSION, List.of(), 0.2, "relu", CLASSES, true);
        assertTrue(LinearHeadLearner.handles(linear, options(OptimizerChoice.RMSPROP, Device.cpu())));
        assertFalse(LinearHeadLearner.handles(new HeadSpec(DIMENSION, List.of(8), 0.2, "relu", CLASSES, true),
                options(OptimizerChoice.RMSPROP, Device.cpu())));
        assertTrue(LinearHeadLearner.handles(linear, options(OptimizerChoice.ADAM, Device.cpu())));
        assertFalse(LinearHeadLearner.handles(linear, options(OptimizerChoice.SGD, Device.cpu())));
        assertFalse(LinearHeadLearner.handles(linear, options(OptimizerChoice.RMSPROP, Device.gpu())));
        final int[] outside = trainLabels.clone();
        outside[5] = CLASSES;
        assertThrows(IllegalArgumentException.class, () -> new LinearHeadLearner(linear, null, options(OptimizerChoice.RMSPROP, Device.cpu()),
                Tracker.fixed(0.01f), trainFeatures, outside, validationFeatures, validationLabels));
    }
}
