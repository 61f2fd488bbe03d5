package org.nifitransfer.core.training;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.FeatureDatasetReader;
import org.nifitransfer.core.dataset.FeatureShard;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ParameterInfo;

/**
 * A feature dataset read into memory for head training, with the base file it embeds (the train split's), and what
 * head training derives from it: the checks of a train and validation pair, class weights, the base's parameters.
 *
 * @param manifest the dataset's manifest
 * @param features every sample's features, row-major {@code [count, dimension]}
 * @param labels every sample's class index
 * @param baseFile the base file the dataset embeds, copied out; null when it embeds none
 */
public record HeadFeatures(DatasetManifest manifest, float[] features, int[] labels, Path baseFile) {

    /**
     * Reads a feature dataset whole, refusing one whose features would take more than {@code maxBytes} (the head trains
     * on them in memory).
     *
     * @param directory where the embedded base file is copied
     * @throws IllegalArgumentException when the features do not fit, saying what to do
     * @throws DatasetFormatException when the dataset holds no sample
     */
    public static HeadFeatures read(final InputStream in, final Path directory, final long maxBytes) throws IOException {
        try (FeatureDatasetReader reader = FeatureDatasetReader.open(in)) {
            final Path[] base = new Path[1];
            reader.setBaseSink((entry, content) -> {
                base[0] = directory.resolve(Path.of(entry).getFileName().toString());
                Files.copy(content, base[0], StandardCopyOption.REPLACE_EXISTING);
            });
            final int dimension = reader.getManifest().features().dimension();
            final List<FeatureShard> shards = new ArrayList<>();
            long count = 0;
            FeatureShard shard;
            while ((shard = reader.nextShard()) != null) {
                count += shard.count();
                if (count * dimension * Float.BYTES > maxBytes) {
                    throw new IllegalArgumentException("The " + reader.getManifest().split() + " features do not fit in memory ("
                            + count * dimension * Float.BYTES / 1_000_000 + " MB and more, limit "
                            + maxBytes / 1_000_000 + " MB): use global average or max pooling, or give NiFi more heap");
                }
                shards.add(shard);
            }
            if (count == 0) {
                throw new DatasetFormatException("the " + reader.getManifest().split() + " feature dataset holds no samples");
            }
            // one copy into the arrays training uses, after all shards are read
            final FeatureShard all = FeatureShard.concat(shards, dimension);
            return new HeadFeatures(reader.getManifest(), all.features(), all.labels(), base[0]);
        }
    }

    /**
     * Checks that a train and a validation feature dataset belong together and that the train one embeds its base.
     *
     * @throws DatasetFormatException naming what differs
     */
    public static void checkPair(final HeadFeatures train, final HeadFeatures validation) {
        if (!train.manifest().classes().equals(validation.manifest().classes())) {
            throw new DatasetFormatException("train classes " + train.manifest().classes() + " differ from validation classes "
                    + validation.manifest().classes());
        }
        if (train.manifest().features().dimension() != validation.manifest().features().dimension()
                || !train.manifest().features().base().sha256().equals(validation.manifest().features().base().sha256())) {
            throw new DatasetFormatException("train and validation features come from different bases or poolings");
        }
        if (train.baseFile() == null) {
            throw new DatasetFormatException("the train feature dataset does not embed its base file: set ExtractFeatures' "
                    + "'Embed Base In Splits' to include train");
        }
    }

    /** scikit-learn's balanced weights: samples / (classes x the class's samples); 0 for a class without samples. */
    public float[] balancedClassWeights() {
        final int classes = manifest.classes().size();
        final long[] counts = new long[classes];
        for (final int label : labels) {
            counts[label]++;
        }
        final float[] weights = new float[classes];
        for (int i = 0; i < classes; i++) {
            weights[i] = counts[i] == 0 ? 0f : (float) labels.length / (classes * counts[i]);
        }
        return weights;
    }

    /**
     * Weights from {@code class=weight} pairs, comma-separated; classes not named weigh 1.
     *
     * @throws IllegalArgumentException for a pair that is not {@code class=weight} for one of the classes
     */
    public float[] explicitClassWeights(final String pairs) {
        final List<String> classes = manifest.classes();
        final float[] weights = new float[classes.size()];
        Arrays.fill(weights, 1f);
        for (final String pair : pairs.split(",")) {
            final String[] parts = pair.split("=");
            if (parts.length != 2 || !classes.contains(parts[0].strip())) {
                throw new IllegalArgumentException("'" + pair.strip() + "' is not class=weight for one of " + classes);
            }
            try {
                weights[classes.indexOf(parts[0].strip())] = Float.parseFloat(parts[1].strip());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + pair.strip() + "': " + parts[1].strip() + " is not a number");
            }
        }
        return weights;
    }

    /** The parameters of the embedded base (empty for an ONNX base, whose weights are not exposed), from loading it. */
    public List<ParameterInfo> baseParameters() throws BaseModelException {
        if (!BaseModel.PYTORCH.equals(manifest.features().base().engine())) {
            return List.of();
        }
        try (BaseModel base = BaseModel.builder().setLocation(baseFile.toString()).optEngine(BaseModel.PYTORCH).load()) {
            return base.parameters();
        }
    }
}
