package org.nifitransfer.core.training;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.FeatureDatasetReader;
import org.nifitransfer.core.dataset.FeatureShard;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.FeatureExtractor;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.pipeline.Cancellation;

/** Head models trained on {@link StripeDatasets} through a fixture base, for tests that need a real model. */
public final class StripeModels {

    private StripeModels() {
    }

    /** A feature dataset read back whole. */
    public record Loaded(DatasetManifest manifest, float[] features, int[] labels) {
    }

    /** Features of {@code dataset} through {@code base}, with the base embedded. */
    public static byte[] features(final BaseModel base, final byte[] dataset) throws IOException, BaseModelException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        FeatureExtractor.builder().setBase(base).optBatchSize(16).build()
                .extract(new ByteArrayInputStream(dataset), out, true, Cancellation.NONE, done -> { });
        return out.toByteArray();
    }

    /** Every feature of a feature dataset. */
    public static Loaded load(final byte[] featureDataset) throws IOException {
        final List<FeatureShard> shards = new ArrayList<>();
        try (FeatureDatasetReader reader = FeatureDatasetReader.open(new ByteArrayInputStream(featureDataset))) {
            FeatureShard shard;
            while ((shard = reader.nextShard()) != null) {
                shards.add(shard);
            }
            final FeatureShard all = FeatureShard.concat(shards, reader.getManifest().features().dimension());
            return new Loaded(reader.getManifest(), all.features(), all.labels());
        }
    }

    /** A linear head trained for 12 epochs with Adam. */
    public static HeadTrainer.Result trainHead(final Loaded trainSet, final Loaded validationSet, final long seed) throws IOException {
        return trainHead(trainSet, validationSet, seed, List.of());
    }

    /** A head with {@code hidden} dense layers (none: linear) trained for 12 epochs with Adam. */
    public static HeadTrainer.Result trainHead(final Loaded trainSet, final Loaded validationSet, final long seed, final List<Integer> hidden)
            throws IOException {
        return HeadTrainer.builder()
                .setHead(new HeadSpec(trainSet.manifest().features().dimension(), hidden, 0, "relu", 2, true))
                .optOptimizer(OptimizerChoice.ADAM).optLearningRate(0.05f).optEpochs(12).optBatchSize(16).optSeed(seed)
                .build()
                .train(trainSet.features(), trainSet.labels(), validationSet.features(), validationSet.labels());
    }

    /** Writes the head model trained on {@code train} and {@code validation} tensor datasets through a fixture base. */
    public static void writeHeadModel(final String baseFile, final byte[] train, final byte[] validation, final OutputStream out)
            throws IOException, BaseModelException {
        writeHeadModel(baseFile, train, validation, out, List.of());
    }

    /** {@link #writeHeadModel(String, byte[], byte[], OutputStream)} with {@code hidden} dense layers in the head. */
    public static void writeHeadModel(final String baseFile, final byte[] train, final byte[] validation, final OutputStream out,
                                      final List<Integer> hidden) throws IOException, BaseModelException {
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture(baseFile).toString()).load()) {
            final Loaded trainSet = load(features(base, train));
            final Loaded validationSet = load(features(base, validation));
            final int dimension = trainSet.manifest().features().dimension();
            HeadModels.packageHead(trainSet.manifest(), base.getFile(), base.parameters(), new HeadSpec(dimension, hidden, 0, "relu", 2, true),
                    trainHead(trainSet, validationSet, 7, hidden), "cpu()").write(out);
        }
    }

    /** The head model, written and read back (its base unpacked into {@code work}) as the processors pass it on. */
    public static ModelPackage headModel(final String baseFile, final byte[] train, final byte[] validation, final Path work)
            throws IOException, BaseModelException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeHeadModel(baseFile, train, validation, bytes);
        return ModelPackage.read(new ByteArrayInputStream(bytes.toByteArray()), work);
    }

    /** The head model as a file. */
    public static Path headModelFile(final String baseFile, final byte[] train, final byte[] validation, final Path file)
            throws IOException, BaseModelException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writeHeadModel(baseFile, train, validation, out);
        }
        return file;
    }
}
