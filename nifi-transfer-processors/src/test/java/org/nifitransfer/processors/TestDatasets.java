package org.nifitransfer.processors;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;

/** Dataset flowfile contents for tests. */
final class TestDatasets {

    static final String RUN_ID = "run-under-test";

    private TestDatasets() {
    }

    /** An image dataset of {@code split} with the given files ({@code class/name -> bytes}), classes a and b. */
    static byte[] images(final String split, final Map<String, byte[]> files) {
        final List<String> classes = List.of("a", "b");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageDatasetWriter writer = new ImageDatasetWriter(out,
                DatasetManifest.of(DatasetKind.IMAGES, RUN_ID, split, classes, new DatasetManifest.Source("/test", "split-folders", 1L)))) {
            for (final Map.Entry<String, byte[]> file : files.entrySet()) {
                final String[] parts = file.getKey().split("/", 2);
                writer.add(classes.indexOf(parts[0]), parts[1], file.getValue());
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Map<String, String> attributes(final String split) {
        return Map.of(TransferAttributes.RUN_ID, RUN_ID, TransferAttributes.SPLIT, split);
    }

    /** Every shard of a tensor dataset. */
    static List<TensorShard> shards(final byte[] content) throws IOException {
        final List<TensorShard> shards = new ArrayList<>();
        try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(content))) {
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                shards.add(shard);
            }
        }
        return shards;
    }

    static DatasetManifest tensorManifest(final byte[] content) throws IOException {
        try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(content))) {
            return reader.getManifest();
        }
    }
}
