package org.nifitransfer.processors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.annotation.lifecycle.OnStopped;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.FlowFileFilter;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.classify.Classification;
import org.nifitransfer.core.classify.ClassifierSlot;
import org.nifitransfer.core.classify.ImageClassifier;
import org.nifitransfer.core.classify.ModelStore;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.explain.ClassActivationMaps;
import org.nifitransfer.core.explain.Colormap;
import org.nifitransfer.core.explain.Heatmaps;
import org.nifitransfer.core.image.ImageDecodeException;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.PngEncoder;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.pipeline.Hashes;

@InputRequirement(Requirement.INPUT_REQUIRED)
@Tags({"deep learning", "image classification", "inference", "prediction", "scoring", "transfer learning", "image"})
@CapabilityDescription("Classifies images as they flow, one image per flowfile, with a model trained by TrainHead or FineTune: the image goes "
        + "on unchanged to 'success' with its class, confidence and top classes as attributes, or to 'uncertain' below Minimum "
        + "Confidence. The model comes from the Model File property or arrives as a flowfile; it is kept over restarts and "
        + "replaces the previous one for the images queued after it. Images wait in the queue until there is a model.")
@ReadsAttribute(attribute = TransferAttributes.KIND, description = "'model' marks a model flowfile and 'image-dataset' an image "
        + "dataset; content without it is recognised by its first bytes")
