package org.nifitransfer.processors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.TriggerSerially;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.configuration.DefaultSchedule;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.components.state.StateMap;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.scheduling.SchedulingStrategy;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetSummary;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.folder.DirectoryFingerprint;
import org.nifitransfer.core.folder.FolderLayout;
import org.nifitransfer.core.folder.FolderScan;
import org.nifitransfer.core.folder.FolderScanException;
import org.nifitransfer.core.folder.ImageFolderScanner;
import org.nifitransfer.core.folder.ImageValidator;
import org.nifitransfer.core.folder.ImageValidators;
import org.nifitransfer.core.folder.SplitFractions;
import org.nifitransfer.core.image.ImageDecoder;

@TriggerSerially
@InputRequirement(Requirement.INPUT_FORBIDDEN)
@DefaultSchedule(strategy = SchedulingStrategy.TIMER_DRIVEN, period = "1 min")
@Tags({"image", "dataset", "folder", "deep learning", "transfer learning", "source"})
@CapabilityDescription("Loads a directory of images organised by folder (split folders with class folders inside, or class folders "
        + "only, split with seeded, stratified fractions) into image datasets, one per split, all carrying a new run id that joins them "
        + "later. A split larger than 'Images Per Shard' is emitted as several flowfiles (shards) with NiFi's fragment attributes, so "
        + "concurrent tasks or the nodes of a cluster prepare it in parallel while the training processors wait for every shard. "
        + "Every file left out (corrupt, empty, not an image, ...) is listed with the reason.")
@Stateful(scopes = Scope.LOCAL, description = "The fingerprint (file names, sizes and modification times, and the "
        + "properties) of the directory last loaded, the run id it was given, and the outcome. A directory whose "
        + "fingerprint has not changed is not loaded again; clear the state to load it once more.")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.KIND, description = "image-dataset"),
    @WritesAttribute(attribute = TransferAttributes.RUN_ID, description = "A new id for each load; every split of one load shares it"),
    @WritesAttribute(attribute = TransferAttributes.SPLIT, description = "train, validation or test"),
    @WritesAttribute(attribute = TransferAttributes.CLASSES, description = "The class names as a JSON array; a label is an index here"),
    @WritesAttribute(attribute = TransferAttributes.CLASS_COUNT, description = "The number of classes"),
    @WritesAttribute(attribute = TransferAttributes.COUNT, description = "The number of images in this flowfile (the split, or this "
            + "shard of it)"),
    @WritesAttribute(attribute = TransferAttributes.FRAGMENT_IDENTIFIER, description = "The same for every shard of one split of one "
            + "run"),
    @WritesAttribute(attribute = TransferAttributes.FRAGMENT_INDEX, description = "This shard's position in its split, from 0"),
    @WritesAttribute(attribute = TransferAttributes.FRAGMENT_COUNT, description = "How many shards the split has (1 for a split of "
            + "at most 'Images Per Shard' images)"),
    @WritesAttribute(attribute = TransferAttributes.SEGMENT_ORIGINAL_FILENAME, description = "The file name of the whole split, "
            + "for MergeContent's Defragment"),
    @WritesAttribute(attribute = "transfer.count.<class>", description = "The number of images of each class in this split"),
    @WritesAttribute(attribute = TransferAttributes.SKIPPED_COUNT, description = "The number of files left out"),
    @WritesAttribute(attribute = TransferAttributes.SKIPPED, description = "The files left out and why, as a JSON array "
            + "(the first 50; summary.json in the content lists them all)"),
    @WritesAttribute(attribute = TransferAttributes.AUGMENTATION, description = "none (Augment sets on-the-fly or materialized)"),
    @WritesAttribute(attribute = TransferAttributes.SOURCE_DIRECTORY, description = "The directory loaded"),
    @WritesAttribute(attribute = TransferAttributes.RUN_SPLITS, description = "Every split of this run, comma-separated: the joins "
            + "know at once that a split not listed will never come"),
    @WritesAttribute(attribute = TransferAttributes.SPLIT_ORIGIN, description = "How this split was made, e.g. 'test/' or "
            + "'carved from train/: 10% of each class (seeded, stratified)'"),
    @WritesAttribute(attribute = TransferAttributes.DROPPED_CLASSES, description = "Classes left out because they had no training "
            + "images (Classes Without Training Images: Drop), as a JSON array; absent when none"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure: why the directory could not be loaded")
})
@SeeAlso({ResizeAndNormalize.class, Augment.class})
@UseCase(description = "Load a cats-vs-dogs style folder of images for transfer learning",
        configuration = """
                Set "Input Directory" to the folder holding train/, validation/ and test/, each with one folder per class.
                Leave "Directory Layout" on "Auto". Connect "success" to ResizeAndNormalize.
                """)
