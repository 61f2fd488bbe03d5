package org.nifitransfer.core.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** Reads an image dataset written by {@link ImageDatasetWriter}, one image at a time. */
public final class ImageDatasetReader implements Closeable {

    /** Images larger than this (encoded) are refused rather than read onto the heap. */
    public static final long MAX_IMAGE_BYTES = 256L * 1024 * 1024;

    private final TarArchiveInputStream tar;
    private final DatasetManifest manifest;
    private final DatasetSummary.Counter counter;
    private DatasetSummary summary;
    private boolean finished;

    private ImageDatasetReader(final TarArchiveInputStream tar, final DatasetManifest manifest) {
        this.tar = tar;
        this.manifest = manifest;
        this.counter = new DatasetSummary.Counter(manifest.classes());
    }

    /** Opens a dataset and reads its manifest; fails with {@link DatasetFormatException} if it is not an image dataset. */
    public static ImageDatasetReader open(final InputStream in) throws IOException {
        final TarArchiveInputStream tar = DatasetTar.newReader(in);
        return new ImageDatasetReader(tar, DatasetTar.readManifest(tar, DatasetKind.IMAGES));
    }

    public DatasetManifest getManifest() {
        return manifest;
    }

    /**
     * One image of the dataset.
     *
     * @param label the class index
     * @param className the class name
     * @param relativePath the path below the class folder
     * @param content the encoded bytes
     */
    public record ImageEntry(int label, String className, String relativePath, byte[] content) {

        /** {@code class/relative path}: how skipped-file lists and prediction reports name the image. */
        public String displayName() {
            return className + "/" + relativePath;
        }
    }

    /** The next image, or null at the end of the dataset. */
    public ImageEntry next() throws IOException {
        if (finished) {
            return null;
        }
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            final String name = entry.getName();
            if (DatasetTar.SUMMARY_ENTRY.equals(name)) {
                summary = DatasetTar.readSummary(tar, entry);
                continue;
            }
            if (entry.isDirectory()) {
                continue;
            }
            if (!name.startsWith("images/")) {
                throw new DatasetFormatException("unexpected entry '" + name + "' in an image dataset");
            }
            final int slash = name.indexOf('/', "images/".length());
            if (slash < 0) {
                throw new DatasetFormatException("image entry '" + name + "' is not in a class folder");
            }
            final String className = name.substring("images/".length(), slash);
            final int label = manifest.classes().indexOf(className);
            if (label < 0) {
                throw new DatasetFormatException("image '" + name + "' is in class folder '" + className
                        + "', which is not one of the dataset's classes " + manifest.classes());
            }
            counter.add(label);
            return new ImageEntry(label, className, name.substring(slash + 1), DatasetTar.readEntry(tar, entry, MAX_IMAGE_BYTES));
        }
        finished = true;
        return null;
    }

    /**
     * The dataset's summary: the stored {@code summary.json} once the end is reached, or one counted from the
     * images read when the archive has none.
     */
    public DatasetSummary getSummary() {
        if (summary != null) {
            return summary;
        }
        return counter.summary();
    }

    /** Files the dataset's writer skipped (empty until the end is reached). */
    public List<DatasetSummary.SkippedFile> getSkipped() {
        return summary == null ? List.of() : summary.skipped();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
