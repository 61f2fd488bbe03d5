package org.nifitransfer.core.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads a tensor dataset written by {@link TensorDatasetWriter}, one shard at a time. */
public final class TensorDatasetReader implements Closeable {

    private final TarArchiveInputStream tar;
    private final DatasetManifest manifest;
    private final DatasetSummary.Counter counter;
    private DatasetSummary summary;
    private int shardIndex;
    private boolean finished;

    private TensorDatasetReader(final TarArchiveInputStream tar, final DatasetManifest manifest) {
        this.tar = tar;
        this.manifest = manifest;
        this.counter = new DatasetSummary.Counter(manifest.classes());
    }

    /** Opens a dataset and reads its manifest; fails with {@link DatasetFormatException} if it is not a tensor dataset. */
    public static TensorDatasetReader open(final InputStream in) throws IOException {
        final TarArchiveInputStream tar = DatasetTar.newReader(in);
        return new TensorDatasetReader(tar, DatasetTar.readManifest(tar, DatasetKind.TENSORS));
    }

    public DatasetManifest getManifest() {
        return manifest;
    }

    /** The next shard, or null at the end of the dataset. */
    public TensorShard nextShard() throws IOException {
        if (finished) {
            return null;
        }
        TarArchiveEntry entry = tar.getNextEntry();
        while (entry != null && DatasetTar.SUMMARY_ENTRY.equals(entry.getName())) {
            summary = DatasetTar.readSummary(tar, entry);
            entry = tar.getNextEntry();
        }
        if (entry == null) {
            finished = true;
            return null;
        }
        final String prefix = TensorDatasetWriter.shardPrefix(shardIndex);
        final DatasetManifest.TensorSpec spec = manifest.tensor();
        ShardEntries.expectName(entry, prefix + "images.npy", "tensor dataset");
        final Npy.Header imageHeader = Npy.readHeader(DatasetTar.entryStream(tar, entry));
        final long[] shape = imageHeader.shape();
        if (shape.length != 4 || shape[1] != spec.height() || shape[2] != spec.width() || shape[3] != spec.channels()) {
            throw new DatasetFormatException(prefix + "images.npy has shape " + imageHeader + ", the manifest says ["
                    + "n, " + spec.height() + ", " + spec.width() + ", " + spec.channels() + "]");
        }
        final byte[] pixels = Npy.readUint8(tar, imageHeader);
        final int count = Math.toIntExact(shape[0]);

        final ShardEntries.LabelsAndFiles rest = ShardEntries.read(tar, prefix, count, counter, manifest.classes().size(), "tensor dataset");
        shardIndex++;
        return new TensorShard(count, spec.height(), spec.width(), pixels, rest.labels(), rest.files());
    }

    /**
     * The dataset's summary: the stored {@code summary.json} once the end is reached, or one counted from the
     * shards read when the archive has none.
     */
    public DatasetSummary getSummary() {
        return summary != null ? summary : counter.summary();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
