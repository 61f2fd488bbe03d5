package org.nifitransfer.core.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an image dataset: a tar holding {@code dataset.json}, the encoded image files as
 * {@code images/<class>/<relative path>}, and {@code summary.json}. Images are streamed one at a time.
 */
public final class ImageDatasetWriter implements Closeable {

    private final TarArchiveOutputStream tar;
    private final DatasetManifest manifest;
    private final DatasetSummary.Counter counter;
    private DatasetSummary summary;

    /**
     * Starts a dataset, writing its manifest; {@code out} is left open when this writer is closed.
     */
    public ImageDatasetWriter(final OutputStream out, final DatasetManifest manifest) throws IOException {
        if (manifest.kind() != DatasetKind.IMAGES) {
            throw new IllegalArgumentException("An image dataset needs an image manifest, got " + manifest.kind());
        }
        manifest.validate();
        this.manifest = manifest;
        this.counter = new DatasetSummary.Counter(manifest.classes());
        this.tar = DatasetTar.newWriter(out);
        DatasetTar.putJson(tar, DatasetTar.MANIFEST_ENTRY, manifest);
    }

    /** The tar entry name of an image: {@code images/<class>/<relative path>}. */
    public static String entryName(final String className, final String relativePath) {
        return "images/" + className + "/" + relativePath;
    }

    /**
     * Adds one image file.
     *
     * @param label the class index
     * @param relativePath the file's path below its class folder, with {@code /} separators
     * @param size the number of bytes {@code content} holds
     * @param content the encoded image
     */
    public void add(final int label, final String relativePath, final long size, final InputStream content) throws IOException {
        counter.add(label);
        tar.putArchiveEntry(DatasetTar.newEntry(entryName(manifest.classes().get(label), relativePath), size));
        final long copied = content.transferTo(tar);
        if (copied != size) {
            throw new IOException("Expected " + size + " bytes of " + relativePath + ", read " + copied
                    + " (did the file change while it was read?)");
        }
        tar.closeArchiveEntry();
    }

    /** Adds one image file held in memory. */
    public void add(final int label, final String relativePath, final byte[] content) throws IOException {
        counter.add(label);
        DatasetTar.putEntry(tar, entryName(manifest.classes().get(label), relativePath), content);
    }

    /** Records a file left out, and why; it is listed in {@code summary.json}. */
    public void skip(final String file, final String reason) {
        counter.skip(file, reason);
    }

    /** The counts so far; after {@link #close()}, the final summary. */
    public DatasetSummary getSummary() {
        return summary != null ? summary : counter.summary();
    }

    /** Writes {@code summary.json} and ends the archive. */
    @Override
    public void close() throws IOException {
        if (summary != null) {
            return;
        }
        summary = counter.summary();
        DatasetTar.putJson(tar, DatasetTar.SUMMARY_ENTRY, summary);
        tar.close();
    }
}
