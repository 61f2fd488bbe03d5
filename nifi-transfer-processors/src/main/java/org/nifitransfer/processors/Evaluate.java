package org.nifitransfer.processors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.MultiProcessorUseCase;
import org.apache.nifi.annotation.documentation.ProcessorConfiguration;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.evaluate.ClassificationMetrics;
import org.nifitransfer.core.evaluate.ConfusionMatrixPlot;
import org.nifitransfer.core.evaluate.LearningCurvePlot;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.evaluate.PredictionsCsv;
import org.nifitransfer.core.explain.BlockActivations;
import org.nifitransfer.core.explain.HeatmapGallery;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.model.TestTimeAugmentation;

@InputRequirement(Requirement.INPUT_REQUIRED)
@Tags({"deep learning", "transfer learning", "evaluation", "metrics", "accuracy", "confusion matrix"})
@CapabilityDescription("Evaluates a model on the held-out test split of its run: joins the model with the test tensor dataset (by "
        + "transfer.run.id) and predicts every image. It emits to 'results' the metrics as JSON, the learning curves, the confusion "
        + "matrix, the per-image predictions, a gallery of class-activation heatmaps and the feature maps of the base's blocks for "
        + "one image; the model passes through to 'model' with the metrics as attributes.")
@WritesAttributes({
    @WritesAttribute(attribute = Evaluate.RESULT_ATTRIBUTE, description = "metrics, learning-curve, confusion-matrix, predictions, heatmaps "
            + "or activations"),
    @WritesAttribute(attribute = "transfer.eval.accuracy", description = "Test accuracy"),
    @WritesAttribute(attribute = "transfer.eval.loss", description = "Mean test cross-entropy"),
    @WritesAttribute(attribute = "transfer.eval.count", description = "Test images"),
    @WritesAttribute(attribute = "transfer.eval.precision.<class>", description = "Precision of each class"),
    @WritesAttribute(attribute = "transfer.eval.recall.<class>", description = "Recall of each class"),
    @WritesAttribute(attribute = "transfer.eval.f1.<class>", description = "F1 of each class"),
    @WritesAttribute(attribute = "transfer.eval.confusion.matrix", description = "The confusion matrix as JSON (rows: true class)"),
    @WritesAttribute(attribute = "transfer.eval.macro.f1", description = "The mean of the classes' F1 scores"),
    @WritesAttribute(attribute = "transfer.eval.roc.auc", description = "ROC AUC, for two classes"),
    @WritesAttribute(attribute = "transfer.eval.phase", description = "The model's last training phase: head or fine-tune"),
    @WritesAttribute(attribute = Evaluate.DROPPED_ATTRIBUTE, description = "Classes LoadImageFolder left out of the run for having no "
            + "training images (the metrics cover the other classes); absent when none"),
    @WritesAttribute(attribute = Evaluate.SECONDS_ATTRIBUTE, description = "The seconds the evaluation took: reading the model, "
            + "predicting every test image, the plots, the heatmap gallery and the block activations"),
    @WritesAttribute(attribute = Evaluate.HEATMAP_METHOD_ATTRIBUTE, description = "On the heatmap gallery: CAM (a linear head) or "
            + "Grad-CAM (a head with hidden layers)"),
    @WritesAttribute(attribute = Evaluate.HEATMAP_LAYER_ATTRIBUTE, description = "On the heatmap gallery: the layer whose activations "
            + "it weighs (the base's last feature map)"),
    @WritesAttribute(attribute = Evaluate.HEATMAP_IMAGES_ATTRIBUTE, description = "On the heatmap gallery: how many images it shows"),
    @WritesAttribute(attribute = Evaluate.HEATMAP_SECONDS_ATTRIBUTE, description = "On the heatmap gallery: the seconds it took"),
    @WritesAttribute(attribute = Evaluate.ACTIVATIONS_BLOCKS_ATTRIBUTE, description = "On the block activations: the blocks shown (the "
            + "index of each block's first layer in the base), e.g. 0, 7, 12; absent when they cannot be reached"),
    @WritesAttribute(attribute = Evaluate.ACTIVATIONS_UNAVAILABLE_ATTRIBUTE, description = "On the block activations: why the base's "
            + "inner blocks cannot be shown (an ONNX base, a TorchScript base that is not a Sequential); absent when they are shown"),
    @WritesAttribute(attribute = Evaluate.ACTIVATIONS_IMAGE_ATTRIBUTE, description = "On the block activations: the test image shown"),
    @WritesAttribute(attribute = Evaluate.ACTIVATIONS_SECONDS_ATTRIBUTE, description = "On the block activations: the seconds they took"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure or timeout: why")
})
@SeeAlso({TrainHead.class, FineTune.class, ClassifyImage.class})
@Stateful(scopes = Scope.LOCAL, description = "Progress of the evaluation: run id, the test split, images predicted of the total: run id, split, images done of the total")
@MultiProcessorUseCase(
        description = "Transfer learning on a folder of images: train a new head on a frozen pretrained base, fine-tune its top "
                + "layers, and report test accuracy before and after fine-tuning",
        keywords = {"transfer learning", "fine-tuning", "image classification", "cats vs dogs"},
        configurations = {
            @ProcessorConfiguration(processorClass = LoadImageFolder.class, configuration = "Input Directory: the folder with train/, validation/, test/."),
            @ProcessorConfiguration(processorClass = ResizeAndNormalize.class, configuration = "Target size and the preset of the base."),
            @ProcessorConfiguration(processorClass = Augment.class, configuration = "On the fly; train only."),
            @ProcessorConfiguration(processorClass = ExtractFeatures.class, configuration = "Base Model: the TorchScript .pt base."),
            @ProcessorConfiguration(processorClass = TrainHead.class, configuration = "Connect train and validation features."),
            @ProcessorConfiguration(processorClass = UnfreezeLayers.class, configuration = "Top Blocks: 7 (the default; all of a base with fewer)."),
            @ProcessorConfiguration(processorClass = FineTune.class, configuration = "Connect the model and train/validation tensors."),
            @ProcessorConfiguration(processorClass = Evaluate.class, configuration = "Connect both models and the test tensors (twice).")
        })
public class Evaluate extends TransferProcessor {

    static final String RESULT_ATTRIBUTE = "transfer.result";
    static final String DROPPED_ATTRIBUTE = "transfer.eval.dropped.classes";
    static final String SECONDS_ATTRIBUTE = "transfer.eval.seconds";
    static final String HEATMAP_METHOD_ATTRIBUTE = "transfer.heatmap.method";
    static final String HEATMAP_LAYER_ATTRIBUTE = "transfer.heatmap.layer";
    static final String HEATMAP_IMAGES_ATTRIBUTE = "transfer.heatmap.images";
    static final String HEATMAP_SECONDS_ATTRIBUTE = "transfer.heatmap.seconds";
    static final String ACTIVATIONS_BLOCKS_ATTRIBUTE = "transfer.activations.blocks";
    static final String ACTIVATIONS_UNAVAILABLE_ATTRIBUTE = "transfer.activations.unavailable";
    static final String ACTIVATIONS_IMAGE_ATTRIBUTE = "transfer.activations.image";
    static final String ACTIVATIONS_SECONDS_ATTRIBUTE = "transfer.activations.seconds";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String MODEL_ROLE = "model";
    static final String TEST_ROLE = "test tensor dataset";

    public static final Relationship REL_MODEL = new Relationship.Builder()
            .name("model")
            .description("The evaluated model, passed through with the transfer.eval.* attributes")
            .build();
    public static final Relationship REL_RESULTS = new Relationship.Builder()
            .name("results")
            .description("metrics.json, learning-curve.png, confusion-matrix.png, predictions.csv, heatmaps.png and activations.png "
                    + "(transfer.result tells which)")
            .build();
    public static final Relationship REL_FAILURE = ProcessorSupport.failure("Inputs that do not fit together; transfer.error says why");
    public static final Relationship REL_ORIGINAL = TrainingSupport.REL_ORIGINAL;
    public static final Relationship REL_TIMEOUT = TrainingSupport.REL_TIMEOUT;
    public static final Relationship REL_UNUSED = TrainingSupport.REL_UNUSED;

    public static final PropertyDescriptor BATCH_SIZE = TrainingSupport.BATCH_SIZE;
    public static final PropertyDescriptor DEVICE = TrainingSupport.DEVICE;
    public static final PropertyDescriptor MAXIMUM_WAIT = TrainingSupport.MAXIMUM_WAIT;
    public static final PropertyDescriptor WARN_AFTER = TrainingSupport.WARN_AFTER;
    public static final PropertyDescriptor WORK_DIRECTORY = TrainingSupport.WORK_DIRECTORY;
    public static final PropertyDescriptor HEATMAP_IMAGES = new PropertyDescriptor.Builder()
            .name("Heatmap Images")
            .description("How many test images the class-activation heatmap gallery shows: the most confidently wrong "
                    + "predictions first, then right ones of each class; 0 for no gallery")
            .required(true)
            .defaultValue("16")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor BLOCK_ACTIVATIONS = new PropertyDescriptor.Builder()
            .name("Block Activations")
            .description("Whether to show what the base sees in the first test image: the feature maps of its first, a middle and "
                    + "its last block, 16 channels each (the activations result). For a base whose inner blocks cannot be reached "
                    + "(an ONNX base, a TorchScript base that is not a Sequential) the picture says why")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .build();

    /** The Test-Time Augmentation property's choices. */
    public enum Augmentation implements CoreChoice<TestTimeAugmentation> {
        NONE, HORIZONTAL_FLIP;

        @Override
        public TestTimeAugmentation core() {
            return TestTimeAugmentation.valueOf(name());
        }
    }

    public static final PropertyDescriptor TEST_TIME_AUGMENTATION = new PropertyDescriptor.Builder()
            .name("Test-Time Augmentation")
            .description("Whether each test image's class probabilities are averaged over variants of it. Each variant is one more "
                    + "pass through the base; the metrics say which was used. The heatmaps show the image as it is")
            .required(true)
            .allowableValues(Augmentation.class)
            .defaultValue(Augmentation.NONE)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(BATCH_SIZE, DEVICE, MAXIMUM_WAIT, WARN_AFTER, WORK_DIRECTORY,
            HEATMAP_IMAGES, BLOCK_ACTIVATIONS, TEST_TIME_AUGMENTATION);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_MODEL, REL_RESULTS, REL_FAILURE, REL_ORIGINAL, REL_TIMEOUT, REL_UNUSED);

    private final TrainingSupport.StallWarnings stalls = new TrainingSupport.StallWarnings();

    public Evaluate() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final RunJoin join = TrainingSupport.join(context, Set.of(DatasetKind.TENSORS.getValue()),
                RunJoin.Role.model("TrainHead or FineTune"),
                RunJoin.Role.dataset(TEST_ROLE, DatasetKind.TENSORS.getValue(), Splits.TEST, "ResizeAndNormalize (or Augment)"));
        TrainingSupport.joinAndRun(context, session, getLogger(), join, REL_FAILURE, stalls, "evaluation",
                (group, work) -> evaluate(context, session, group, work));
    }

    private void evaluate(final ProcessContext context, final ProcessSession session, final RunJoin.Complete group, final Path work)
            throws IOException, BaseModelException {
        final long start = System.nanoTime();
        FlowFile modelFlowFile = group.first(MODEL_ROLE);
        final List<FlowFile> test = group.members().get(TEST_ROLE);
        final ModelPackage model;
        try (InputStream in = session.read(modelFlowFile)) {
            model = ModelPackage.read(in, work);
        }
        final ModelManifest manifest = model.manifest();
        final ClassificationMetrics.Accumulator accumulator = new ClassificationMetrics.Accumulator(manifest.classes());
        FlowFile predictions = session.create(group.all());
        final ai.djl.Device device = TrainingSupport.device(context.getProperty(DEVICE).getValue(), manifest.base().engine());
        final int heatmapImages = context.getProperty(HEATMAP_IMAGES).asInteger();
        final AtomicReference<Prediction> firstPrediction = new AtomicReference<>();
        final Progress progress = new Progress(context.getStateManager(), getLogger(), group.runId(), "evaluate");
        final String testCount = TrainingSupport.count(test);
        final DatasetManifest dataset;
        final ClassificationMetrics metrics;
        final String phase = manifest.history().isEmpty() ? "untrained" : manifest.history().getLast().phase();
        final byte[] curvePng;
        final byte[] confusionPng;
        final HeatmapGallery.Result gallery;
        final TestTimeAugmentation augmentation = context.getProperty(TEST_TIME_AUGMENTATION).asAllowableValue(Augmentation.class).core();
        try (ModelRunner runner = ModelRunner.open(model, device).optTestTimeAugmentation(augmentation)) {
            final HeatmapGallery heatmaps = heatmapImages == 0 ? null : new HeatmapGallery(runner, manifest.classes(), heatmapImages);
            try (InputStream testStream = TrainingSupport.read(session, test);
                 OutputStream out = session.write(predictions);
                 PredictionsCsv csv = new PredictionsCsv(out, manifest.classes())) {
                dataset = runner.predictAll(testStream, context.getProperty(BATCH_SIZE).asInteger(), prediction -> {
                    accumulator.add(prediction);
                    firstPrediction.compareAndSet(null, prediction);
                    try {
                        csv.write(prediction);
                    } catch (final IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, () -> !isScheduled(), done -> progress.images(Splits.TEST, done, testCount, "working"), heatmaps);
            }
            metrics = accumulator.result();
            // the plots first: whichever picture is drawn first in a JVM pays Java 2D's start-up, as the plots did before the
            // gallery existed
            curvePng = LearningCurvePlot.builder().setHistory(manifest.history()).build().toPng();
            confusionPng = ConfusionMatrixPlot.builder().setMetrics(metrics).optTitle("Confusion matrix (" + phase + ")").build().toPng();
            gallery = heatmaps == null ? null : render(heatmaps, session, test, group.runId());
        }
        final BlockActivations.Result activations = context.getProperty(BLOCK_ACTIVATIONS).asBoolean() && firstPrediction.get() != null
                ? activations(session, test, model, device, firstPrediction.get(), work, group.runId()) : null;
        progress.images(Splits.TEST, metrics.count(), testCount, "done");
        final Map<String, String> attributes = metricAttributes(metrics, phase);
        final double seconds = (System.nanoTime() - start) / 1e9;
        attributes.put(SECONDS_ATTRIBUTE, TransferAttributes.format(seconds));
        final List<DatasetManifest.DroppedClass> dropped = dataset.source() == null ? List.of() : dataset.source().droppedClasses();
        final ObjectNode metricsJson = (ObjectNode) MAPPER.readTree(metrics.toJson());
        if (!dropped.isEmpty()) {
            // the classes LoadImageFolder left out: the accuracy is over the other classes only
            metricsJson.set("droppedClasses", MAPPER.valueToTree(dropped));
            attributes.put(DROPPED_ATTRIBUTE, TransferAttributes.json(dropped.stream().map(DatasetManifest.DroppedClass::describe).toList()));
        }
        // what the pictures show and cost, beside the evaluation's own time, for whoever reads the results folder
        metricsJson.put("seconds", seconds);
        metricsJson.put("testTimeAugmentation", augmentation.getValue());
        if (gallery != null) {
            metricsJson.putObject("heatmaps").put("method", gallery.method().getDescription()).put("layer", gallery.layer())
                    .put("images", gallery.images()).put("seconds", gallery.seconds());
        }
        if (activations != null) {
            final ObjectNode shown = metricsJson.putObject("activations").put("image", firstPrediction.get().file())
                    .put("seconds", activations.seconds());
            if (activations.unavailable() == null) {
                shown.set("blocks", MAPPER.valueToTree(activations.blocks()));
            } else {
                shown.put("unavailable", activations.unavailable());
            }
        }
        final String prefix = modelFlowFile.getAttribute(CoreAttributes.FILENAME.key()) == null ? group.runId()
                : modelFlowFile.getAttribute(CoreAttributes.FILENAME.key()).replaceFirst("\\.tar$", "");
        predictions = result(session, predictions, attributes, "predictions", prefix + "-predictions.csv", "text/csv");
        final FlowFile metricsFlowFile = result(session, write(session, group, MAPPER.writeValueAsBytes(metricsJson)),
                attributes, "metrics", prefix + "-metrics.json", "application/json");
        final FlowFile curve = result(session, write(session, group, curvePng), attributes, "learning-curve", prefix + "-learning-curve.png",
                "image/png");
        final FlowFile confusion = result(session, write(session, group, confusionPng), attributes, "confusion-matrix",
                prefix + "-confusion-matrix.png", "image/png");
        final List<FlowFile> outputs = new ArrayList<>(List.of(metricsFlowFile, curve, confusion, predictions));
        if (gallery != null) {
            final Map<String, String> heatmapAttributes = new HashMap<>(attributes);
            heatmapAttributes.put(HEATMAP_METHOD_ATTRIBUTE, gallery.method().getDescription());
            heatmapAttributes.put(HEATMAP_LAYER_ATTRIBUTE, gallery.layer());
            heatmapAttributes.put(HEATMAP_IMAGES_ATTRIBUTE, String.valueOf(gallery.images()));
            heatmapAttributes.put(HEATMAP_SECONDS_ATTRIBUTE, TransferAttributes.format(gallery.seconds()));
            outputs.add(result(session, write(session, group, gallery.png()), heatmapAttributes, "heatmaps", prefix + "-heatmaps.png",
                    "image/png"));
        }
        if (activations != null) {
            final Map<String, String> activationAttributes = new HashMap<>(attributes);
            if (activations.unavailable() == null) {
                activationAttributes.put(ACTIVATIONS_BLOCKS_ATTRIBUTE, String.join(", ", activations.blocks()));
            } else {
                activationAttributes.put(ACTIVATIONS_UNAVAILABLE_ATTRIBUTE, activations.unavailable());
            }
            activationAttributes.put(ACTIVATIONS_IMAGE_ATTRIBUTE, firstPrediction.get().file());
            activationAttributes.put(ACTIVATIONS_SECONDS_ATTRIBUTE, TransferAttributes.format(activations.seconds()));
            outputs.add(result(session, write(session, group, activations.png()), activationAttributes, "activations",
                    prefix + "-activations.png", "image/png"));
        }
        for (final FlowFile output : outputs) {
            session.getProvenanceReporter().join(group.all(), output, "Evaluated the " + phase + " model of run " + group.runId()
                    + " on " + metrics.count() + " test images: accuracy " + attributes.get("transfer.eval.accuracy"));
            session.transfer(output, REL_RESULTS);
        }
        modelFlowFile = session.putAllAttributes(modelFlowFile, attributes);
        session.getProvenanceReporter().modifyAttributes(modelFlowFile, "Test accuracy " + attributes.get("transfer.eval.accuracy"));
        session.transfer(modelFlowFile, REL_MODEL);
        session.transfer(test, REL_ORIGINAL);
        getLogger().info("Run {}: {} model test accuracy {} on {} images{}", group.runId(), phase, attributes.get("transfer.eval.accuracy"),
                metrics.count(), gallery == null ? "" : String.format(java.util.Locale.ROOT, "; heatmaps of %d images by %s in %.2f s",
                        gallery.images(), gallery.method().getDescription(), gallery.seconds()));
    }

    /**
     * The heatmap gallery of the evaluated images, or null when it cannot be drawn: that does not fail the evaluation, a
     * warning says why.
     */
    private HeatmapGallery.Result render(final HeatmapGallery heatmaps, final ProcessSession session, final List<FlowFile> test,
                                         final String runId) {
        try {
            return heatmaps.render(() -> TrainingSupport.read(session, test));
        } catch (final IOException | BaseModelException | RuntimeException e) {
            getLogger().warn("Run {}: no heatmap gallery: {}", runId, e.getMessage(), e);
            return null;
        }
    }

    /**
     * What the base sees in the first test image, block by block, or null when the image cannot be read again: that does
     * not fail the evaluation, a warning says why. A base whose blocks cannot be reached gives a picture saying so.
     */
    private BlockActivations.Result activations(final ProcessSession session, final List<FlowFile> test, final ModelPackage model,
                                                final ai.djl.Device device, final Prediction first, final Path work, final String runId) {
        final List<String> classes = model.manifest().classes();
        final int predicted = first.predictedLabel();
        final String caption = String.format(java.util.Locale.ROOT, "%s: true %s, said %s %.2f", first.file(),
                first.trueLabel() < 0 ? "?" : classes.get(first.trueLabel()), classes.get(predicted), first.probabilities()[predicted]);
        try (InputStream in = TrainingSupport.read(session, test); TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            final TensorShard shard = reader.nextShard();
            final BlockActivations.Result result = BlockActivations.render(model, device, shard.image(0), caption, work);
            if (result.unavailable() != null) {
                getLogger().info("Run {}: no block activations: {}", runId, result.unavailable());
            }
            return result;
        } catch (final IOException | RuntimeException e) {
            getLogger().warn("Run {}: no block activations: {}", runId, e.getMessage(), e);
            return null;
        }
    }

    private static FlowFile write(final ProcessSession session, final RunJoin.Complete group, final byte[] content) {
        return session.write(session.create(group.all()), out -> out.write(content));
    }

    private static FlowFile result(final ProcessSession session, final FlowFile flowFile, final Map<String, String> metrics, final String kind,
                                   final String fileName, final String mimeType) {
        final Map<String, String> attributes = new HashMap<>(metrics);
        attributes.put(RESULT_ATTRIBUTE, kind);
        attributes.put(CoreAttributes.FILENAME.key(), fileName);
        attributes.put(CoreAttributes.MIME_TYPE.key(), mimeType);
        return session.putAllAttributes(flowFile, attributes);
    }

    static Map<String, String> metricAttributes(final ClassificationMetrics metrics, final String phase) {
        final Map<String, String> attributes = new HashMap<>();
        attributes.put("transfer.eval.phase", phase);
        attributes.put("transfer.eval.accuracy", TransferAttributes.format(metrics.accuracy()));
        attributes.put("transfer.eval.loss", TransferAttributes.format(metrics.loss()));
        attributes.put("transfer.eval.count", String.valueOf(metrics.count()));
        metrics.perClass().forEach((className, scores) -> {
            attributes.put("transfer.eval.precision." + className, TransferAttributes.format(scores.precision()));
            attributes.put("transfer.eval.recall." + className, TransferAttributes.format(scores.recall()));
            attributes.put("transfer.eval.f1." + className, TransferAttributes.format(scores.f1()));
        });
        attributes.put("transfer.eval.macro.f1", TransferAttributes.format(metrics.macroAvg().f1()));
        attributes.put("transfer.eval.confusion.matrix", TransferAttributes.json(metrics.confusionMatrix()));
        if (metrics.rocAuc() != null) {
            attributes.put("transfer.eval.roc.auc", TransferAttributes.format(metrics.rocAuc()));
        }
        return attributes;
    }
}
