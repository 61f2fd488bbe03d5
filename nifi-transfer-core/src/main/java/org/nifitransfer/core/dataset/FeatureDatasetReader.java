package org.nifitransfer.core.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads a feature dataset written by {@link FeatureDatasetWriter}, one shard at a time. */
public final class FeatureDatasetReader implements Closeable {

    /** Receives an embedded base file. */
    @FunctionalInterface
    public interface BaseSink {
        void accept(String entry, InputStream content) throws IOException;
    }

    private final TarArchiveInputStream tar;
    private final DatasetManifest manifest;
    private final DatasetSummary.Counter counter;
    private BaseSink baseSink;
    private DatasetSummary summary;
    private int shardIndex;
    private boolean finished;

    private FeatureDatasetReader(final TarArchiveInputStream tar, final DatasetManifest manifest) {
        this.tar = tar;
        this.manifest = manifest;
        this.counter = new DatasetSummary.Counter(manifest.classes());
    }

    /** Opens a dataset and reads its manifest; fails with {@link DatasetFormatException} if it is not a feature dataset. */
    public static FeatureDatasetReader open(final InputStream in) throws IOException {
        final TarArchiveInputStream tar = DatasetTar.newReader(in);
        return new FeatureDatasetReader(tar, DatasetTar.readManifest(tar, DatasetKind.FEATURES));
    }

    public DatasetManifest getManifest() {
        return manifest;
    }

    /** Where an embedded base file goes when the reader passes it; without a sink it is skipped. */
    public FeatureDatasetReader setBaseSink(final BaseSink sink) {
        this.baseSink = sink;
        return this;
    }

    /** The next shard, or null at the end. */
    public FeatureShard nextShard() throws IOException {
        if (finished) {
            return null;
        }
        TarArchiveEntry entry = tar.getNextEntry();
        while (entry != null && (entry.getName().startsWith("base/") || DatasetTar.SUMMARY_ENTRY.equals(entry.getName()))) {
            if (DatasetTar.SUMMARY_ENTRY.equals(entry.getName())) {
                summary = DatasetTar.readSummary(tar, entry);
            } else if (baseSink != null) {
                baseSink.accept(entry.getName(), DatasetTar.entryStream(tar, entry));
            }
            entry = tar.getNextEntry();
        }
        if (entry == null) {
            finished = true;
            return null;
        }
        final String prefix = TensorDatasetWriter.shardPrefix(shardIndex);
        ShardEntries.expectName(entry, prefix + "features.npy", "feature dataset");
        final Npy.Header header = Npy.readHeader(tar);
        final int dimension = manifest.features().dimension();
        if (header.shape().length != 2 || header.shape()[1] != dimension) {
            throw new DatasetFormatException(prefix + "features.npy has shape " + header + ", expected [n, " + dimension + "]");
        }
        final int count = Math.toIntExact(header.shape()[0]);
        final float[] features = Npy.readFloat32(tar, header);
        final ShardEntries.LabelsAndFiles rest = ShardEntries.read(tar, prefix, count, counter, manifest.classes().size(), "feature dataset");
        shardIndex++;
        return new FeatureShard(count, dimension, features, rest.labels(), rest.files());
    }

    /** The stored summary once the end is reached, or one counted from the shards read. */
    public DatasetSummary getSummary() {
        return summary != null ? summary : counter.summary();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
