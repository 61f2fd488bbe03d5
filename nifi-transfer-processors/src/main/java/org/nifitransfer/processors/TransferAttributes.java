package org.nifitransfer.processors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetSummary;

/** The {@code transfer.*} attributes every processor reads and writes. */
public final class TransferAttributes {

    public static final String KIND = "transfer.kind";
    public static final String RUN_ID = "transfer.run.id";
    public static final String SPLIT = "transfer.split";
    public static final String CLASSES = "transfer.classes";
    public static final String CLASS_COUNT = "transfer.class.count";
    public static final String COUNT = "transfer.count";
    public static final String COUNT_PREFIX = "transfer.count.";
    public static final String SKIPPED_COUNT = "transfer.skipped.count";
    public static final String SKIPPED = "transfer.skipped";
    public static final String SOURCE_DIRECTORY = "transfer.source.directory";
    /** Every split LoadImageFolder emitted for the run, comma-separated. */
    public static final String RUN_SPLITS = "transfer.run.splits";
    /** How the split was made: its folder, or what it was carved from. */
    public static final String SPLIT_ORIGIN = "transfer.split.origin";
    /** Classes left out of the run for having no training images, as a JSON array. */
    public static final String DROPPED_CLASSES = "transfer.dropped.classes";
    public static final String IMAGE_SIZE = "transfer.image.size";
    public static final String PRESET = "transfer.preset";
    public static final String AUGMENTATION = "transfer.augmentation";
    public static final String ERROR = "transfer.error";
    public static final String PHASE = "transfer.phase";
    /** NiFi's fragment attributes: the shards of one split of one run share the identifier. */
    public static final String FRAGMENT_IDENTIFIER = "fragment.identifier";
    /** A shard's position in its split, from 0. */
    public static final String FRAGMENT_INDEX = "fragment.index";
    /** How many shards a split has. */
    public static final String FRAGMENT_COUNT = "fragment.count";
    /** The file name of the whole split a shard belongs to (for MergeContent's Defragment). */
    public static final String SEGMENT_ORIGINAL_FILENAME = "segment.original.filename";
    /** The attributes that place a shard in its split, which a model trained on shards does not carry on. */
    public static final java.util.Set<String> SHARD_ATTRIBUTES = java.util.Set.of(FRAGMENT_IDENTIFIER, FRAGMENT_INDEX, FRAGMENT_COUNT,
            SEGMENT_ORIGINAL_FILENAME);
    /** The {@link #KIND} of model flowfiles. */
    public static final String MODEL_KIND = "model";

    /** The MIME type of every dataset flowfile. */
    public static final String TAR_MIME_TYPE = "application/x-tar";

    /** At most this many skipped files are named in the {@link #SKIPPED} attribute; summary.json has them all. */
    static final int MAX_SKIPPED_IN_ATTRIBUTE = 50;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TransferAttributes() {
    }