@WritesAttributes({
    @WritesAttribute(attribute = ClassifyImage.CLASS_ATTRIBUTE, description = "The most probable class"),
    @WritesAttribute(attribute = ClassifyImage.CONFIDENCE_ATTRIBUTE, description = "Its probability (0 to 1)"),
    @WritesAttribute(attribute = ClassifyImage.TOP_ATTRIBUTE, description = "The Top Classes most probable classes as JSON: "
            + "[{\"class\":\"daisy\",\"probability\":0.97},...]"),
    @WritesAttribute(attribute = ClassifyImage.MODEL_RUN_ATTRIBUTE, description = "The run the scoring model was trained in"),
    @WritesAttribute(attribute = ClassifyImage.MODEL_SHA_ATTRIBUTE, description = "The SHA-256 of the scoring model's file"),
    @WritesAttribute(attribute = ClassifyImage.MODEL_PHASE_ATTRIBUTE, description = "The scoring model's last training phase: "
            + "head or fine-tune"),
    @WritesAttribute(attribute = ClassifyImage.HEATMAP_METHOD_ATTRIBUTE, description = "On a heatmap: CAM or Grad-CAM"),
    @WritesAttribute(attribute = ClassifyImage.HEATMAP_LAYER_ATTRIBUTE, description = "On a heatmap: the layer whose activations it weighs"),
    @WritesAttribute(attribute = ClassifyImage.RESULT_ATTRIBUTE, description = "'predictions' on the CSV of a classified image dataset"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure: why")
})
@Stateful(scopes = Scope.LOCAL, description = "The installed model (its file, SHA-256, run, phase and where it came from), so a "
        + "restart keeps using it, and how many images were classified, found uncertain or failed")
@SeeAlso({Evaluate.class, FineTune.class, TrainHead.class, LoadImageFolder.class})
@UseCase(description = "Classify new images in the flow that trained the model",
        configuration = """
                Connect Evaluate's (or FineTune's) 'model' relationship and the source of new images (GetFile, FetchFile, \
                ListenHTTP, ConsumeKafka) to ClassifyImage. Leave Model File empty. Route 'success' on, send 'uncertain' to a \
                folder people label (LoadImageFolder can train on it later), and 'failure' somewhere visible.
                """)
@UseCase(description = "Classify images with a model file trained earlier",
        configuration = """
                Set "Model File" to a model tar downloaded from provenance (TrainHead, FineTune or Evaluate's output). Replace \
                the file to change the model: it is loaded again without stopping the processor.
                """)
public class ClassifyImage extends TransferProcessor {

    static final String CLASS_ATTRIBUTE = "transfer.class";
    static final String CONFIDENCE_ATTRIBUTE = "transfer.confidence";
    static final String TOP_ATTRIBUTE = "transfer.top";
    static final String MODEL_RUN_ATTRIBUTE = "transfer.model.run.id";
    static final String MODEL_SHA_ATTRIBUTE = "transfer.model.sha256";
    static final String MODEL_PHASE_ATTRIBUTE = "transfer.model.phase";
    static final String RESULT_ATTRIBUTE = "transfer.result";

    static final String STATE_FILE = "model.file";
    static final String STATE_SHA = "model.sha256";
    static final String STATE_RUN = "model.run.id";
    static final String STATE_PHASE = "model.phase";
    static final String STATE_ORIGIN = "model.origin";
    static final String STATE_INSTALLED = "model.installed";
    /** The Model File property's file (path, size, time) when it was last read: a restart reloads it only if it changed. */
    static final String STATE_PROPERTY_FILE = "model.property.file";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MAX_IMAGE_BYTES = 256L * 1024 * 1024;
    private static final long FILE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long WAIT_WARNING_NANOS = TimeUnit.SECONDS.toNanos(30);
    /**
     * A batch runs through a PyTorch base in passes of at most this many pixels (8 images of 224 x 224): the feature maps
     * stay in cache, and the answers are the same as for one pass (docs/performance.md, stage 7, has the figures).
     */
    private static final long PIXELS_PER_PASS = 8L * 224 * 224;

    public static final Relationship REL_SUCCESS = ProcessorSupport.success(
            "Images, unchanged, with their class and confidence at or above Minimum Confidence");
    public static final Relationship REL_UNCERTAIN = new Relationship.Builder()
            .name("uncertain")
            .description("Images, unchanged, whose most probable class is below Minimum Confidence: for a person to label")
            .build();
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "Content that is no decodable image (transfer.error says why), and model flowfiles that cannot be used "
                    + "(the model in use stays)");
    public static final Relationship REL_ORIGINAL = new Relationship.Builder()
            .name("original")
            .description("Model flowfiles once installed, and image datasets once classified")
            .build();
    public static final Relationship REL_PREDICTIONS = new Relationship.Builder()
            .name("predictions")
            .description("For an image dataset: a CSV with one row per image, as Evaluate writes it")
            .build();

    public static final PropertyDescriptor MODEL_FILE = new PropertyDescriptor.Builder()
            .name("Model File")
            .description("A model file (the tar TrainHead, FineTune and Evaluate emit). It is loaded again when it changes, without "
                    + "stopping the processor. Leave empty to use the models that arrive as flowfiles; a model flowfile that arrives "
                    + "later replaces it until the file changes again.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor MINIMUM_CONFIDENCE = new PropertyDescriptor.Builder()
            .name("Minimum Confidence")
            .description("An image whose most probable class has a lower probability goes to 'uncertain' instead of 'success'; "
                    + "0 sends every image to 'success'. With two classes the best probability is never below 0.5.")
            .required(true)
            .defaultValue("0.5")
            .addValidator(StandardValidators.createNonNegativeFloatingPointValidator(1.0))
            .build();
    public static final PropertyDescriptor TOP_CLASSES = new PropertyDescriptor.Builder()
            .name("Top Classes")
            .description("How many of the most probable classes transfer.top lists")
            .required(true)
            .defaultValue("3")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("The most image flowfiles taken per run and classified in one forward pass (an image dataset is "
                    + "classified in batches of this size)")
            .required(true)
            .defaultValue("32")
            .addValidator(StandardValidators.createLongValidator(1, 1024, true))
            .build();
    public static final PropertyDescriptor MODEL_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Model Directory")
            .description("Where models that arrive as flowfiles are installed, in a folder per processor; a relative path is "
                    + "below NiFi's working directory")
            .required(true)
            .defaultValue("./work/nifi-transfer/classify-image")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor EMIT_HEATMAPS = new PropertyDescriptor.Builder()
            .name("Emit Heatmaps")
            .description("Also send to 'heatmaps' a PNG for each classified image: the class activation map of its predicted class "
                    + "over the image as the model saw it (CAM for a linear head, else Grad-CAM). The answers and the maps come from "
                    + "the same pass through the base.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();
    public static final PropertyDescriptor TEST_TIME_AUGMENTATION = new PropertyDescriptor.Builder()
            .name("Test-Time Augmentation")
            .description("Whether each image's class probabilities are averaged over variants of it (as Evaluate's property of the "
                    + "same name). Each variant is one more pass through the base; heatmaps show the image as it is")
            .required(true)
            .allowableValues(Evaluate.Augmentation.class)
            .defaultValue(Evaluate.Augmentation.NONE)
            .build();
    public static final PropertyDescriptor DEVICE = TrainingSupport.DEVICE;
    public static final PropertyDescriptor MAX_MEGAPIXELS = ProcessorSupport.MAX_MEGAPIXELS;

    public static final Relationship REL_HEATMAPS = new Relationship.Builder()
            .name("heatmaps")
            .description("With Emit Heatmaps: one PNG per classified image, its heatmap, with the image's attributes")
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODEL_FILE, MINIMUM_CONFIDENCE, TOP_CLASSES, BATCH_SIZE,
            MODEL_DIRECTORY, EMIT_HEATMAPS, TEST_TIME_AUGMENTATION, DEVICE, MAX_MEGAPIXELS);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_UNCERTAIN, REL_FAILURE, REL_ORIGINAL, REL_PREDICTIONS);
    private static final Set<Relationship> WITH_HEATMAPS = Set.of(REL_SUCCESS, REL_UNCERTAIN, REL_FAILURE, REL_ORIGINAL, REL_PREDICTIONS,
            REL_HEATMAPS);
    static final String HEATMAP_METHOD_ATTRIBUTE = "transfer.heatmap.method";
    static final String HEATMAP_LAYER_ATTRIBUTE = "transfer.heatmap.layer";

    private final ClassifierSlot slot = new ClassifierSlot();
    private final Map<String, String> modelState = new LinkedHashMap<>();
    private final AtomicLong classified = new AtomicLong();
    private final AtomicLong uncertain = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String propertyFileState;
    private volatile String modelProblem;
    private volatile long lastFileCheck;
    private volatile long lastWaitWarning;
    private volatile Set<Relationship> relationships = RELATIONSHIPS;

    public ClassifyImage() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    @Override
    public Set<Relationship> getRelationships() {
        return relationships;
    }

    @Override
    public void onPropertyModified(final PropertyDescriptor descriptor, final String oldValue, final String newValue) {
        if (EMIT_HEATMAPS.equals(descriptor)) {
            relationships = "true".equals(newValue) ? WITH_HEATMAPS : RELATIONSHIPS;
        }
    }

    /**
     * Loads the model: the Model File when it changed since it was last read (or was never read), else the model named in
     * the processor's state (a model installed from a flowfile survives a restart), else none yet. A model that cannot be
     * loaded does not stop the processor from running: images wait, with a bulletin saying why.
     */
    @OnScheduled
    public synchronized void loadModel(final ProcessContext context) throws IOException {
        final Map<String, String> state = context.getStateManager().getState(Scope.LOCAL).toMap();
        modelState.clear();
        modelState.putAll(state);
        modelState.keySet().removeIf(key -> key.startsWith("images."));
        classified.set(count(state, "images.classified"));
        uncertain.set(count(state, "images.uncertain"));
        failed.set(count(state, "images.failed"));
        modelProblem = null;
        lastFileCheck = System.nanoTime();
        final String location = modelFileLocation(context);
        final String fileState = location == null ? null : ProcessorSupport.fileState(location);
        propertyFileState = fileState;
        final String installed = state.get(STATE_FILE);
        if (location != null && (installed == null || !fileState.equals(state.get(STATE_PROPERTY_FILE)))) {
            loadModelFile(context, location, fileState);
        }
        if (slot.peek().isEmpty() && installed != null) {
            // the model installed before, also when a changed Model File cannot be loaded
            try {
                install(context, Path.of(installed), state.get(STATE_SHA), state.get(STATE_ORIGIN));
            } catch (final IOException | BaseModelException | RuntimeException e) {
                modelProblem = "the installed model " + installed + " cannot be loaded: " + e.getMessage();
                getLogger().error("Cannot load the model named in the processor's state: {}", modelProblem, e);
            }
        }
        writeState(context);
    }

    @OnStopped
    public void closeModel(final ProcessContext context) {
        writeState(context);
        slot.close();
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        reloadIfModelFileChanged(context);
        if (slot.peek().isEmpty() && !installFirstModelInQueue(context, session)) {
            waitForModel(context, session);
            return;
        }
        final int batchSize = context.getProperty(BATCH_SIZE).asInteger();
        final List<FlowFile> batch = session.get(new BatchFilter(batchSize));
        if (batch.isEmpty()) {
            return;
        }
        try (Pending pending = new Pending()) {
            for (final FlowFile flowFile : batch) {
                final String kind = flowFile.getAttribute(TransferAttributes.KIND);
                if (TransferAttributes.MODEL_KIND.equals(kind)) {
                    classify(context, session, pending);
                    installFromFlowFile(context, session, flowFile);
                } else if (DatasetKind.IMAGES.getValue().equals(kind)) {
                    classify(context, session, pending);
                    classifyDataset(context, session, flowFile);
                } else {
                    prepare(context, session, flowFile, pending);
                }
            }
            classify(context, session, pending);
        }
        writeState(context);
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final String location = context.getProperty(MODEL_FILE).evaluateAttributeExpressions().getValue();
        if (location != null && !location.isBlank() && !location.contains("${")) {
            final Path file = Path.of(location.strip());
            String problem = null;
            if (!Files.isRegularFile(file)) {
                problem = "no such file";
            } else {
                try (InputStream in = Files.newInputStream(file)) {
                    ModelPackage.readManifest(in);
                } catch (final IOException | RuntimeException e) {
                    problem = e.getMessage();
                }
            }
            if (problem != null) {
                results.add(new ValidationResult.Builder().subject(MODEL_FILE.getName()).input(location).valid(false)
                        .explanation("is not a model file: " + problem).build());
            }
        }
        return results;
    }

    /** Takes up to the batch size of images in queue order; a model or image dataset is taken alone, in its turn. */
    private static final class BatchFilter implements FlowFileFilter {
        private final int batchSize;
        private int taken;

        private BatchFilter(final int batchSize) {
            this.batchSize = batchSize;
        }

        @Override
        public FlowFileFilterResult filter(final FlowFile flowFile) {
            final String kind = flowFile.getAttribute(TransferAttributes.KIND);
            final boolean alone = TransferAttributes.MODEL_KIND.equals(kind) || DatasetKind.IMAGES.getValue().equals(kind);
            if (alone) {
                // images before it are classified with the model they arrived under; it waits for the next run otherwise
                return taken == 0 ? FlowFileFilterResult.ACCEPT_AND_TERMINATE : FlowFileFilterResult.REJECT_AND_TERMINATE;
            }
            taken++;
            return taken >= batchSize ? FlowFileFilterResult.ACCEPT_AND_TERMINATE : FlowFileFilterResult.ACCEPT_AND_CONTINUE;
        }
    }

    /** An image decoded and resized for the model. */
    private record PreparedImage(FlowFile flowFile, RgbImage image) {
    }

    /**
     * Images prepared for one model and not yet classified, with the lease on that model: a model installed in the middle of
     * a batch serves the images after it, never images prepared for another.
     */
    private final class Pending implements AutoCloseable {
        private final List<PreparedImage> images = new ArrayList<>();
        private ClassifierSlot.Lease lease;

        private ImageClassifier classifier() {
            if (lease == null) {
                lease = slot.acquire();
            }
            return lease.classifier();
        }

        @Override
        public void close() {
            images.clear();
            if (lease != null) {
                lease.close();
                lease = null;
            }
        }
    }

    /** Reads one flowfile: an image is decoded and resized for the model; content that is a model or dataset is handled. */
    private void prepare(final ProcessContext context, final ProcessSession session, final FlowFile flowFile, final Pending pending) {
        if (flowFile.getSize() == 0) {
            failImage(session, flowFile, "empty content (0 bytes): not an image");
            return;
        }
        final boolean tooLarge = flowFile.getSize() > MAX_IMAGE_BYTES;
        final byte[] content = new byte[(int) Math.min(flowFile.getSize(), tooLarge ? 512 : MAX_IMAGE_BYTES)];
        session.read(flowFile, in -> in.readNBytes(content, 0, content.length));
        switch (ContentKind.of(content)) {
            case MODEL -> {
                classify(context, session, pending);
                installFromFlowFile(context, session, flowFile);
            }
            case DATASET -> {
                classify(context, session, pending);
                classifyDataset(context, session, flowFile);
            }
            case OTHER -> {
                if (tooLarge) {
                    failImage(session, flowFile, "content of " + flowFile.getSize() + " bytes is too large for an image (at most "
                            + MAX_IMAGE_BYTES + " bytes)");
                    return;
                }
                try {
                    pending.images.add(new PreparedImage(flowFile, pending.classifier().prepare(content,
                            flowFile.getAttribute(CoreAttributes.FILENAME.key()))));
                } catch (final ImageDecodeException e) {
                    failImage(session, flowFile, "not a decodable image: " + e.getReason());
                }
            }
        }
    }

    /**
     * Classifies the pending images in one forward pass and routes each, then lets go of their model. A model that fails on
     * decodable images is no fault of theirs: everything this run took goes back to the queue.
     */
    private void classify(final ProcessContext context, final ProcessSession session, final Pending pending) {
        if (pending.images.isEmpty()) {
            pending.close();
            return;
        }
        final double minimum = context.getProperty(MINIMUM_CONFIDENCE).asDouble();
        final int top = context.getProperty(TOP_CLASSES).asInteger();
        final ImageClassifier classifier = pending.classifier();
        final boolean heatmaps = context.getProperty(EMIT_HEATMAPS).asBoolean();
        final List<RgbImage> images = pending.images.stream().map(PreparedImage::image).toList();
        final List<Classification> answers;
        final List<ImageClassifier.Explained> explained;
        try {
            explained = heatmaps ? classifier.classifyAndExplain(images) : null;
            answers = heatmaps ? explained.stream().map(ImageClassifier.Explained::classification).toList() : classifier.classify(images);
        } catch (final BaseModelException | RuntimeException e) {
            throw new ProcessException("The " + classifier.getPhase() + " model of run " + classifier.getRunId() + " failed on a batch of "
                    + pending.images.size() + " images, which return to the queue: " + e.getMessage(), e);
        }
        for (int i = 0; i < answers.size(); i++) {
            final Classification answer = answers.get(i);
            // compared as floats: an image whose transfer.confidence equals the threshold is sure
            final boolean sure = answer.confidence() >= (float) minimum;
            final Map<String, String> attributes = modelAttributes(classifier);
            attributes.put(CLASS_ATTRIBUTE, answer.bestClass());
            attributes.put(CONFIDENCE_ATTRIBUTE, Float.toString(answer.confidence()));
            attributes.put(TOP_ATTRIBUTE, topJson(answer.top(top)));
            final FlowFile flowFile = session.putAllAttributes(pending.images.get(i).flowFile(), attributes);
            final Relationship relationship = sure ? REL_SUCCESS : REL_UNCERTAIN;
            session.getProvenanceReporter().route(flowFile, relationship, "Classified as " + answer.bestClass() + " with confidence "
                    + answer.confidence() + " by the " + classifier.getPhase() + " model of run " + classifier.getRunId() + " ("
                    + classifier.getSha256().substring(0, 12) + ")");
            if (explained != null) {
                heatmap(session, flowFile, images.get(i), explained.get(i).explanation());
            }
            session.transfer(flowFile, relationship);
            classified.incrementAndGet();
            if (!sure) {
                uncertain.incrementAndGet();
            }
        }
        pending.close();
    }

    /** The heatmap of one classified image, as a PNG child of it, to 'heatmaps'. */
    private static void heatmap(final ProcessSession session, final FlowFile image, final RgbImage prepared,
                                final ClassActivationMaps.Explanation explanation) {
        final byte[] png = PngEncoder.encode(Heatmaps.overlay(prepared, explanation.map(), Colormap.INFERNO, 0.5));
        FlowFile heatmap = session.write(session.create(image), out -> out.write(png));
        final String name = image.getAttribute(CoreAttributes.FILENAME.key());
        heatmap = session.putAllAttributes(heatmap, Map.of(
                CoreAttributes.FILENAME.key(), (name == null ? "image" : name) + "-heatmap.png",
                CoreAttributes.MIME_TYPE.key(), "image/png",
                HEATMAP_METHOD_ATTRIBUTE, explanation.method().getDescription(),
                HEATMAP_LAYER_ATTRIBUTE, explanation.layer()));
        session.transfer(heatmap, REL_HEATMAPS);
    }

    private void failImage(final ProcessSession session, final FlowFile flowFile, final String reason) {
        failed.incrementAndGet();
        ProcessorSupport.fail(session, getLogger(), flowFile, REL_FAILURE, reason, null);
    }

    /** An image dataset classified whole: the predictions CSV to 'predictions', the dataset to 'original'. */
    private void classifyDataset(final ProcessContext context, final ProcessSession session, final FlowFile dataset) {
        FlowFile csv = session.create(dataset);
        final ImageClassifier.DatasetResult[] result = new ImageClassifier.DatasetResult[1];
        try (ClassifierSlot.Lease lease = slot.acquire()) {
            final ImageClassifier classifier = lease.classifier();
            try (InputStream in = session.read(dataset)) {
                csv = session.write(csv, out -> {
                    try {
                        result[0] = classifier.classifyDataset(in, out, context.getProperty(BATCH_SIZE).asInteger(), () -> !isScheduled());
                    } catch (final BaseModelException e) {
                        throw new IOException(e.getMessage(), e);
                    }
                });
            } catch (final IOException | RuntimeException e) {
                session.remove(csv);
                final Throwable cause = ProcessorSupport.rootCause(e);
                if (cause instanceof CancellationException) {
                    getLogger().info("Stopped while classifying {}; it returns to the queue", dataset);
                    session.rollback();
                    return;
                }
                ProcessorSupport.fail(session, getLogger(), dataset, REL_FAILURE, ProcessorSupport.reason("classification",
                        cause.getCause() instanceof BaseModelException ? cause.getCause() : cause), cause);
                return;
            }
            final ImageClassifier.DatasetResult done = result[0];
            final Map<String, String> attributes = modelAttributes(classifier);
            attributes.put(RESULT_ATTRIBUTE, "predictions");
            attributes.put(TransferAttributes.COUNT, String.valueOf(done.classified()));
            attributes.put(TransferAttributes.SKIPPED_COUNT, String.valueOf(done.skipped().size()));
            attributes.put(TransferAttributes.SKIPPED, TransferAttributes.skippedText(done.skipped()));
            if (done.labelled() > 0) {
                attributes.put("transfer.accuracy", TransferAttributes.format((double) done.correct() / done.labelled()));
            }
            attributes.put(TransferAttributes.KIND, "predictions");
            attributes.put(CoreAttributes.FILENAME.key(), done.dataset().runId() + "-" + done.dataset().split() + "-predictions.csv");
            attributes.put(CoreAttributes.MIME_TYPE.key(), "text/csv");
            csv = session.putAllAttributes(csv, attributes);
            session.getProvenanceReporter().modifyContent(csv, "Classified " + done.classified() + " images of run " + done.dataset().runId()
                    + " (" + done.dataset().split() + ") with the " + classifier.getPhase() + " model of run " + classifier.getRunId());
            session.transfer(csv, REL_PREDICTIONS);
            session.transfer(dataset, REL_ORIGINAL);
            classified.addAndGet(done.classified());
            failed.addAndGet(done.skipped().size());
        }
    }

    /** Installs a model flowfile: copied under Model Directory, loaded, made current; on any problem it goes to failure. */
    private synchronized boolean installFromFlowFile(final ProcessContext context, final ProcessSession session, final FlowFile flowFile) {
        final ModelStore store = store(context);
        final ModelStore.Installed installed;
        try (InputStream in = session.read(flowFile)) {
            installed = store.install(in);
        } catch (final IOException | RuntimeException e) {
            ProcessorSupport.fail(session, getLogger(), flowFile, REL_FAILURE, "not a usable model: " + ProcessorSupport.reason("installing the model",
                    ProcessorSupport.rootCause(e)), e);
            return false;
        }
        final String origin = "flowfile " + flowFile.getAttribute(CoreAttributes.UUID.key()) + " ("
                + flowFile.getAttribute(CoreAttributes.FILENAME.key()) + ")";
        final String previous = modelState.get(STATE_FILE);
        try {
            install(context, installed.file(), installed.sha256(), origin);
        } catch (final IOException | BaseModelException | RuntimeException e) {
            if (!installed.file().toString().equals(previous)) {
                deleteQuietly(installed.file());
            }
            ProcessorSupport.fail(session, getLogger(), flowFile, REL_FAILURE, "the model cannot be loaded: " + e.getMessage(), e);
            return false;
        }
        try {
            store.removeAllBut(installed.file());
        } catch (final IOException e) {
            getLogger().warn("Cannot remove the models installed before in {}: {}", store.getDirectory(), e.getMessage());
        }
        writeState(context);
        final FlowFile used = session.putAllAttributes(flowFile, Map.of(MODEL_SHA_ATTRIBUTE, installed.sha256()));
        session.getProvenanceReporter().route(used, REL_ORIGINAL, "Installed as the model that classifies the images after it");
        session.transfer(used, REL_ORIGINAL);
        return true;
    }

    /** Loads a model file and makes it current; the model in use stays when this throws. */
    private void install(final ProcessContext context, final Path file, final String sha256, final String origin)
            throws IOException, BaseModelException {
        final ModelManifest manifest;
        try (InputStream in = Files.newInputStream(file)) {
            manifest = ModelPackage.readManifest(in);
        }
        final ImageClassifier classifier = ImageClassifier.builder()
                .setModelFile(file)
                .optSha256(sha256)
                .optDevice(TrainingSupport.device(context.getProperty(DEVICE).getValue(), manifest.base().engine()))
                .optDecoder(decoder(context))
                .optWorkDirectory(store(context).getDirectory())
                .optMaxPixelsPerForward(PIXELS_PER_PASS)
                .optTestTimeAugmentation(context.getProperty(TEST_TIME_AUGMENTATION).asAllowableValue(Evaluate.Augmentation.class).core())
                .build();
        slot.install(classifier);
        modelProblem = null;
        modelState.put(STATE_FILE, file.toString());
        modelState.put(STATE_SHA, classifier.getSha256());
        modelState.put(STATE_RUN, String.valueOf(classifier.getRunId()));
        modelState.put(STATE_PHASE, classifier.getPhase());
        modelState.put(STATE_ORIGIN, origin);
        modelState.put(STATE_INSTALLED, Instant.now().toString());
        getLogger().info("Classifying with the {} model of run {} (sha256 {}, classes {}) from {}", classifier.getPhase(), classifier.getRunId(),
                classifier.getSha256(), manifest.classes(), origin);
    }

    /** Loads the Model File; on failure the model in use (if any) stays and the reason is reported. */
    private void loadModelFile(final ProcessContext context, final String location, final String fileState) {
        propertyFileState = fileState;
        modelState.put(STATE_PROPERTY_FILE, fileState);
        try {
            final Path file = Path.of(location);
            install(context, file, Hashes.sha256(file), "Model File " + location);
        } catch (final IOException | BaseModelException | RuntimeException e) {
            modelProblem = "Model File " + location + " cannot be used: " + e.getMessage();
            getLogger().error("{}{}", modelProblem, slot.peek().isPresent() ? "; the model in use stays" : "", e);
        }
    }

    /** Reads the Model File again when its size or time changed (checked at most once a second). */
    private void reloadIfModelFileChanged(final ProcessContext context) {
        final long now = System.nanoTime();
        if (now - lastFileCheck < FILE_CHECK_NANOS) {
            return;
        }
        lastFileCheck = now;
        final String location = modelFileLocation(context);
        if (location == null) {
            return;
        }
        final String fileState = ProcessorSupport.fileState(location);
        if (fileState.equals(propertyFileState)) {
            return;
        }
        synchronized (this) {
            if (!fileState.equals(propertyFileState)) {
                getLogger().info("Model File {} changed: loading it", location);
                loadModelFile(context, location, fileState);
                writeState(context);
            }
        }
    }

    /**
     * With no model yet: finds the first model in the queue, past the images waiting for it, and installs it. A model
     * flowfile is known by its transfer.kind; a tar without one (a model file fetched from disk) by its content.
     *
     * @return whether a model is installed now
     */
    private boolean installFirstModelInQueue(final ProcessContext context, final ProcessSession session) {
        final List<FlowFile> candidates = session.get(flowFile -> {
            if (isModel(flowFile)) {
                return FlowFileFilter.FlowFileFilterResult.ACCEPT_AND_TERMINATE;
            }
            return mayBeModel(flowFile) ? FlowFileFilter.FlowFileFilterResult.ACCEPT_AND_CONTINUE
                    : FlowFileFilter.FlowFileFilterResult.REJECT_AND_CONTINUE;
        });
        boolean installed = false;
        for (final FlowFile candidate : candidates) {
            if (installed || !isModel(candidate) && ContentKind.of(head(session, candidate)) != ContentKind.MODEL) {
                // not a model, or after the one installed: back to the queue, for its turn
                session.transfer(candidate);
                continue;
            }
            installed = installFromFlowFile(context, session, candidate);
        }
        return installed;
    }

    /** A tar without transfer.kind: perhaps a model file fetched from disk. */
    private static boolean mayBeModel(final FlowFile flowFile) {
        final String name = flowFile.getAttribute(CoreAttributes.FILENAME.key());
        return flowFile.getAttribute(TransferAttributes.KIND) == null && (name != null && name.endsWith(".tar")
                || TransferAttributes.TAR_MIME_TYPE.equals(flowFile.getAttribute(CoreAttributes.MIME_TYPE.key())));
    }

    private static byte[] head(final ProcessSession session, final FlowFile flowFile) {
        final byte[] head = new byte[(int) Math.min(512, flowFile.getSize())];
        session.read(flowFile, in -> in.readNBytes(head, 0, head.length));
        return head;
    }

    /** Nothing to classify with: the images stay queued; a warning bulletin says so every 30 seconds. */
    private void waitForModel(final ProcessContext context, final ProcessSession session) {
        final int waiting = session.getQueueSize().getObjectCount();
        context.yield();
        final long now = System.nanoTime();
        if (waiting > 0 && (lastWaitWarning == 0 || now - lastWaitWarning >= WAIT_WARNING_NANOS)) {
            lastWaitWarning = now;
            getLogger().warn("{} flowfile(s) wait in the queue for a model: connect the 'model' relationship of TrainHead, FineTune or "
                    + "Evaluate, or set Model File{}", waiting, modelProblem == null ? "" : " (" + modelProblem + ")");
        }
    }

    private static boolean isModel(final FlowFile flowFile) {
        return TransferAttributes.MODEL_KIND.equals(flowFile.getAttribute(TransferAttributes.KIND));
    }

    /** What the first bytes of a flowfile say it is: a model or dataset tar (by its first entry's name), or anything else. */
    enum ContentKind {
        MODEL, DATASET, OTHER;

        static ContentKind of(final byte[] content) {
            if (content.length < 263 || !new String(content, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
                return OTHER;
            }
            int end = 0;
            while (end < 100 && content[end] != 0) {
                end++;
            }
            final String first = new String(content, 0, end, StandardCharsets.UTF_8);
            return switch (first) {
                case "model.json" -> MODEL;
                case "dataset.json" -> DATASET;
                default -> OTHER;
            };
        }
    }

    private static Map<String, String> modelAttributes(final ImageClassifier classifier) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(MODEL_RUN_ATTRIBUTE, String.valueOf(classifier.getRunId()));
        attributes.put(MODEL_SHA_ATTRIBUTE, classifier.getSha256());
        attributes.put(MODEL_PHASE_ATTRIBUTE, classifier.getPhase());
        return attributes;
    }

    static String topJson(final List<Classification.Score> scores) {
        final List<Map<String, Object>> entries = new ArrayList<>();
        for (final Classification.Score score : scores) {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("class", score.className());
            entry.put("probability", score.probability());
            entries.add(entry);
        }
        try {
            return MAPPER.writeValueAsString(entries);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ImageDecoder decoder(final ProcessContext context) {
        return ImageDecoder.builder().optMaxPixels(context.getProperty(MAX_MEGAPIXELS).asLong() * 1_000_000L).build();
    }

    private ModelStore store(final ProcessContext context) {
        final String directory = context.getProperty(MODEL_DIRECTORY).evaluateAttributeExpressions().getValue();
        return new ModelStore(Path.of(directory).resolve(getIdentifier()));
    }

    private static String modelFileLocation(final ProcessContext context) {
        final String location = context.getProperty(MODEL_FILE).evaluateAttributeExpressions().getValue();
        return location == null || location.isBlank() ? null : location.strip();
    }

    private static long count(final Map<String, String> state, final String key) {
        try {
            return Long.parseLong(state.getOrDefault(key, "0"));
        } catch (final NumberFormatException e) {
            return 0;
        }
    }

    /** The installed model and the counts, in View State. */
    private synchronized void writeState(final ProcessContext context) {
        final Map<String, String> state = new HashMap<>(modelState);
        state.put("images.classified", String.valueOf(classified.get()));
        state.put("images.uncertain", String.valueOf(uncertain.get()));
        state.put("images.failed", String.valueOf(failed.get()));
        state.put("updated", Instant.now().toString());
        try {
            context.getStateManager().setState(state, Scope.LOCAL);
        } catch (final IOException e) {
            getLogger().warn("Cannot record the installed model in the processor's state: {}", e.getMessage());
        }
    }

    private void deleteQuietly(final Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (final IOException e) {
            getLogger().debug("Cannot delete {}: {}", file, e.getMessage());
        }
    }
}
