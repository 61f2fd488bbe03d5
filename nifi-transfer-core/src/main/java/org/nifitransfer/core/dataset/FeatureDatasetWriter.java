package org.nifitransfer.core.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a feature dataset: a tar holding {@code dataset.json}, optionally the base file that computed the
 * features ({@code base/<file>}, so the training processors have the complete model), shards
 * {@code shards/NNNNNN/features.npy} (float32 {@code [n, D]}), {@code labels.npy} (int32) and {@code files.json},
 * then {@code summary.json}.
 */
public final class FeatureDatasetWriter implements Closeable {

    /** Feature vectors per shard. */
    public static final int DEFAULT_SHARD_SIZE = 1024;

    private final TarArchiveOutputStream tar;
    private final int dimension;
    private final int shardSize;
    private final float[] features;
    private final int[] labels;
    private final List<String> files = new ArrayList<>();
    private final DatasetSummary.Counter counter;
    private int buffered;
    private int shardIndex;
    private DatasetSummary summary;

    /** Starts a dataset, writing its manifest; {@code out} is left open when this writer is closed. */
    public FeatureDatasetWriter(final OutputStream out, final DatasetManifest manifest) throws IOException {
        if (manifest.kind() != DatasetKind.FEATURES) {
            throw new IllegalArgumentException("A feature dataset needs a feature manifest");
        }
        manifest.validate();
        this.dimension = manifest.features().dimension();
        this.shardSize = Math.max(1, Math.min(DEFAULT_SHARD_SIZE, 64 * 1024 * 1024 / (4 * dimension)));
        this.features = new float[shardSize * dimension];
        this.labels = new int[shardSize];
        this.counter = new DatasetSummary.Counter(manifest.classes());
        this.tar = DatasetTar.newWriter(out);
        DatasetTar.putJson(tar, DatasetTar.MANIFEST_ENTRY, manifest);
    }

    /** Embeds the base model file as {@code entry} (must start with {@code base/}); call before adding features. */
    public void embedBase(final String entry, final Path file) throws IOException {
        if (!entry.startsWith("base/") || shardIndex > 0 || buffered > 0) {
            throw new IllegalStateException("The base is embedded first, as base/<file>");
        }
        tar.putArchiveEntry(DatasetTar.newEntry(entry, Files.size(file)));
        try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(tar);
        }
        tar.closeArchiveEntry();
    }

    /** Adds one feature vector. */
    public void add(final float[] vector, final int offset, final int label, final String file) throws IOException {
        counter.add(label);
        System.arraycopy(vector, offset, features, buffered * dimension, dimension);
        labels[buffered] = label;
        files.add(file);
        buffered++;
        if (buffered == shardSize) {
            flushShard();
        }
    }

    /** Records inputs left out earlier. */
    public void skipAll(final List<DatasetSummary.SkippedFile> skipped) {
        counter.skipAll(skipped);
    }

    public DatasetSummary getSummary() {
        return summary != null ? summary : counter.summary();
    }

    @Override
    public void close() throws IOException {
        if (summary != null) {
            return;
        }
        if (buffered > 0) {
            flushShard();
        }
        summary = counter.summary();
        DatasetTar.putJson(tar, DatasetTar.SUMMARY_ENTRY, summary);
        tar.close();
    }

    private void flushShard() throws IOException {
        final String prefix = TensorDatasetWriter.shardPrefix(shardIndex);
        final long[] shape = {buffered, dimension};
        tar.putArchiveEntry(DatasetTar.newEntry(prefix + "features.npy", Npy.fileLength(Npy.FLOAT32, shape)));
        Npy.writeFloat32(tar, features, buffered * dimension, shape);
        tar.closeArchiveEntry();
        ShardEntries.write(tar, prefix, labels, buffered, files);
        files.clear();
        buffered = 0;
        shardIndex++;
    }
}