@UseCase(description = "Load a download that has train/ and test/ folders but no validation folder (Kaggle's cats-vs-dogs)",
        configuration = """
                Set "Input Directory" to the folder holding train/ (or training_set/) and test/ (or test_set/). Leave "Validation
                Fraction From Train" at 0.1, or set the share of each class's training images to hold out for validation.
                """)
@UseCase(description = "Split a folder of class folders into train, validation and test sets",
        configuration = """
                Set "Input Directory" to the folder holding one folder per class, "Directory Layout" to "Class Folders",
                and "Split Fractions" to the train, validation and test fractions, e.g. "0.8, 0.1, 0.1". Set "Random Seed"
                to make the split reproducible.
                """)
public class LoadImageFolder extends TransferProcessor {

    /** The Directory Layout property's choices. */
    public enum Layout implements Choice {
        AUTO, SPLIT_FOLDERS, CLASS_FOLDERS;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case AUTO -> new AllowableValue("auto", "Auto",
                        "Split folders when the directory has train/, validation/ (or val/) or test/ folders, else class folders");
                case SPLIT_FOLDERS -> new AllowableValue("split-folders", "Split Folders",
                        "train/<class>/..., validation/<class>/... (or val/), test/<class>/...");
                case CLASS_FOLDERS -> new AllowableValue("class-folders", "Class Folders",
                        "<class>/... only; splits are drawn with the split fractions");
            };
        }

        /** The core's layout. */
        public FolderLayout layout() {
            return FolderLayout.valueOf(name());
        }
    }

    /** The Image Validation property's choices. */
    public enum Validation implements Choice {
        FULL_DECODE, HEADER_ONLY;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case FULL_DECODE -> new AllowableValue("full-decode", "Full Decode",
                        "Decode every image: finds corrupt and truncated files, at the cost of decoding each once more");
                case HEADER_ONLY -> new AllowableValue("header-only", "Header Only", "Read only each image's header (format and size): faster, but damage after the header is found later, "
                + "by ResizeAndNormalize");
            };
        }
    }

    public static final Relationship REL_SUCCESS = ProcessorSupport.success("One image dataset per split of the directory, or per shard of a split larger than Images Per Shard");
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "When the directory cannot be loaded at all (missing, unreadable, fewer than two classes with "
                    + "usable images): one flowfile whose content and transfer.error attribute say what was found");

    public static final PropertyDescriptor INPUT_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Input Directory")
            .description("The directory of images: split folders holding class folders, or class folders")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor LAYOUT = new PropertyDescriptor.Builder()
            .name("Directory Layout")
            .description("How the directory is organised")
            .required(true)
            .allowableValues(Layout.class)
            .defaultValue(Layout.AUTO)
            .build();
    public static final PropertyDescriptor SPLIT_FRACTIONS = new PropertyDescriptor.Builder()
            .name("Split Fractions")
            .description("For class folders, or split folders with a train/ folder alone: the train, validation and test "
                    + "fractions, comma-separated, adding up to 1. Each class is split in these proportions (stratified), at random "
                    + "with the seed, and keeps at least one training image.")
            .required(true)
            .defaultValue("0.8, 0.1, 0.1")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor VALIDATION_FROM_TRAIN = new PropertyDescriptor.Builder()
            .name("Validation Fraction From Train")
            .description("For split folders with train/ but no validation folder (most downloads: train/ and test/ only): the share "
                    + "of each class's training images moved into a validation split, seeded and stratified, like Keras' "
                    + "validation_split. Every class keeps at least one training image. 0: no validation split is made (TrainHead "
                    + "and FineTune then cannot run).")
            .required(true)
            .defaultValue("0.1")
            .addValidator(StandardValidators.NUMBER_VALIDATOR)
            .build();
    public static final PropertyDescriptor TEST_FROM_VALIDATION = new PropertyDescriptor.Builder()
            .name("Test Fraction From Validation")
            .description("For split folders without a test/ folder (such as the tutorial's cats_and_dogs_filtered): the share "
                    + "of each class's validation images moved into a test split, seeded and stratified, as the TensorFlow "
                    + "transfer-learning tutorial takes a fifth of its validation set for testing. 0: no test split is made.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NUMBER_VALIDATOR)
            .build();
    public static final PropertyDescriptor UNTRAINED_CLASSES = new PropertyDescriptor.Builder()
            .name("Classes Without Training Images")
            .description("What to do with a class folder that has validation or test images but no training images")
            .required(true)
            .allowableValues(UntrainedClasses.class)
            .defaultValue(UntrainedClasses.FAIL)
            .build();
    public static final PropertyDescriptor FILE_FILTER = new PropertyDescriptor.Builder()
            .name("File Filter")
            .description("A regular expression whole file names must match (a dot matches any character, line breaks included); "
                    + "other files are skipped and listed. Hidden files (names starting with a dot) are always skipped and listed.")
            .required(true)
            .defaultValue(".*")
            .addValidator(StandardValidators.REGULAR_EXPRESSION_VALIDATOR)
            .build();
    public static final PropertyDescriptor MAX_PER_CLASS = new PropertyDescriptor.Builder()
            .name("Maximum Images Per Class")
            .description("At most this many images of each class (per split folder, or before splitting class folders), "
                    + "drawn at random with the seed. Empty: all images.")
            .required(false)
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor RANDOM_SEED = ProcessorSupport.randomSeed(
            "The seed of the split and of sampling; the same seed and files give the same datasets");
    public static final PropertyDescriptor VALIDATION = new PropertyDescriptor.Builder()
            .name("Image Validation")
            .description("How each file is checked before it is accepted")
            .required(true)
            .allowableValues(Validation.class)
            .defaultValue(Validation.FULL_DECODE)
            .build();
    public static final PropertyDescriptor MAX_FILE_SIZE = new PropertyDescriptor.Builder()
            .name("Maximum File Size")
            .description("Files larger than this are skipped and listed")
            .required(true)
            .defaultValue("100 MB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .build();
    public static final PropertyDescriptor MAX_MEGAPIXELS = ProcessorSupport.MAX_MEGAPIXELS;
    public static final PropertyDescriptor IMAGES_PER_SHARD = new PropertyDescriptor.Builder()
            .name("Images Per Shard")
            .description("Each split is emitted as flowfiles (shards) of at most this many images, each with NiFi's fragment "
                    + "attributes (fragment.identifier, fragment.index, fragment.count). ResizeAndNormalize, Augment and ExtractFeatures "
                    + "work shard by shard, so their concurrent tasks, or the nodes of a cluster behind a load-balanced connection, share "
                    + "a large split; TrainHead, FineTune and Evaluate wait until every shard of the splits they need is queued and read "
                    + "them in order, so results do not depend on who prepared which shard. A split of at most this many images is one "
                    + "flowfile. Smaller shards spread better and hold less in one task; each costs a little (a flowfile, a "
                    + "session, a model call that is not full): see the README.")
            .required(true)
            .defaultValue("1000")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    static final String STATE_FINGERPRINT = "fingerprint";
    static final String STATE_RUN_ID = "run.id";
    static final String STATE_OUTCOME = "outcome";

    private static final List<PropertyDescriptor> PROPERTIES = List.of(INPUT_DIRECTORY, LAYOUT, SPLIT_FRACTIONS, VALIDATION_FROM_TRAIN,
            TEST_FROM_VALIDATION, UNTRAINED_CLASSES, FILE_FILTER, MAX_PER_CLASS, RANDOM_SEED, VALIDATION, MAX_FILE_SIZE, MAX_MEGAPIXELS,
            IMAGES_PER_SHARD);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE);

    public LoadImageFolder() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final String directoryName = context.getProperty(INPUT_DIRECTORY).evaluateAttributeExpressions().getValue();
        final Path directory = Path.of(directoryName);
        final String fingerprint = DirectoryFingerprint.of(directory, settings(context));
        final StateMap state;
        try {
            state = session.getState(Scope.LOCAL);
        } catch (final IOException e) {
            throw new ProcessException("Cannot read the processor's state", e);
        }
        if (fingerprint.equals(state.get(STATE_FINGERPRINT))) {
            context.yield();
            return;
        }

        final FolderScan scan;
        try {
            scan = scanner(context, directory).scan();
        } catch (final FolderScanException e) {
            reportFailure(session, directoryName, e.getMessage());
            setState(session, fingerprint, "", "failed: " + e.getMessage());
            return;
        }

        final String runId = UUID.randomUUID().toString();
        final List<String> lines = new ArrayList<>();
        final List<DatasetSummary.SkippedFile> allSkipped = new ArrayList<>();
        final List<String> runSplits = List.copyOf(scan.splits().keySet());
        final int perShard = context.getProperty(IMAGES_PER_SHARD).asInteger();
        for (final Map.Entry<String, List<FolderScan.ImageFile>> split : scan.splits().entrySet()) {
            final DatasetManifest manifest = DatasetManifest.of(DatasetKind.IMAGES, runId, split.getKey(), scan.classes(),
                    new DatasetManifest.Source(directoryName, scan.layout().getValue(), context.getProperty(RANDOM_SEED).asLong(), runSplits,
                            scan.origins().get(split.getKey()), scan.droppedClasses()));
            final List<FolderScan.ImageFile> files = split.getValue();
            final int shards = Math.max(1, (files.size() + perShard - 1) / perShard);
            final String fragmentIdentifier = UUID.randomUUID().toString();
            final Map<String, Long> classCounts = new LinkedHashMap<>();
            for (int index = 0; index < shards; index++) {
                final int start = index * perShard;
                final DatasetManifest shard = manifest.withShard(new DatasetManifest.Shard(index, shards, start));
                final List<FolderScan.ImageFile> shardFiles = files.subList(Math.min(start, files.size()),
                        Math.min(start + perShard, files.size()));
                final List<DatasetSummary.SkippedFile> shardSkipped = index == 0 ? scan.skippedFor(split.getKey()) : List.of();
                final DatasetSummary summary = emit(session, shard, shardFiles, shardSkipped, scan.classes(), fragmentIdentifier, directoryName);
                summary.classCounts().forEach((className, count) -> classCounts.merge(className, count, Long::sum));
                allSkipped.addAll(summary.skipped());
            }
            lines.add(split.getKey() + " " + classCounts + (shards > 1 ? " in " + shards + " shards" : "") + " ("
                    + scan.origins().get(split.getKey()) + ")");
        }
        setState(session, fingerprint, runId, "loaded: " + String.join("; ", lines));
        getLogger().info("Loaded run {} from {} ({}): {}", runId, directoryName, scan.layout().getValue(), String.join("; ", lines));
        if (!runSplits.containsAll(List.of(Splits.TRAIN, Splits.VALIDATION, Splits.TEST))) {
            getLogger().warn("Run {} from {} has only the {} split(s): TrainHead and FineTune need train and validation, Evaluate needs test. "
                    + "Add the missing folder, or set Validation Fraction From Train / Test Fraction From Validation to carve it",
                    runId, directoryName, String.join(", ", runSplits));
        }
        for (final String warning : scan.warnings()) {
            getLogger().warn("{}: {}", directoryName, warning);
        }
        if (!allSkipped.isEmpty()) {
            getLogger().warn("Skipped {} file(s) in {}: {}", allSkipped.size(), directoryName, allSkipped.stream().limit(10)
                    .map(file -> file.file() + " (" + file.reason() + ")").collect(Collectors.joining(", "))
                    + (allSkipped.size() > 10 ? ", ..." : ""));
        }
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        for (final PropertyDescriptor share : List.of(TEST_FROM_VALIDATION, VALIDATION_FROM_TRAIN)) {
            final Double value = context.getProperty(share).asDouble();
            try {
                SplitFractions.carvedShare(value == null ? Double.NaN : value, share.getName());
            } catch (final IllegalArgumentException e) {
                results.add(new ValidationResult.Builder().subject(share.getName()).valid(false)
                        .input(context.getProperty(share).getValue()).explanation(e.getMessage()).build());
            }
        }
        try {
            SplitFractions.parse(context.getProperty(SPLIT_FRACTIONS).getValue());
        } catch (final IllegalArgumentException e) {
            results.add(new ValidationResult.Builder().subject(SPLIT_FRACTIONS.getName()).valid(false)
                    .input(context.getProperty(SPLIT_FRACTIONS).getValue()).explanation(e.getMessage()).build());
        }
        return results;
    }

    private ImageFolderScanner scanner(final ProcessContext context, final Path directory) {
        final ImageDecoder decoder = ImageDecoder.builder()
                .optMaxPixels(context.getProperty(MAX_MEGAPIXELS).asLong() * 1_000_000L)
                .build();
        final ImageValidator validator = context.getProperty(VALIDATION).asAllowableValue(Validation.class) == Validation.HEADER_ONLY
                ? ImageValidators.headerOnly(decoder) : ImageValidators.fullDecode(decoder);
        final ImageFolderScanner.Builder builder = ImageFolderScanner.builder()
                .setDirectory(directory)
                .optLayout(context.getProperty(LAYOUT).asAllowableValue(Layout.class).layout())
                .optFileFilter(Pattern.compile(context.getProperty(FILE_FILTER).getValue(), Pattern.DOTALL))
                .optSeed(context.getProperty(RANDOM_SEED).asLong())
                .optMaxPerClass(context.getProperty(MAX_PER_CLASS).asInteger())
                .optMaxFileSize(context.getProperty(MAX_FILE_SIZE).asDataSize(DataUnit.B).longValue())
                .optTestFromValidation(context.getProperty(TEST_FROM_VALIDATION).asDouble())
                .optValidationFromTrain(context.getProperty(VALIDATION_FROM_TRAIN).asDouble())
                .optUntrainedClassPolicy(context.getProperty(UNTRAINED_CLASSES).asAllowableValue(UntrainedClasses.class).policy())
                .optValidator(validator);
        builder.optSplitFractions(SplitFractions.parse(context.getProperty(SPLIT_FRACTIONS).getValue()));
        return builder.build();
    }

    /** Writes one shard of a split (or the whole split) as a flowfile to success, and returns its summary. */
    private static DatasetSummary emit(final ProcessSession session, final DatasetManifest manifest, final List<FolderScan.ImageFile> files,
                                       final List<DatasetSummary.SkippedFile> skipped, final List<String> classes, final String fragmentIdentifier,
                                       final String directoryName) {
        final DatasetSummary[] summary = new DatasetSummary[1];
        FlowFile flowFile = session.create();
        flowFile = session.write(flowFile, out -> {
            try (ImageDatasetWriter writer = new ImageDatasetWriter(out, manifest)) {
                writeImages(writer, files, skipped, classes);
                writer.close();
                summary[0] = writer.getSummary();
            }
        });
        final Map<String, String> attributes = TransferAttributes.forDataset(manifest, summary[0]);
        attributes.put(TransferAttributes.FRAGMENT_IDENTIFIER, fragmentIdentifier);
        attributes.put(TransferAttributes.SEGMENT_ORIGINAL_FILENAME, TransferAttributes.fileName(manifest.withShard(null)));
        flowFile = session.putAllAttributes(flowFile, attributes);
        final DatasetManifest.Shard shard = manifest.shard();
        session.getProvenanceReporter().create(flowFile, "Loaded " + summary[0].count() + " " + manifest.split() + " images"
                + (shard.count() > 1 ? " (shard " + (shard.index() + 1) + " of " + shard.count() + ")" : "") + " of " + classes.size()
                + " classes from " + directoryName);
        session.transfer(flowFile, REL_SUCCESS);
        return summary[0];
    }

    private static void writeImages(final ImageDatasetWriter writer, final List<FolderScan.ImageFile> files,
                                    final List<DatasetSummary.SkippedFile> skipped, final List<String> classes) throws IOException {
        for (final DatasetSummary.SkippedFile file : skipped) {
            writer.skip(file.file(), file.reason());
        }
        for (final FolderScan.ImageFile file : files) {
            final byte[] content;
            try {
                content = Files.readAllBytes(file.path());
            } catch (final IOException e) {
                writer.skip(classes.get(file.label()) + "/" + file.relativePath(), "file could not be read: " + e.getMessage());
                continue;
            }
            writer.add(file.label(), file.relativePath(), content);
        }
    }

    private void reportFailure(final ProcessSession session, final String directory, final String message) {
        FlowFile flowFile = session.create();
        final Map<String, String> report = new HashMap<>();
        report.put("directory", directory);
        report.put("error", message);
        flowFile = session.write(flowFile, out -> out.write(TransferAttributes.json(report).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(TransferAttributes.ERROR, message);
        attributes.put(TransferAttributes.SOURCE_DIRECTORY, directory);
        attributes.put(CoreAttributes.MIME_TYPE.key(), "application/json");
        attributes.put(CoreAttributes.FILENAME.key(), "load-image-folder-error.json");
        flowFile = session.putAllAttributes(flowFile, attributes);
        session.getProvenanceReporter().create(flowFile, "Could not load " + directory + ": " + message);
        session.transfer(flowFile, REL_FAILURE);
        getLogger().error("Could not load {}: {}", directory, message);
    }

    private static void setState(final ProcessSession session, final String fingerprint, final String runId, final String outcome) {
        final Map<String, String> state = new HashMap<>();
        state.put(STATE_FINGERPRINT, fingerprint);
        state.put(STATE_RUN_ID, runId);
        state.put(STATE_OUTCOME, outcome.length() > 1000 ? outcome.substring(0, 1000) + "..." : outcome);
        try {
            session.setState(state, Scope.LOCAL);
        } catch (final IOException e) {
            throw new ProcessException("Cannot store the processor's state", e);
        }
    }

    private static String settings(final ProcessContext context) {
        final StringBuilder settings = new StringBuilder();
        for (final PropertyDescriptor descriptor : PROPERTIES) {
            settings.append(descriptor.getName()).append('=').append(context.getProperty(descriptor).getValue()).append('\n');
        }
        return settings.toString();
    }
}
