package org.nifitransfer.core.model;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.LongConsumer;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetSummary;
import org.nifitransfer.core.dataset.FeatureDatasetWriter;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.pipeline.Cancellation;

/**
 * Runs a frozen base over a tensor dataset in batches and writes a feature dataset (one pooled vector per image,
 * with labels, source names and the base's identity). Memory holds one shard and one batch.
 *
 * <pre>{@code
 * FeatureExtractor extractor = FeatureExtractor.builder().setBase(base).optPooling(Pooling.AVG).optBatchSize(32).build();
 * FeatureExtractor.Result result = extractor.extract(tensorsIn, featuresOut, true, Cancellation.NONE, count -> { });
 * }</pre>
 */
public final class FeatureExtractor {

    /** The name under which a base file is embedded in a feature dataset or model: {@code base/base.pt} or {@code base/base.onnx}. */
    public static String baseEntry(final BaseModel base) {
        return baseEntry(base.getEngine());
    }

    /** The embedded base's entry name for an engine: ONNX Runtime bases are {@code .onnx} files, PyTorch ones {@code .pt}. */
    public static String baseEntry(final String engine) {
        return "base/base." + (BaseModel.ONNX_RUNTIME.equals(engine) ? "onnx" : "pt");
    }

    private final BaseModel base;
    private final Pooling pooling;
    private final int batchSize;
    private final String expectedPreset;

