package org.nifitransfer.core.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.training.TensorBatchSource;

/**
 * Runs a packaged model for prediction: the base (on its own engine) in inference mode, the pooling, then the
 * head (PyTorch) and a softmax. Close it to free the engines' memory.
 *
 * <p>One runner may predict on several threads at once: a DJL {@link Predictor} is not thread-safe, so each running
 * batch borrows one from a pool (one per batch running at the same time, reused afterwards); the base's and head's
 * weights are shared and only read.
 */
public final class ModelRunner implements AutoCloseable {

    private final ModelManifest manifest;
    private final BaseModel base;
    private final Deque<Predictor<NDList, NDList>> predictors = new ConcurrentLinkedDeque<>();
    private final Model headModel;
    private final Block head;
    private final Pooling pooling;
    private volatile TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation.NONE;

    private ModelRunner(final ModelManifest manifest, final BaseModel base, final Model headModel) {
        this.manifest = manifest;
        this.base = base;
        this.headModel = headModel;
        this.head = headModel.getBlock();
        this.pooling = Pooling.fromValue(manifest.pooling());
    }

    /** Loads a model package's base and head. */
    public static ModelRunner open(final ModelPackage model, final Device device) throws BaseModelException {
        return open(model, device, Long.MAX_VALUE);
    }

    /**
     * Loads a model package's base and head, the base running batches larger than {@code maxPixelsPerForward} pixels in
     * several forward passes ({@link BaseModel.Builder#optMaxPixelsPerForward}).
     */
    public static ModelRunner open(final ModelPackage model, final Device device, final long maxPixelsPerForward) throws BaseModelException {
        final ModelManifest manifest = model.manifest();
        final BaseModel base = BaseModel.builder().setLocation(model.baseFile().toString()).optEngine(manifest.base().engine())
                .optDevice(device).optMaxPixelsPerForward(maxPixelsPerForward).load();
        final Model headModel = Model.newInstance("head", device, BaseModel.PYTORCH);
        try {
            final Block block = manifest.head().newBlock();
            headModel.setBlock(block);
            new HeadWeights(manifest.headParameters(), model.headWeights()).loadInto(block, headModel.getNDManager(),
                    manifest.head().inputDimension());
        } catch (final RuntimeException e) {
            headModel.close();
            base.close();
            throw e;
        }
        return new ModelRunner(manifest, base, headModel);
    }

    /**
     * Averages every prediction from now on over the variants of {@code augmentation} ({@link TestTimeAugmentation#NONE}
     * by default). Feature maps ({@link #featureMaps}) and explanations stay those of the images as they are.
     */
    public ModelRunner optTestTimeAugmentation(final TestTimeAugmentation augmentation) {
        this.testTimeAugmentation = java.util.Objects.requireNonNull(augmentation);
        return this;
    }

    /** The test-time augmentation predictions are averaged over. */
    public TestTimeAugmentation getTestTimeAugmentation() {
        return testTimeAugmentation;
    }

    /**
     * Class probabilities for {@code count} normalised images ({@code count * 3 * H * W} floats, NCHW), averaged over
     * the test-time augmentation's variants.
     *
     * @return {@code count} rows of {@code classes} probabilities
     */
    public float[][] predict(final float[] images, final int count) throws BaseModelException {
        return augmented(plainPredict(images, count), images, count);
    }

    private float[][] plainPredict(final float[] images, final int count) throws BaseModelException {
        // pooled as FeatureExtractor pools, so a model sees the features it was trained on
        return headProbabilities(runBase(images, count, pooling::features), count);
    }

