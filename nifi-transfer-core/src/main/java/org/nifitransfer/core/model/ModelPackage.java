package org.nifitransfer.core.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.io.input.BoundedInputStream;
import org.apache.commons.io.output.CloseShieldOutputStream;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.Npy;

/**
 * A model flowfile's content: a tar holding {@code model.json}, the base file ({@code base/base.pt} or
 * {@code base/base.onnx}), the head's weights as {@code head/NN.npy} (float32), {@code summary.txt} (a layer
 * summary like Keras' {@code model.summary()}) and {@code history.csv}. Complete: nothing else is needed to use it.
 *
 * @param manifest {@code model.json}
 * @param baseFile the base file on local disk (a temporary copy when read from a flowfile)
 * @param headWeights the head's weights by entry name, in the block's order
 */
public record ModelPackage(ModelManifest manifest, Path baseFile, Map<String, float[]> headWeights) {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final String MANIFEST_ENTRY = "model.json";

    /** The entry name of head parameter {@code index}. */
    public static String headEntry(final int index) {
        return String.format(Locale.ROOT, "head/%02d.npy", index);
    }

    /** Writes the package; {@code out} stays open. */
    public void write(final OutputStream out) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(CloseShieldOutputStream.wrap(out), StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            put(tar, MANIFEST_ENTRY, MAPPER.writeValueAsBytes(manifest));
            tar.putArchiveEntry(entry(manifest.base().entry(), Files.size(baseFile)));
            try (InputStream in = Files.newInputStream(baseFile)) {
                in.transferTo(tar);
            }
            tar.closeArchiveEntry();
            for (final ModelManifest.HeadParameter parameter : manifest.headParameters()) {
                final float[] values = headWeights.get(parameter.entry());
                if (values == null) {
                    throw new IllegalStateException("No weights for " + parameter.entry());
                }
                final ByteArrayOutputStream array = new ByteArrayOutputStream();
                Npy.writeFloat32(array, values, values.length, parameter.shape());
                put(tar, parameter.entry(), array.toByteArray());
            }
            put(tar, "summary.txt", summaryText().getBytes(StandardCharsets.UTF_8));
            put(tar, "history.csv", historyCsv().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The layer summary. */
    public String summaryText() {
        final List<ParameterInfo> head = new ArrayList<>();
        for (final ModelManifest.HeadParameter parameter : manifest.headParameters()) {
            head.add(new ParameterInfo("head." + parameter.name(), parameter.shape(), parameter.name().endsWith("bias") ? "bias" : "weight", true));
        }
        return LayerSummary.format(manifest.baseParameters(), head, manifest.base().name(), manifest.pooling())
                + "\nHead: " + manifest.head().describe() + "\n";
    }

    /** The training history as CSV: epoch, phase, loss, accuracy, val_loss, val_accuracy, learning_rate. */
    public String historyCsv() {
        final StringBuilder csv = new StringBuilder("epoch,phase,loss,accuracy,val_loss,val_accuracy,learning_rate\n");
        for (final EpochRecord epoch : manifest.history()) {
            csv.append(String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%.6f,%.6f,%.3g%n", epoch.epoch(), epoch.phase(), epoch.loss(),
                    epoch.accuracy(), epoch.validationLoss(), epoch.validationAccuracy(), epoch.learningRate()));
        }
        return csv.toString();
    }

    /**
     * Reads a package, copying its base file into {@code directory}.
     *
     * @throws DatasetFormatException when the content is not a complete model
     */
    public static ModelPackage read(final InputStream in, final Path directory) throws IOException {
        final TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
        final TarArchiveEntry first;
        try {
            first = tar.getNextEntry();
        } catch (final IOException e) {
            throw new DatasetFormatException("content is not a model (not a tar archive: " + e.getMessage() + ")", e);
        }
        if (first == null || !MANIFEST_ENTRY.equals(first.getName())) {
            throw new DatasetFormatException("content is not a model: expected model.json first, found "
                    + (first == null ? "nothing" : "'" + first.getName() + "'"));
        }
        final ModelManifest manifest;
        try {
            manifest = MAPPER.readValue(tar.readNBytes((int) Math.min(first.getSize(), 64L * 1024 * 1024)), ModelManifest.class);
        } catch (final IOException e) {
            throw new DatasetFormatException("model.json is not valid: " + e.getMessage(), e);
        }
        manifest.validate();
        Path baseFile = null;
        final Map<String, float[]> weights = new LinkedHashMap<>();
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            if (entry.getName().equals(manifest.base().entry())) {
                baseFile = directory.resolve(Path.of(entry.getName()).getFileName().toString());
                try (InputStream content = BoundedInputStream.builder().setInputStream(tar).setMaxCount(entry.getSize())
                        .setPropagateClose(false).get()) {
                    Files.copy(content, baseFile, StandardCopyOption.REPLACE_EXISTING);
                }
            } else if (entry.getName().startsWith("head/")) {
                weights.put(entry.getName(), Npy.readFloat32(tar, Npy.readHeader(tar)));
            }
        }
        if (baseFile == null) {
            throw new DatasetFormatException("model is incomplete: no " + manifest.base().entry() + " entry");
        }
        for (final ModelManifest.HeadParameter parameter : manifest.headParameters()) {
            if (!weights.containsKey(parameter.entry())) {
                throw new DatasetFormatException("model is incomplete: no " + parameter.entry() + " entry");
            }
        }
        return new ModelPackage(manifest, baseFile, weights);
    }

    /** Reads only {@code model.json}. */
    public static ModelManifest readManifest(final InputStream in) throws IOException {
        final TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
        final TarArchiveEntry first;
        try {
            first = tar.getNextEntry();
        } catch (final IOException e) {
            throw new DatasetFormatException("content is not a model (not a tar archive: " + e.getMessage() + ")", e);
        }
        if (first == null || !MANIFEST_ENTRY.equals(first.getName())) {
            throw new DatasetFormatException("content is not a model: expected model.json first");
        }
        final ModelManifest manifest = MAPPER.readValue(tar.readNBytes((int) Math.min(first.getSize(), 64L * 1024 * 1024)), ModelManifest.class);
        manifest.validate();
        return manifest;
    }

    /**
     * Copies a package, replacing only {@code model.json} (and the summary that depends on it). {@code change} sees the
     * whole package read into {@code directory} (its base file too) and returns the new manifest.
     */
    public static ModelManifest copyWithManifest(final InputStream in, final OutputStream out,
                                                 final java.util.function.Function<ModelPackage, ModelManifest> change, final Path directory)
            throws IOException {
        final ModelPackage original = read(in, directory);
        final ModelPackage changed = new ModelPackage(change.apply(original), original.baseFile(), original.headWeights());
        changed.manifest().validate();
        changed.write(out);
        return changed.manifest();
    }

    private static void put(final TarArchiveOutputStream tar, final String name, final byte[] content) throws IOException {
        tar.putArchiveEntry(entry(name, content.length));
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(final String name, final long size) {
        final TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setModTime(0L);
        entry.setMode(0644);
        return entry;
    }
}