    /** The attributes describing a dataset: kind, run, split, classes, counts, skipped files, tensor geometry, augmentation. */
    public static Map<String, String> forDataset(final DatasetManifest manifest, final DatasetSummary summary) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(KIND, manifest.kind().getValue());
        attributes.put(RUN_ID, manifest.runId());
        attributes.put(SPLIT, manifest.split());
        attributes.put(CLASSES, json(manifest.classes()));
        attributes.put(CLASS_COUNT, String.valueOf(manifest.classes().size()));
        attributes.put(COUNT, String.valueOf(summary.count()));
        summary.classCounts().forEach((className, count) -> attributes.put(COUNT_PREFIX + className, String.valueOf(count)));
        attributes.put(SKIPPED_COUNT, String.valueOf(summary.skipped().size()));
        attributes.put(SKIPPED, skippedText(summary.skipped()));
        if (manifest.source() != null) {
            final DatasetManifest.Source source = manifest.source();
            if (source.directory() != null) {
                attributes.put(SOURCE_DIRECTORY, source.directory());
            }
            if (!source.splits().isEmpty()) {
                attributes.put(RUN_SPLITS, String.join(",", source.splits()));
            }
            if (source.origin() != null) {
                attributes.put(SPLIT_ORIGIN, source.origin());
            }
            if (!source.droppedClasses().isEmpty()) {
                attributes.put(DROPPED_CLASSES, json(source.droppedClasses().stream().map(DatasetManifest.DroppedClass::describe).toList()));
            }
        }
        if (manifest.tensor() != null) {
            attributes.put(IMAGE_SIZE, manifest.tensor().sizeText());
            attributes.put(PRESET, manifest.tensor().normalization().name());
        }
        attributes.put(AUGMENTATION, manifest.augmentation() == null ? "none" : manifest.augmentation().mode());
        if (manifest.shard() != null) {
            attributes.put(FRAGMENT_INDEX, String.valueOf(manifest.shard().index()));
            attributes.put(FRAGMENT_COUNT, String.valueOf(manifest.shard().count()));
        }
        attributes.put(CoreAttributes.MIME_TYPE.key(), TAR_MIME_TYPE);
        attributes.put(CoreAttributes.FILENAME.key(), fileName(manifest));
        return attributes;
    }

    /** The attributes describing a model: run, classes, input, phase and the last phase's metrics. */
    public static Map<String, String> forModel(final org.nifitransfer.core.model.ModelManifest manifest) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(KIND, MODEL_KIND);
        attributes.put(RUN_ID, manifest.runId());
        attributes.put(CLASSES, json(manifest.classes()));
        attributes.put(CLASS_COUNT, String.valueOf(manifest.classes().size()));
        attributes.put(IMAGE_SIZE, manifest.input().width() + "x" + manifest.input().height());
        attributes.put(PRESET, manifest.input().normalization().name());
        attributes.put("transfer.base", manifest.base().name());
        attributes.put("transfer.base.engine", manifest.base().engine());
        attributes.put("transfer.head", manifest.head().describe());
        attributes.put("transfer.trainable.parameters", String.valueOf(manifest.trainableBaseParameterCount()));
        attributes.put("transfer.epochs", String.valueOf(manifest.lastEpoch()));
        if (!manifest.history().isEmpty()) {
            final org.nifitransfer.core.model.EpochRecord last = manifest.history().getLast();
            attributes.put(PHASE, last.phase());
            attributes.put("transfer.accuracy", format(last.accuracy()));
            attributes.put("transfer.loss", format(last.loss()));
            attributes.put("transfer.last.val.accuracy", format(last.validationAccuracy()));
            if (manifest.metrics() == null) {
                attributes.put("transfer.val.accuracy", format(last.validationAccuracy()));
                attributes.put("transfer.val.loss", format(last.validationLoss()));
            }
        }
        if (manifest.metrics() != null) {
            attributes.put("transfer.best.epoch", String.valueOf(manifest.metrics().bestEpoch()));
            attributes.put("transfer.best.val.accuracy", format(manifest.metrics().bestValidationAccuracy()));
            attributes.put("transfer.best.val.loss", format(manifest.metrics().bestValidationLoss()));
            attributes.put("transfer.stopped.early", String.valueOf(manifest.metrics().stoppedEarly()));
            attributes.put("transfer.training.seconds", format(manifest.metrics().seconds()));
            // the figures of the weights the model holds (the best epoch's when the best is kept)
            attributes.put("transfer.kept.epoch", String.valueOf(manifest.metrics().keptEpoch()));
            attributes.put("transfer.val.accuracy", format(manifest.metrics().keptValidationAccuracy()));
            attributes.put("transfer.val.loss", format(manifest.metrics().keptValidationLoss()));
        }
        attributes.put(CoreAttributes.MIME_TYPE.key(), TAR_MIME_TYPE);
        attributes.put(CoreAttributes.FILENAME.key(), shortRun(manifest.runId()) + "-model-"
                + (manifest.history().isEmpty() ? "untrained" : manifest.history().getLast().phase()) + ".tar");
        return attributes;
    }

    static String format(final double value) {
        return String.format(java.util.Locale.ROOT, "%.4f", value);
    }

    /** {@code <run>-<split>-<kind>.tar}; for one of several shards, {@code <run>-<split>-<kind>-shard-<n>-of-<count>.tar}. */
    public static String fileName(final DatasetManifest manifest) {
        final DatasetManifest.Shard shard = manifest.shard();
        return shortRun(manifest.runId()) + "-" + manifest.split() + "-" + manifest.kind().getValue()
                + (shard == null || shard.count() == 1 ? "" : "-shard-" + (shard.index() + 1) + "-of-" + shard.count()) + ".tar";
    }

    /** Skipped files as a JSON array of {@code "file: reason"} strings, at most {@value #MAX_SKIPPED_IN_ATTRIBUTE}. */
    public static String skippedText(final List<DatasetSummary.SkippedFile> skipped) {
        final List<String> lines = skipped.stream().limit(MAX_SKIPPED_IN_ATTRIBUTE)
                .map(file -> file.file() + ": " + file.reason()).collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
        if (skipped.size() > MAX_SKIPPED_IN_ATTRIBUTE) {
            lines.add("... and " + (skipped.size() - MAX_SKIPPED_IN_ATTRIBUTE) + " more (see summary.json in the content)");
        }
        return json(lines);
    }

    static String json(final Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String shortRun(final String runId) {
        if (runId == null) {
            return "run";
        }
        return runId.length() > 8 ? runId.substring(0, 8) : runId;
    }
}
