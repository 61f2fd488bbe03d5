package org.nifitransfer.core.training;

import ai.djl.training.tracker.ParameterTracker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nifitransfer.core.model.FeatureStandardization;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.HeadWeights;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;

/**
 * The head TrainHead trains by default, trained in plain Java: standardised features (optional), inverted dropout and
 * one dense layer to the classes, softmax cross-entropy (with class weights when given), Adam or RMSprop. The same model
 * as {@link HeadSpec#newBlock()} with DJL's Adam or {@link RmsPropOptimizer} trains through DJL, with the same parameter names and shapes
 * in its {@link HeadWeights}, so the model file, FineTune and ClassifyImage do not tell them apart. A batch of 32 × 512
 * features to 5 classes is about 80,000 multiply-adds each way: microseconds of arithmetic, against the fifteen
 * libtorch calls (and their Java bookkeeping) a batch costs through DJL. Batches are the same rows in the same order as
 * {@link ArrayBatchSource}'s; the dropout masks and the initial weights (drawn as DJL draws them) come from Java's generators with the same seeds,
 * so a training reproduces, but its numbers differ from the DJL path's.
 */
final class LinearHeadLearner implements Learner {

    /** {@link RmsPropOptimizer}'s defaults, as Keras. */
    private static final float RHO = 0.9f;
    private static final float RMSPROP_EPSILON = 1e-7f;
    /** DJL's Adam defaults. */
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-8f;
    /** The optimizer's state arrays, per parameter: RMSprop's mean squares, or Adam's means and variances. */
    private static final String MEAN_SQUARES = "meanSquares";
    private static final String MEANS = "means";
    private static final String VARIANCES = "variances";

    private final int dimension;
    private final int classes;
    private final int batchSize;
    private final long seed;
    private final float dropout;
    private final ParameterTracker learningRate;
    private final float[] classWeights;
    private final float[] train;
    private final int[] trainLabels;
    private final float[] validation;
    private final int[] validationLabels;
    private final float[][] statistics;
    private final List<String> names;
    private final String weightName;
    private final String biasName;
    private final float[] weight;
    private final float[] bias;
    private final OptimizerChoice optimizer;
    /** Per parameter (weight, bias): RMSprop's mean squares, or Adam's variances. */
    private final float[] weightSquares;
    private final float[] biasSquares;
    /** Per parameter: Adam's means (unused by RMSprop). */
    private final float[] weightMeans;
    private final float[] biasMeans;
    private int updates;

