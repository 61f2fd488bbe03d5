package org.nifitransfer.core.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Copies a dataset of any kind with a changed manifest, streaming every other entry unchanged. */
public final class DatasetCopier {

    private DatasetCopier() {
    }

    /**
     * Copies the dataset in {@code in} to {@code out}, replacing its manifest by {@code change(manifest)}.
     *
     * @return the new manifest
     */
    public static DatasetManifest copyWithManifest(final InputStream in, final OutputStream out,
                                                   final UnaryOperator<DatasetManifest> change) throws IOException {
        final TarArchiveInputStream source = DatasetTar.newReader(in);
        final DatasetManifest manifest = change.apply(DatasetTar.readManifest(source, null));
        manifest.validate();
        try (TarArchiveOutputStream target = DatasetTar.newWriter(out)) {
            DatasetTar.putJson(target, DatasetTar.MANIFEST_ENTRY, manifest);
            TarArchiveEntry entry;
            while ((entry = source.getNextEntry()) != null) {
                target.putArchiveEntry(DatasetTar.newEntry(entry.getName(), entry.getSize()));
                final long copied = DatasetTar.entryStream(source, entry).transferTo(target);
                if (copied != entry.getSize()) {
                    throw new DatasetFormatException("entry " + entry.getName() + " is truncated");
                }
                target.closeArchiveEntry();
            }
        }
        return manifest;
    }

    /** Reads only the manifest of a dataset of any kind. */
    public static DatasetManifest readManifest(final InputStream in) throws IOException {
        return DatasetTar.readManifest(DatasetTar.newReader(in), null);
    }
}