    /** {@code probabilities} of the images as they are, averaged with those of the test-time augmentation's other variants. */
    private float[][] augmented(final float[][] probabilities, final float[] images, final int count) throws BaseModelException {
        if (testTimeAugmentation == TestTimeAugmentation.NONE) {
            return probabilities;
        }
        final ModelManifest.InputSpec input = manifest.input();
        final float[][] mirrored = plainPredict(TestTimeAugmentation.flipHorizontally(images, count, 3, input.height(), input.width()),
                count);
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < probabilities[i].length; k++) {
                probabilities[i][k] = (probabilities[i][k] + mirrored[i][k]) / 2;
            }
        }
        return probabilities;
    }

    /** Runs the base on a batch with a pooled predictor and reads its output with {@code read} before the output is freed. */
    private <T> T runBase(final float[] images, final int count, final java.util.function.Function<NDArray, T> read)
            throws BaseModelException {
        final ModelManifest.InputSpec input = manifest.input();
        Predictor<NDList, NDList> predictor = predictors.poll();
        if (predictor == null) {
            predictor = base.newPredictor();
        }
        try (NDManager baseScope = NDManager.newBaseManager(base.getDevice(), base.getEngine())) {
            final NDList output = base.predict(predictor, baseScope, ImageBatch.nchw(images, count, 3, input.height(), input.width()));
            try {
                return read.apply(output.head());
            } finally {
                output.close();
            }
        } catch (final TranslateException e) {
            throw new BaseModelException("Base model " + manifest.base().name() + " failed on a batch: " + BaseModelException.firstLine(e), e);
        } finally {
            predictors.push(predictor);
        }
    }

    /**
     * Class probabilities from feature maps {@link #featureMaps} computed: pooled (in Java, as for an ONNX base), then the
     * head and a softmax. With the maps of a batch, a caller gets both the answers and what explains them from one pass
     * through the base.
     */
    public float[][] predict(final FeatureMaps maps) {
        return headProbabilities(pooling.apply(maps.values(), new long[] {maps.count(), maps.channels(), maps.height(), maps.width()}),
                maps.count());
    }

    /**
     * {@link #predict(FeatureMaps)} averaged over the test-time augmentation's variants of {@code images}, the batch the
     * maps were computed from ({@link #featureMaps}): the maps stay those of the images as they are.
     */
    public float[][] predict(final FeatureMaps maps, final float[] images) throws BaseModelException {
        return augmented(predict(maps), images, maps.count());
    }

    private float[][] headProbabilities(final float[] features, final int count) {
        final int classes = manifest.classes().size();
        try (NDManager scope = headModel.getNDManager().newSubManager()) {
            final NDArray pooled = scope.create(features, new Shape(count, manifest.head().inputDimension()));
            final float[] probabilities = head.forward(new ParameterStore(scope, false), new NDList(pooled), false)
                    .singletonOrThrow().softmax(1).toFloatArray();
            final float[][] rows = new float[count][classes];
            for (int i = 0; i < count; i++) {
                System.arraycopy(probabilities, i * classes, rows[i], 0, classes);
            }
            return rows;
        }
    }

    /**
     * The base's output for one batch before pooling: {@code count} feature maps of {@code channels x height x width}
     * (a base whose output is a vector has height and width 1).
     *
     * @param values row-major {@code [count, channels, height, width]}
     */
    public record FeatureMaps(float[] values, int count, int channels, int height, int width) {

        /** The values of one image's map, {@code channels x height x width}. */
        public float[] image(final int index) {
            final int size = channels * height * width;
            final float[] map = new float[size];
            System.arraycopy(values, index * size, map, 0, size);
            return map;
        }
    }

    /** The base's output for {@code count} normalised images (NCHW floats), before pooling: what class activation maps weigh. */
    public FeatureMaps featureMaps(final float[] images, final int count) throws BaseModelException {
        return runBase(images, count, output -> featureMapsOf(output.getShape().getShape(), output.toFloatArray(), count));
    }

    private static FeatureMaps featureMapsOf(final long[] shape, final float[] values, final int count) {
        final int height = shape.length > 2 ? Math.toIntExact(shape[2]) : 1;
        final int width = shape.length > 3 ? Math.toIntExact(shape[3]) : 1;
        return new FeatureMaps(values, count, Math.toIntExact(shape[1]), height, width);
    }

    /**
     * Sees every batch of {@link #predictAll} with its feature maps, so what explains a prediction comes from the same
     * pass through the base as the prediction.
     */
    @FunctionalInterface
    public interface FeatureMapObserver {

        /**
         * @param first the dataset index of the batch's first image
         * @param predictions the batch's predictions, in dataset order
         * @param maps the batch's feature maps, image {@code i} of the batch for {@code predictions.get(i)}
         * @param images image {@code i} of the batch as stored in the dataset (a copy, made when asked for)
         */
        void observe(long first, List<Prediction> predictions, FeatureMaps maps, IntFunction<RgbImage> images);
    }

    /** Probabilities as {@link #predict(float[], int)} computes them, and the feature maps they came from. */
    private record Explained(float[][] probabilities, FeatureMaps maps) {
    }

    private record PooledAndMaps(float[] pooled, FeatureMaps maps) {
    }

    private Explained predictWithMaps(final float[] images, final int count) throws BaseModelException {
        final PooledAndMaps output = runBase(images, count, array -> {
            final long[] shape = array.getShape().getShape();
            final float[] values = array.toFloatArray();
            // an ONNX array is pooled in Java anyway (Pooling.features): pool the values read once
            final float[] pooled = BaseModel.ONNX_RUNTIME.equals(array.getManager().getEngine().getEngineName())
                    ? pooling.apply(values, shape) : pooling.features(array);
            return new PooledAndMaps(pooled, featureMapsOf(shape, values, count));
        });
        return new Explained(augmented(headProbabilities(output.pooled(), count), images, count), output.maps());
    }

    /**
     * For a head that is linear in the average-pooled features (a dense layer, with or without the standardisation in
     * front), the weight each class gives each channel: logit(k) = sum over c of weight[k][c] x mean of channel c, plus a
     * constant. Empty for heads with hidden layers and for max or flatten pooling, where no such weights exist.
     */
    public java.util.Optional<float[][]> classChannelWeights() {
        if (pooling != Pooling.AVG || !manifest.head().hiddenUnits().isEmpty()) {
            return java.util.Optional.empty();
        }
        float[] scale = null;
        float[] dense = null;
        for (final ai.djl.util.Pair<String, ai.djl.nn.Parameter> parameter : head.getParameters()) {
            final String name = parameter.getKey();
            if (name.endsWith("scale")) {
                scale = parameter.getValue().getArray().toFloatArray();
            } else if (name.endsWith("weight")) {
                dense = parameter.getValue().getArray().toFloatArray();
            }
        }
        if (dense == null) {
            return java.util.Optional.empty();
        }
        final int classes = manifest.classes().size();
        final int channels = dense.length / classes;
        final float[][] weights = new float[classes][channels];
        for (int k = 0; k < classes; k++) {
            for (int c = 0; c < channels; c++) {
                weights[k][c] = dense[k * channels + c] * (scale == null ? 1f : scale[c]);
            }
        }
        return java.util.Optional.of(weights);
    }

    /**
     * The gradient of class {@code classIndex}'s logit with respect to one image's feature map ({@code channels x height x
     * width}), through the pooling and the head, by the PyTorch engine's autograd: Grad-CAM's input. Takes turns with
     * trainings (DJL allows one gradient collector per process).
     */
    public float[] logitGradient(final float[] featureMap, final int channels, final int height, final int width, final int classIndex) {
        return org.nifitransfer.core.training.TrainingLock.whileNotTraining(() -> {
            try (NDManager scope = headModel.getNDManager().newSubManager();
                 ai.djl.training.GradientCollector collector = headModel.getNDManager().getEngine().newGradientCollector()) {
                final NDArray map = scope.create(featureMap, new Shape(1, channels, height, width));
                map.setRequiresGradient(true);
                final NDArray logits = head.forward(new ParameterStore(scope, false), new NDList(pooling.apply(map)), false).singletonOrThrow();
                collector.backward(logits.get(0, classIndex));
                return map.getGradient().toFloatArray();
            }
        });
    }

    /** The manifest of the model this runner runs. */
    public ModelManifest getManifest() {
        return manifest;
    }

    /**
     * Predicts every image of a tensor dataset, in batches.
     *
     * @param consumer receives one prediction per image, in dataset order
     * @param progress receives the number of images done after every batch
     * @return the dataset's manifest
     */
    public DatasetManifest predictAll(final InputStream tensorDataset, final int batchSize, final Consumer<Prediction> consumer,
                                      final Cancellation cancellation, final LongConsumer progress) throws IOException, BaseModelException {
        return predictAll(tensorDataset, batchSize, consumer, cancellation, progress, null);
    }

    /**
     * Predicts every image of a tensor dataset, in batches, showing {@code observer} (when not null) each batch's feature
     * maps after its predictions went to {@code consumer}. The probabilities are the same either way.
     */
    public DatasetManifest predictAll(final InputStream tensorDataset, final int batchSize, final Consumer<Prediction> consumer,
                                      final Cancellation cancellation, final LongConsumer progress, final FeatureMapObserver observer)
            throws IOException, BaseModelException {
        final ModelManifest.InputSpec input = manifest.input();
        final DatasetManifest.TensorSpec expected = DatasetManifest.TensorSpec.of(input.height(), input.width(), null, null, input.normalization());
        try (TensorDatasetReader reader = TensorDatasetReader.open(tensorDataset)) {
            final DatasetManifest dataset = reader.getManifest();
            TensorBatchSource.checkCompatible(expected, dataset.tensor(), dataset.split() + " dataset");
            if (!dataset.classes().equals(manifest.classes())) {
                throw new org.nifitransfer.core.dataset.DatasetFormatException("The dataset's classes " + dataset.classes()
                        + " differ from the model's " + manifest.classes());
            }
            final float[] batch = new float[batchSize * 3 * input.height() * input.width()];
            long done = 0;
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                for (int start = 0; start < shard.count(); start += batchSize) {
                    cancellation.check();
                    final int count = Math.min(batchSize, shard.count() - start);
                    input.normalization().normalize(shard.pixels(), start * shard.imageBytes(), count, input.height(), input.width(), batch, 0);
                    final Explained explained = observer == null ? new Explained(predict(batch, count), null) : predictWithMaps(batch, count);
                    final List<Prediction> predictions = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        final Prediction prediction = new Prediction(shard.files().get(start + i), shard.labels()[start + i],
                                explained.probabilities()[i]);
                        predictions.add(prediction);
                        consumer.accept(prediction);
                    }
                    if (observer != null) {
                        final TensorShard batchShard = shard;
                        final int batchStart = start;
                        observer.observe(done, predictions, explained.maps(), i -> batchShard.image(batchStart + i));
                    }
                    done += count;
                    progress.accept(done);
                }
            }
            return dataset;
        }
    }

    @Override
    public void close() {
        Predictor<NDList, NDList> predictor;
        while ((predictor = predictors.poll()) != null) {
            predictor.close();
        }
        headModel.close();
        base.close();
    }
}
