package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.io.input.BoundedInputStream;
import org.apache.commons.io.output.CloseShieldOutputStream;

/** The tar container every dataset uses: {@code dataset.json} first, data entries, {@code summary.json} last. */
final class DatasetTar {

    static final String MANIFEST_ENTRY = "dataset.json";
    static final String SUMMARY_ENTRY = "summary.json";
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private DatasetTar() {
    }

    /** A tar writer over {@code out} that leaves {@code out} open when finished. */
    static TarArchiveOutputStream newWriter(final OutputStream out) {
        final TarArchiveOutputStream tar = new TarArchiveOutputStream(CloseShieldOutputStream.wrap(out), StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    static TarArchiveInputStream newReader(final InputStream in) {
        return new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
    }

    static void putEntry(final TarArchiveOutputStream tar, final String name, final byte[] content) throws IOException {
        final TarArchiveEntry entry = newEntry(name, content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static void putJson(final TarArchiveOutputStream tar, final String name, final Object value) throws IOException {
        putEntry(tar, name, MAPPER.writeValueAsBytes(value));
    }

    static TarArchiveEntry newEntry(final String name, final long size) {
        final TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        // A fixed time keeps archives byte-for-byte reproducible for the same input and seed.
        entry.setModTime(0L);
        entry.setMode(0644);
        return entry;
    }

    /** Reads the manifest, which must be the first entry, and checks it is of {@code expected} kind. */
    static DatasetManifest readManifest(final TarArchiveInputStream tar, final DatasetKind expected) throws IOException {
        final TarArchiveEntry first;
        try {
            first = tar.getNextEntry();
        } catch (final IOException e) {
            throw new DatasetFormatException("content is not a dataset (not a tar archive: " + e.getMessage() + ")", e);
        }
        if (first == null) {
            throw new DatasetFormatException("content is not a dataset (empty, or not a tar archive)");
        }
        if (!MANIFEST_ENTRY.equals(first.getName())) {
            throw new DatasetFormatException("content is not a dataset: its first entry is '" + first.getName()
                    + "', expected " + MANIFEST_ENTRY);
        }
        final DatasetManifest manifest;
        try {
            manifest = MAPPER.readValue(readEntry(tar, first, 16 * 1024 * 1024), DatasetManifest.class);
        } catch (final IOException e) {
            throw new DatasetFormatException("dataset.json is not a valid manifest: " + e.getMessage(), e);
        }
        manifest.validate();
        if (expected != null && manifest.kind() != expected) {
            throw new DatasetFormatException("expected a dataset of kind " + expected.getValue() + ", got " + manifest.kind().getValue());
        }
        return manifest;
    }

    /** The whole content of the current entry, refusing entries larger than {@code limit} bytes. */
    static byte[] readEntry(final TarArchiveInputStream tar, final TarArchiveEntry entry, final long limit) throws IOException {
        if (entry.getSize() > limit) {
            throw new DatasetFormatException("entry " + entry.getName() + " is " + entry.getSize() + " bytes, over the limit of "
                    + limit);
        }
        final byte[] content = tar.readNBytes((int) entry.getSize());
        if (content.length != entry.getSize()) {
            throw new DatasetFormatException("entry " + entry.getName() + " is truncated");
        }
        return content;
    }

    /** A stream over the current entry's content that does not close the tar. */
    static InputStream entryStream(final TarArchiveInputStream tar, final TarArchiveEntry entry) throws IOException {
        return BoundedInputStream.builder().setInputStream(tar).setMaxCount(entry.getSize()).setPropagateClose(false).get();
    }

    static DatasetSummary readSummary(final TarArchiveInputStream tar, final TarArchiveEntry entry) throws IOException {
        try {
            return MAPPER.readValue(readEntry(tar, entry, 256L * 1024 * 1024), DatasetSummary.class);
        } catch (final DatasetFormatException e) {
            throw e;
        } catch (final IOException e) {
            throw new DatasetFormatException("summary.json is not valid: " + e.getMessage(), e);
        }
    }

    static String summaryText(final Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