    private FeatureExtractor(final Builder builder) {
        this.base = builder.base;
        this.pooling = builder.pooling;
        this.batchSize = builder.batchSize;
        this.expectedPreset = builder.expectedPreset;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * What an extraction wrote.
     *
     * @param warning what the user should know about the base (it looks like a classifier), or null
     */
    public record Result(DatasetManifest manifest, DatasetSummary summary, String warning) {
    }

    /**
     * A warning when a base's output for one image is already a vector: a headless base outputs a feature map
     * ({@code [C, H, W]}), a classifier its class scores. Null for a feature map.
     */
    public static String classifierWarning(final String baseName, final long[] outputShape) {
        if (outputShape.length != 1) {
            return null;
        }
        final long values = outputShape[0];
        return "Base model " + baseName + " outputs a vector of " + values + " values per image, not a feature map"
                + (values == 1000 || values == 1001 ? " (1000 is ImageNet's class count)" : "") + ": it looks like a classifier rather "
                + "than a headless base, and its class scores are being used as features. Give the convolutional base alone (torchvision's "
                + "model.features, Keras' include_top=False); a model that already pools its own embedding can be used as it is.";
    }

    /**
     * Extracts features.
     *
     * @param in a tensor dataset
     * @param out receives the feature dataset
     * @param embedSplit whether to embed the base file (done for the train split, so the head's trainer can package
     *                  the complete model); of a split in several shards, only the first shard carries it
     * @param cancellation asked between batches
     * @param progress receives the number of images done after every batch
     * @throws DatasetFormatException when {@code in} is not a tensor dataset
     * @throws BaseModelException when the dataset's images or preset do not fit the base
     */
    public Result extract(final InputStream in, final OutputStream out, final boolean embedSplit, final Cancellation cancellation,
                          final LongConsumer progress) throws IOException, BaseModelException {
        try (TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            final DatasetManifest input = reader.getManifest();
            final boolean embedBase = embedSplit && (input.shard() == null || input.shard().index() == 0);
            final DatasetManifest.TensorSpec spec = input.tensor();
            final NormalizationPreset preset = spec.normalization();
            if (expectedPreset != null && !expectedPreset.equals(preset.name())) {
                throw new BaseModelException("Base model " + base.getName() + " expects the '" + expectedPreset + "' normalisation "
                        + "preset, but the dataset was prepared with '" + preset.name() + "': set the same preset in ResizeAndNormalize");
            }
            final long[] outputShape = base.probeOutputShape(spec.channels(), spec.height(), spec.width());
            final long dimension = pooling.dimension(outputShape);
            if (dimension > 1_000_000) {
                throw new BaseModelException("Pooling '" + pooling.getValue() + "' gives " + dimension + " features per image for the "
                        + "base's output " + java.util.Arrays.toString(outputShape) + ": use global average or max pooling");
            }
            final DatasetManifest manifest = input.withFeatures(new DatasetManifest.FeatureSpec((int) dimension, pooling.getValue(),
                    new DatasetManifest.BaseInfo(base.getName(), base.getEngine(), base.getSha256(), embedBase ? baseEntry(base) : null,
                            outputShape)));
            try (FeatureDatasetWriter writer = new FeatureDatasetWriter(out, manifest);
                 NDManager manager = NDManager.newBaseManager(base.getDevice(), base.getEngine());
                 Predictor<NDList, NDList> predictor = base.newPredictor()) {
                if (embedBase) {
                    writer.embedBase(baseEntry(base), base.getFile());
                }
                final int imageFloats = spec.channels() * spec.height() * spec.width();
                final float[] batch = new float[batchSize * imageFloats];
                long done = 0;
                TensorShard shard;
                while ((shard = reader.nextShard()) != null) {
                    for (int start = 0; start < shard.count(); start += batchSize) {
                        cancellation.check();
                        final int count = Math.min(batchSize, shard.count() - start);
                        // a channels-last base takes NHWC data as it is: no transposing copy in the engine
                        final boolean interleaved = base.isChannelsLast();
                        final int offset = start * shard.imageBytes();
                        if (interleaved) {
                            preset.normalizeInterleaved(shard.pixels(), offset, count, spec.height(), spec.width(), batch, 0);
                        } else {
                            preset.normalize(shard.pixels(), offset, count, spec.height(), spec.width(), batch, 0);
                        }
                        final float[] features = run(manager, predictor, batch, interleaved, count, spec);
                        for (int i = 0; i < count; i++) {
                            writer.add(features, (int) (i * dimension), shard.labels()[start + i], shard.files().get(start + i));
                        }
                        done += count;
                        progress.accept(done);
                    }
                }
                writer.skipAll(reader.getSummary().skipped());
                writer.close();
                return new Result(manifest, writer.getSummary(), classifierWarning(base.getName(), outputShape));
            }
        }
    }

    private float[] run(final NDManager manager, final Predictor<NDList, NDList> predictor, final float[] batch, final boolean interleaved,
                        final int count, final DatasetManifest.TensorSpec spec) throws BaseModelException {
        try (NDManager scope = manager.newSubManager()) {
            final NDList output = interleaved
                    ? base.predict(predictor, scope, ImageBatch.nhwc(batch, count, spec.channels(), spec.height(), spec.width()))
                    : base.predict(predictor, scope, ImageBatch.nchw(batch, count, spec.channels(), spec.height(), spec.width()));
            try {
                return pooling.features(output.head());
            } finally {
                output.close();
            }
        } catch (final TranslateException e) {
            throw new BaseModelException("Base model " + base.getName() + " failed on a batch: " + BaseModelException.firstLine(e), e);
        }
    }

    /** Builds a {@link FeatureExtractor}; the base is required. */
    public static final class Builder {
        private BaseModel base;
        private Pooling pooling = Pooling.AVG;
        private int batchSize = 32;
        private String expectedPreset;

        private Builder() {
        }

        public Builder setBase(final BaseModel value) {
            this.base = value;
            return this;
        }

        /** Default {@link Pooling#AVG}. */
        public Builder optPooling(final Pooling value) {
            this.pooling = value;
            return this;
        }

        /** Images per forward pass. Default 32. */
        public Builder optBatchSize(final int value) {
            this.batchSize = value;
            return this;
        }

        /** The normalisation preset name the base was trained with; a dataset with another fails. Default: not checked. */
        public Builder optExpectedPreset(final String value) {
            this.expectedPreset = value;
            return this;
        }

        public FeatureExtractor build() {
            Objects.requireNonNull(base, "A base model is required");
            if (batchSize < 1) {
                throw new IllegalArgumentException("Batch size must be at least 1, got " + batchSize);
            }
            return new FeatureExtractor(this);
        }
    }
}
