package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** The {@code labels.npy} and {@code files.json} entries every shard of a tensor or feature dataset ends with. */
final class ShardEntries {

    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
    };

    /** A shard's labels and source names. */
    record LabelsAndFiles(int[] labels, List<String> files) {
    }

    private ShardEntries() {
    }

    static void write(final TarArchiveOutputStream tar, final String prefix, final int[] labels, final int count, final List<String> files)
            throws IOException {
        DatasetTar.putEntry(tar, prefix + "labels.npy", Npy.int32File(labels, count));
        final ByteArrayOutputStream names = new ByteArrayOutputStream();
        DatasetTar.MAPPER.writeValue(names, files);
        DatasetTar.putEntry(tar, prefix + "files.json", names.toByteArray());
    }

    /**
     * Reads the two entries of a shard of {@code count} samples, checking the labels against the class count and
     * counting them.
     */
    static LabelsAndFiles read(final TarArchiveInputStream tar, final String prefix, final int count, final DatasetSummary.Counter counter,
                               final int classes, final String kind) throws IOException {
        TarArchiveEntry entry = tar.getNextEntry();
        expectName(entry, prefix + "labels.npy", kind);
        final Npy.Header labelHeader = Npy.readHeader(tar);
        if (labelHeader.shape().length != 1 || labelHeader.shape()[0] != count) {
            throw new DatasetFormatException(prefix + "labels.npy has shape " + labelHeader + ", expected [" + count + "]");
        }
        final int[] labels = Npy.readInt32(tar, labelHeader);
        for (final int label : labels) {
            if (label < 0 || label >= classes) {
                throw new DatasetFormatException(prefix + "labels.npy holds label " + label + ", but the dataset has " + classes + " classes");
            }
            counter.add(label);
        }
        entry = tar.getNextEntry();
        expectName(entry, prefix + "files.json", kind);
        final List<String> files = DatasetTar.MAPPER.readValue(DatasetTar.readEntry(tar, entry, 64L * 1024 * 1024), STRING_LIST);
        if (files.size() != count) {
            throw new DatasetFormatException(prefix + "files.json names " + files.size() + " files for " + count + " samples");
        }
        return new LabelsAndFiles(labels, List.copyOf(files));
    }

    static void expectName(final TarArchiveEntry entry, final String expected, final String kind) {
        if (entry == null) {
            throw new DatasetFormatException(kind + " is truncated: expected " + expected);
        }
        if (!expected.equals(entry.getName())) {
            throw new DatasetFormatException("unexpected entry '" + entry.getName() + "' in a " + kind + ", expected " + expected);
        }
    }
}
