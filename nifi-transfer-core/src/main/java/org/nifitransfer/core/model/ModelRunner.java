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
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.evaluate.Prediction;
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
     * Class probabilities for {@code count} normalised images ({@code count * 3 * H * W} floats, NCHW).
     *
     * @return {@code count} rows of {@code classes} probabilities
     */
    public float[][] predict(final float[] images, final int count) throws BaseModelException {
        final ModelManifest.InputSpec input = manifest.input();
        final int classes = manifest.classes().size();
        Predictor<NDList, NDList> predictor = predictors.poll();
        if (predictor == null) {
            predictor = base.newPredictor();
        }
        try (NDManager scope = headModel.getNDManager().newSubManager();
             NDManager baseScope = NDManager.newBaseManager(base.getDevice(), base.getEngine())) {
            final NDList output = base.predict(predictor, baseScope, images, count, 3, input.height(), input.width());
            final float[] features;
            try {
                // as FeatureExtractor pools, so a model sees the features it was trained on
                features = pooling.features(output.head());
            } finally {
                output.close();
            }
            final NDArray pooled = scope.create(features, new Shape(count, manifest.head().inputDimension()));
            final float[] probabilities = head.forward(new ParameterStore(scope, false), new NDList(pooled), false)
                    .singletonOrThrow().softmax(1).toFloatArray();
            final float[][] rows = new float[count][classes];
            for (int i = 0; i < count; i++) {
                System.arraycopy(probabilities, i * classes, rows[i], 0, classes);
            }
            return rows;
        } catch (final TranslateException e) {
            throw new BaseModelException("Base model " + manifest.base().name() + " failed on a batch: " + BaseModel.firstLine(e), e);
        } finally {
            predictors.push(predictor);
        }
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
                    final float[][] probabilities = predict(batch, count);
                    for (int i = 0; i < count; i++) {
                        consumer.accept(new Prediction(shard.files().get(start + i), shard.labels()[start + i], probabilities[i]));
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
