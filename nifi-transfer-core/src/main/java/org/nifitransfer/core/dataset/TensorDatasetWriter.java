package org.nifitransfer.core.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.nifitransfer.core.image.RgbImage;

/**
 * Writes a tensor dataset: a tar holding {@code dataset.json}, then shards of at most {@code shardSize}
 * images as {@code shards/NNNNNN/images.npy} (uint8, {@code [n, H, W, 3]}), {@code labels.npy} (int32,
 * {@code [n]}) and {@code files.json}, then {@code summary.json}. Only one shard is ever held in memory.
 */
public final class TensorDatasetWriter implements Closeable {

    /** The default number of images per shard: 128 images of 224x224 are 19 MB. */
    public static final int DEFAULT_SHARD_SIZE = 128;

    private final TarArchiveOutputStream tar;
    private final DatasetManifest.TensorSpec spec;
    private final DatasetSummary.Counter counter;
    private final int shardSize;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> files = new ArrayList<>();
    private int buffered;
    private int shardIndex;
    private DatasetSummary summary;

    /** Starts a dataset with shards of {@link #DEFAULT_SHARD_SIZE} images. */
    public TensorDatasetWriter(final OutputStream out, final DatasetManifest manifest) throws IOException {
        this(out, manifest, DEFAULT_SHARD_SIZE);
    }

    /** Starts a dataset, writing its manifest; {@code out} is left open when this writer is closed. */
    public TensorDatasetWriter(final OutputStream out, final DatasetManifest manifest, final int shardSize) throws IOException {
        if (manifest.kind() != DatasetKind.TENSORS || manifest.tensor() == null) {
            throw new IllegalArgumentException("A tensor dataset needs a tensor manifest");
        }
        if (shardSize < 1) {
            throw new IllegalArgumentException("Shard size must be at least 1, got " + shardSize);
        }
        manifest.validate();
        this.spec = manifest.tensor();
        this.counter = new DatasetSummary.Counter(manifest.classes());
        this.shardSize = shardSize;
        this.pixels = new byte[Math.multiplyExact(shardSize, spec.height() * spec.width() * RgbImage.CHANNELS)];
        this.labels = new int[shardSize];
        this.tar = DatasetTar.newWriter(out);
        DatasetTar.putJson(tar, DatasetTar.MANIFEST_ENTRY, manifest);
    }

    /**
     * Adds one image, which must already have the dataset's size.
     *
     * @param image the pixels
     * @param label the class index
     * @param file the source name, {@code class/relative path}
     */
    public void add(final RgbImage image, final int label, final String file) throws IOException {
        if (image.getWidth() != spec.width() || image.getHeight() != spec.height()) {
            throw new IllegalArgumentException("Image " + file + " is " + image.getWidth() + "x" + image.getHeight()
                    + ", the dataset holds " + spec.sizeText());
        }
        counter.add(label);
        final int imageBytes = image.getData().length;
        System.arraycopy(image.getData(), 0, pixels, buffered * imageBytes, imageBytes);
        labels[buffered] = label;
        files.add(file);
        buffered++;
        if (buffered == shardSize) {
            flushShard();
        }
    }

    /** Records an input left out, and why; it is listed in {@code summary.json}. */
    public void skip(final String file, final String reason) {
        counter.skip(file, reason);
    }

    /** Records inputs left out earlier (for example by the writer of the input dataset). */
    public void skipAll(final List<DatasetSummary.SkippedFile> skipped) {
        counter.skipAll(skipped);
    }

    /** The counts so far; after {@link #close()}, the final summary. */
    public DatasetSummary getSummary() {
        return summary != null ? summary : counter.summary();
    }

    /** Writes the last shard and {@code summary.json}, and ends the archive. */
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
        final String prefix = shardPrefix(shardIndex);
        final long[] shape = {buffered, spec.height(), spec.width(), RgbImage.CHANNELS};
        final int length = buffered * spec.height() * spec.width() * RgbImage.CHANNELS;
        tar.putArchiveEntry(DatasetTar.newEntry(prefix + "images.npy", Npy.fileLength(Npy.UINT8, shape)));
        Npy.writeUint8(tar, pixels, length, shape);
        tar.closeArchiveEntry();
        ShardEntries.write(tar, prefix, labels, buffered, files);
        files.clear();
        buffered = 0;
        shardIndex++;
    }

    static String shardPrefix(final int index) {
        return String.format(Locale.ROOT, "shards/%06d/", index);
    }
}
