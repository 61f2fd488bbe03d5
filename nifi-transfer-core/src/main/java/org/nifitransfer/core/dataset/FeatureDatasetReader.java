package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads a feature dataset written by {@link FeatureDatasetWriter}, one shard at a time. */
public final class FeatureDatasetReader implements Closeable {

    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
    };

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
        expectName(entry, prefix + "features.npy");
        final Npy.Header header = Npy.readHeader(tar);
        final int dimension = manifest.features().dimension();
        if (header.shape().length != 2 || header.shape()[1] != dimension) {
            throw new DatasetFormatException(prefix + "features.npy has shape " + header + ", expected [n, " + dimension + "]");
        }
        final int count = Math.toIntExact(header.shape()[0]);
        final float[] features = Npy.readFloat32(tar, header);
        entry = tar.getNextEntry();
        expectName(entry, prefix + "labels.npy");
        final Npy.Header labelHeader = Npy.readHeader(tar);
        if (labelHeader.shape().length != 1 || labelHeader.shape()[0] != count) {
            throw new DatasetFormatException(prefix + "labels.npy has shape " + labelHeader + ", expected [" + count + "]");
        }
        final int[] labels = Npy.readInt32(tar, labelHeader);
        for (final int label : labels) {
            if (label < 0 || label >= manifest.classes().size()) {
                throw new DatasetFormatException(prefix + "labels.npy holds label " + label + ", but the dataset has "
                        + manifest.classes().size() + " classes");
            }
            counter.add(label);
        }
        entry = tar.getNextEntry();
        expectName(entry, prefix + "files.json");
        final List<String> files = DatasetTar.MAPPER.readValue(DatasetTar.readEntry(tar, entry, 64L * 1024 * 1024), STRING_LIST);
        if (files.size() != count) {
            throw new DatasetFormatException(prefix + "files.json names " + files.size() + " files for " + count + " samples");
        }
        shardIndex++;
        return new FeatureShard(count, dimension, features, labels, List.copyOf(files));
    }

    /** The stored summary once the end is reached, or one counted from the shards read. */
    public DatasetSummary getSummary() {
        return summary != null ? summary : counter.summary();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private static void expectName(final TarArchiveEntry entry, final String expected) {
        if (entry == null) {
            throw new DatasetFormatException("feature dataset is truncated: expected " + expected);
        }
        if (!expected.equals(entry.getName())) {
            throw new DatasetFormatException("unexpected entry '" + entry.getName() + "' in a feature dataset, expected " + expected);
        }
    }
}