    /**
     * @param classWeights one weight per class, or null
     */
    LinearHeadLearner(final HeadSpec head, final float[] classWeights, final TrainingOptions options, final ParameterTracker learningRate,
                      final float[] trainFeatures, final int[] trainLabels, final float[] validationFeatures, final int[] validationLabels) {
        if (!handles(head, options)) {
            throw new IllegalArgumentException("Only a head without hidden layers, trained with RMSprop or Adam on the CPU, is trained in Java");
        }
        this.dimension = head.inputDimension();
        this.classes = head.classes();
        this.batchSize = options.batchSize();
        this.seed = options.seed();
        this.dropout = (float) head.dropout();
        this.learningRate = learningRate;
        this.classWeights = classWeights == null ? null : classWeights.clone();
        check(trainFeatures, trainLabels, "training");
        check(validationFeatures, validationLabels, "validation");
        this.trainLabels = trainLabels.clone();
        this.validationLabels = validationLabels.clone();
        // the parameters of the block DJL would train, in its order: [standardisation mean, scale,] weight, bias
        this.names = new ArrayList<>();
        head.newBlock().getParameters().forEach(pair -> names.add(pair.getKey()));
        if (names.size() != (head.standardize() ? 4 : 2)) {
            throw new IllegalStateException("Unexpected parameters of a linear head: " + names);
        }
        this.weightName = names.get(names.size() - 2);
        this.biasName = names.getLast();
        // standardised batch by batch, as FeatureStandardization computes it: (x - mean) * scale in float (not a copy of
        // the whole set: TrainHead admits feature sets of up to 40% of the heap)
        this.statistics = head.standardize() ? FeatureStandardization.statistics(trainFeatures, trainLabels.length, dimension) : null;
        this.train = trainFeatures;
        this.validation = validationFeatures;
        // DJL's initialisation of a Linear layer's weights (measured: Gaussian, standard deviation sqrt(2 / inputs)), zero biases
        this.weight = new float[classes * dimension];
        this.bias = new float[classes];
        final SplittableRandom random = new SplittableRandom(seed);
        final double deviation = Math.sqrt(2.0 / dimension);
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) (random.nextGaussian() * deviation);
        }
        this.optimizer = options.optimizer();
        this.weightSquares = new float[weight.length];
        this.biasSquares = new float[classes];
        this.weightMeans = new float[weight.length];
        this.biasMeans = new float[classes];
    }

    /** Whether this learner trains {@code head} with {@code options}: no hidden layers, RMSprop or Adam, the CPU. */
    static boolean handles(final HeadSpec head, final TrainingOptions options) {
        return head.hiddenUnits().isEmpty() && options.optimizer() != OptimizerChoice.SGD && !options.device().isGpu();
    }

    private void check(final float[] features, final int[] labels, final String what) {
        if ((long) labels.length * dimension != features.length) {
            throw new IllegalArgumentException(labels.length + " " + what + " labels do not match " + features.length
                    + " features of dimension " + dimension);
        }
        for (final int label : labels) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("A " + what + " label is " + label + ", outside 0.." + (classes - 1));
            }
        }
    }

    /** Copies row {@code row} of {@code features} into {@code out} at {@code to}, standardised when the head standardises. */
    private void row(final float[] features, final int row, final float[] out, final int to) {
        final int from = row * dimension;
        if (statistics == null) {
            System.arraycopy(features, from, out, to, dimension);
            return;
        }
        final float[] means = statistics[0];
        final float[] scales = statistics[1];
        for (int d = 0; d < dimension; d++) {
            out[to + d] = (features[from + d] - means[d]) * scales[d];
        }
    }

    @Override
    public void trainEpoch(final int epoch, final EpochTotals totals, final Runnable beforeBatch, final Runnable afterBatch) {
        final int count = trainLabels.length;
        final int[] order = BatchSource.order(count, true, seed, epoch);
        final float[] input = new float[batchSize * dimension];
        final float[] logits = new float[batchSize * classes];
        final float[] gradient = new float[batchSize * classes];
        final float[] weightGradient = new float[weight.length];
        final float[] biasGradient = new float[classes];
        final float keep = 1f / (1f - dropout);
        // InvertedDropout keeps a value where u >= rate, u uniform in [0, 1): u is a 24-bit fraction, as nextFloat()'s,
        // two of them from each 64-bit draw
        final int threshold = (int) Math.ceil(dropout * (double) (1 << 24));
        for (int start = 0; start < count; start += batchSize) {
            beforeBatch.run();
            final int rows = Math.min(batchSize, count - start);
            final long[] labels = new long[rows];
            final SplittableRandom random = new SplittableRandom(TrainingLock.batchSeed(seed, epoch, totals.batches()));
            for (int r = 0; r < rows; r++) {
                final int row = order[start + r];
                labels[r] = trainLabels[row];
                final int to = r * dimension;
                row(train, row, input, to);
                if (dropout > 0) {
                    for (int d = 0; d < dimension; d += 2) {
                        final long bits = random.nextLong();
                        input[to + d] = (int) (bits >>> 40) >= threshold ? input[to + d] * keep : 0f;
                        if (d + 1 < dimension) {
                            input[to + d + 1] = (int) ((bits >>> 16) & 0xFFFFFF) >= threshold ? input[to + d + 1] * keep : 0f;
                        }
                    }
                }
            }
            forward(input, rows, logits);
            final float loss = loss(logits, labels, gradient);
            totals.add(loss, Arrays.copyOf(logits, rows * classes), labels);
            // the gradients of the dense layer, then one RMSprop step for each parameter
            Arrays.fill(weightGradient, 0f);
            Arrays.fill(biasGradient, 0f);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < classes; k++) {
                    final float g = gradient[r * classes + k];
                    biasGradient[k] += g;
                    final int w = k * dimension;
                    final int x = r * dimension;
                    for (int d = 0; d < dimension; d++) {
                        weightGradient[w + d] += g * input[x + d];
                    }
                }
            }
            updates++;
            final float rate = learningRate.getNewValue(weightName, updates);
            if (optimizer == OptimizerChoice.ADAM) {
                // DJL's Adam: the bias corrections folded into the step size, epsilon outside the square root
                final float corrected = (float) (rate * Math.sqrt(1.0 - Math.pow(BETA2, updates)) / (1.0 - Math.pow(BETA1, updates)));
                adam(weight, weightGradient, weightMeans, weightSquares, corrected);
                adam(bias, biasGradient, biasMeans, biasSquares, corrected);
            } else {
                rmsProp(weight, weightGradient, weightSquares, rate);
                rmsProp(bias, biasGradient, biasSquares, rate);
            }
            afterBatch.run();
        }
    }

    /** RmsPropOptimizer's rule: {@code s = rho * s + (1 - rho) * g^2; w -= rate * g / (sqrt(s) + epsilon)}. */
    private static void rmsProp(final float[] values, final float[] gradient, final float[] squares, final float rate) {
        for (int i = 0; i < values.length; i++) {
            final float g = gradient[i];
            squares[i] = RHO * squares[i] + (1 - RHO) * g * g;
            values[i] -= rate * g / ((float) Math.sqrt(squares[i]) + RMSPROP_EPSILON);
        }
    }

    /** DJL's Adam update: {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= rate * m / (sqrt(v) + epsilon)}. */
    private static void adam(final float[] values, final float[] gradient, final float[] means, final float[] variances, final float rate) {
        for (int i = 0; i < values.length; i++) {
            final float g = gradient[i];
            means[i] = BETA1 * means[i] + (1 - BETA1) * g;
            variances[i] = BETA2 * variances[i] + (1 - BETA2) * g * g;
            values[i] -= rate * means[i] / ((float) Math.sqrt(variances[i]) + ADAM_EPSILON);
        }
    }

    @Override
    public void validate(final int epoch, final EpochTotals totals, final Runnable beforeBatch) {
        final int count = validationLabels.length;
        final float[] input = new float[batchSize * dimension];
        final float[] logits = new float[batchSize * classes];
        for (int start = 0; start < count; start += batchSize) {
            beforeBatch.run();
            final int rows = Math.min(batchSize, count - start);
            final long[] labels = new long[rows];
            for (int r = 0; r < rows; r++) {
                labels[r] = validationLabels[start + r];
                row(validation, start + r, input, r * dimension);
            }
            forward(input, rows, logits);
            totals.add(loss(logits, labels, null), Arrays.copyOf(logits, rows * classes), labels);
        }
    }

    /** {@code logits = input · weightᵀ + bias} for {@code rows} rows. */
    private void forward(final float[] input, final int rows, final float[] logits) {
        for (int r = 0; r < rows; r++) {
            final int x = r * dimension;
            for (int k = 0; k < classes; k++) {
                final int w = k * dimension;
                // four partial sums, so the additions do not wait on each other
                float s0 = 0;
                float s1 = 0;
                float s2 = 0;
                float s3 = 0;
                int d = 0;
                for (; d + 4 <= dimension; d += 4) {
                    s0 += weight[w + d] * input[x + d];
                    s1 += weight[w + d + 1] * input[x + d + 1];
                    s2 += weight[w + d + 2] * input[x + d + 2];
                    s3 += weight[w + d + 3] * input[x + d + 3];
                }
                for (; d < dimension; d++) {
                    s0 += weight[w + d] * input[x + d];
                }
                logits[r * classes + k] = bias[k] + ((s0 + s1) + (s2 + s3));
            }
        }
    }

    /**
     * The batch's mean loss, {@code -log softmax(logits)[label]} times the label's class weight, and its gradient with
     * respect to the logits into {@code gradient} (null when validating: no gradient is needed).
     */
    private float loss(final float[] logits, final long[] labels, final float[] gradient) {
        final int rows = labels.length;
        final double[] exponentials = new double[classes];
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            final int offset = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, logits[offset + k]);
            }
            double total = 0;
            for (int k = 0; k < classes; k++) {
                exponentials[k] = Math.exp(logits[offset + k] - max);
                total += exponentials[k];
            }
            final int label = (int) labels[r];
            final double classWeight = classWeights == null ? 1 : classWeights[label];
            sum += classWeight * (max + Math.log(total) - logits[offset + label]);
            for (int k = 0; gradient != null && k < classes; k++) {
                gradient[offset + k] = (float) (classWeight * (exponentials[k] / total - (k == label ? 1 : 0)) / rows);
            }
        }
        return (float) (sum / rows);
    }

    @Override
    public Snapshot snapshot() {
        return snapshotOf(weight.clone(), bias.clone());
    }

    @Override
    public Snapshot snapshot(final Map<String, TrainingCheckpoint.Tensor> saved) {
        final TrainingCheckpoint.Tensor savedWeight = saved.get(weightName);
        final TrainingCheckpoint.Tensor savedBias = saved.get(biasName);
        if (savedWeight == null || savedBias == null || savedWeight.values().length != weight.length
                || savedBias.values().length != bias.length) {
            throw new IllegalStateException("The checkpoint has no values of the size of " + weightName + " and " + biasName
                    + ": it belongs to another model");
        }
        return snapshotOf(savedWeight.values().clone(), savedBias.values().clone());
    }

    private Snapshot snapshotOf(final float[] weightValues, final float[] biasValues) {
        return new Snapshot() {
            @Override
            public void restore() {
                System.arraycopy(weightValues, 0, weight, 0, weight.length);
                System.arraycopy(biasValues, 0, bias, 0, bias.length);
            }

            @Override
            public Map<String, TrainingCheckpoint.Tensor> tensors() {
                final Map<String, TrainingCheckpoint.Tensor> tensors = new LinkedHashMap<>();
                tensors.put(weightName, new TrainingCheckpoint.Tensor(weightValues.clone(), new long[] {classes, dimension}));
                tensors.put(biasName, new TrainingCheckpoint.Tensor(biasValues.clone(), new long[] {classes}));
                return tensors;
            }
        };
    }

    @Override
    public OptimizerState optimizerState() {
        final long[] weightShape = {classes, dimension};
        final long[] biasShape = {classes};
        final List<OptimizerState.Array> arrays = new ArrayList<>();
        if (optimizer == OptimizerChoice.ADAM) {
            arrays.add(new OptimizerState.Array(MEANS, weightName, weightMeans.clone(), weightShape));
            arrays.add(new OptimizerState.Array(MEANS, biasName, biasMeans.clone(), biasShape));
            arrays.add(new OptimizerState.Array(VARIANCES, weightName, weightSquares.clone(), weightShape));
            arrays.add(new OptimizerState.Array(VARIANCES, biasName, biasSquares.clone(), biasShape));
        } else {
            arrays.add(new OptimizerState.Array(MEAN_SQUARES, weightName, weightSquares.clone(), weightShape));
            arrays.add(new OptimizerState.Array(MEAN_SQUARES, biasName, biasSquares.clone(), biasShape));
        }
        return new OptimizerState(Map.of(weightName, updates, biasName, updates), updates, arrays);
    }

    @Override
    public void restoreOptimizer(final OptimizerState state) {
        final Integer count = state.updateCounts().get(weightName);
        final boolean adam = optimizer == OptimizerChoice.ADAM;
        final String squares = adam ? VARIANCES : MEAN_SQUARES;
        if (count == null || !restore(state, squares, weightName, weightSquares) || !restore(state, squares, biasName, biasSquares)
                || adam && (!restore(state, MEANS, weightName, weightMeans) || !restore(state, MEANS, biasName, biasMeans))) {
            throw new IllegalStateException("The checkpoint holds another optimizer's state than this head's " + optimizer.getDisplayName());
        }
        updates = count;
    }

    /** Copies the state array {@code field} of {@code parameter} into {@code target}; false when there is none of its size. */
    private static boolean restore(final OptimizerState state, final String field, final String parameter, final float[] target) {
        for (final OptimizerState.Array array : state.arrays()) {
            if (array.field().equals(field) && array.parameter().equals(parameter) && array.values().length == target.length) {
                System.arraycopy(array.values(), 0, target, 0, target.length);
                return true;
            }
        }
        return false;
    }

    /** The head's weights now, with the names, shapes and entries DJL's block of the same head has. */
    HeadWeights weights() {
        final List<ModelManifest.HeadParameter> parameters = new ArrayList<>();
        final Map<String, float[]> values = new LinkedHashMap<>();
        final List<float[]> arrays = new ArrayList<>();
        final List<long[]> shapes = new ArrayList<>();
        if (statistics != null) {
            arrays.add(statistics[0].clone());
            arrays.add(statistics[1].clone());
            shapes.add(new long[] {dimension});
            shapes.add(new long[] {dimension});
        }
        arrays.add(weight.clone());
        arrays.add(bias.clone());
        shapes.add(new long[] {classes, dimension});
        shapes.add(new long[] {classes});
        for (int i = 0; i < names.size(); i++) {
            final String entry = ModelPackage.headEntry(i);
            parameters.add(new ModelManifest.HeadParameter(names.get(i), shapes.get(i), entry));
            values.put(entry, arrays.get(i));
        }
        return new HeadWeights(parameters, values);
    }
}
