package org.nifitransfer.processors;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.annotation.lifecycle.OnStopped;
import org.apache.nifi.components.DescribedValue;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.model.BaseLocations;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.FeatureExtractor;
import org.nifitransfer.core.model.Pooling;

@Tags({"deep learning", "transfer learning", "features", "pretrained", "djl", "pytorch", "onnx"})
@CapabilityDescription("Runs a frozen pretrained convolutional base over a tensor dataset and writes a feature dataset: one pooled feature "
        + "vector per image. The base is a TorchScript .pt file, an ONNX .onnx file or a DJL model-zoo URL, checked against the "
        + "dataset's image size before any work. The train split's feature dataset carries the base file, so TrainHead can "
        + "package the complete model.")
@Stateful(scopes = Scope.LOCAL, description = "Progress of the dataset being processed: run id, split, images done of the total")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.KIND, description = "feature-dataset"),
    @WritesAttribute(attribute = ExtractFeatures.DIMENSION_ATTRIBUTE, description = "D, the feature length"),
    @WritesAttribute(attribute = ExtractFeatures.POOLING_ATTRIBUTE, description = "avg, max or flatten"),
    @WritesAttribute(attribute = ExtractFeatures.BASE_ATTRIBUTE, description = "The base's file name or URL"),
    @WritesAttribute(attribute = ExtractFeatures.BASE_SHA_ATTRIBUTE, description = "The SHA-256 of the base file"),
    @WritesAttribute(attribute = TrainingSupport.DEVICE_ATTRIBUTE, description = "The device the base ran on"),
    @WritesAttribute(attribute = ExtractFeatures.BASE_WARNING_ATTRIBUTE, description = "Set when the base looks like a classifier "
            + "(its output per image is a vector, not a feature map), with what to do instead"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure: why")
})
@SeeAlso({Augment.class, TrainHead.class})
@UseCase(description = "Extract features with the ONNX version of a base (fastest on CPU) to train a head only",
        configuration = """
                Set "Base Model" to the .onnx file and "Pooling" to "Global Average". Connect "success" to TrainHead.
                """)
@UseCase(description = "Extract features with a TorchScript base that will be fine-tuned later",
        configuration = """
                Set "Base Model" to the .pt file. The model TrainHead builds then carries the trainable base for
                UnfreezeLayers and FineTune.
                """)
public class ExtractFeatures extends DatasetProcessor {

    /** The Engine property's choices. */
    public enum Engine implements Choice {
        AUTO, PYTORCH, ONNX_RUNTIME;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case AUTO -> new AllowableValue("auto", "From File Extension", ".onnx runs on ONNX Runtime, anything else on PyTorch");
                case PYTORCH -> new AllowableValue(BaseModel.PYTORCH, "PyTorch", "TorchScript models");
                case ONNX_RUNTIME -> new AllowableValue(BaseModel.ONNX_RUNTIME, "ONNX Runtime", "ONNX models");
            };
        }

        /** The DJL engine's name; null for the file extension's. */
        public String engine() {
            return this == AUTO ? null : getValue();
        }
    }

    /** The Pooling property's choices. */
    public enum FeaturePooling implements CoreChoice<Pooling> {
        AVG, MAX, FLATTEN;

        @Override
        public Pooling core() {
            return Pooling.valueOf(name());
        }
    }

    /** The Base Normalization Preset property's choices: any, or one of ResizeAndNormalize's presets. */
    public enum ExpectedPreset implements DescribedValue {
        ANY(null),
        ZERO_ONE(ResizeAndNormalize.Preset.ZERO_ONE),
        MINUS_ONE_ONE(ResizeAndNormalize.Preset.MINUS_ONE_ONE),
        IMAGENET(ResizeAndNormalize.Preset.IMAGENET),
        CAFFE(ResizeAndNormalize.Preset.CAFFE),
        CUSTOM(ResizeAndNormalize.Preset.CUSTOM);

        private final ResizeAndNormalize.Preset preset;

        ExpectedPreset(final ResizeAndNormalize.Preset preset) {
            this.preset = preset;
        }

        /** The preset a dataset must have been prepared with, or null when any will do. */
        public ResizeAndNormalize.Preset preset() {
            return preset;
        }

        @Override
        public String getValue() {
            return preset == null ? "any" : preset.getValue();
        }

        @Override
        public String getDisplayName() {
            return preset == null ? "Not Checked" : preset.getDisplayName();
        }

        @Override
        public String getDescription() {
            return preset == null ? "Accept datasets of any normalisation preset" : preset.getDescription();
        }
    }

    static final String DIMENSION_ATTRIBUTE = "transfer.feature.dimension";
    static final String POOLING_ATTRIBUTE = "transfer.pooling";
    static final String BASE_ATTRIBUTE = "transfer.base";
    static final String BASE_SHA_ATTRIBUTE = "transfer.base.sha256";
    static final String BASE_WARNING_ATTRIBUTE = "transfer.base.warning";

    public static final Relationship REL_SUCCESS = ProcessorSupport.success("The feature dataset");
    public static final Relationship REL_UNUSED = new Relationship.Builder()
            .name("unused")
            .description("Tensor datasets of splits not listed in 'Splits To Extract' (the test split, by default), unchanged")
            .build();
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "Content that is not a tensor dataset, images the base cannot take, or every dataset while the base model "
                    + "cannot be loaded; transfer.error says why");

    public static final PropertyDescriptor BASE_MODEL = new PropertyDescriptor.Builder()
            .name("Base Model")
            .description("The headless pretrained base: a TorchScript .pt file, an ONNX .onnx file (or a folder holding one), "
                    + "or a DJL model URL such as djl://ai.djl.pytorch/resnet (needs network access and DJL online)")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor ENGINE = new PropertyDescriptor.Builder()
            .name("Engine")
            .description("The DJL engine that runs the base")
            .required(true)
            .allowableValues(Engine.class)
            .defaultValue(Engine.AUTO)
            .build();
    public static final PropertyDescriptor POOLING = new PropertyDescriptor.Builder()
            .name("Pooling")
            .description("How the base's feature map becomes one vector per image")
            .required(true)
            .allowableValues(FeaturePooling.class)
            .defaultValue(FeaturePooling.AVG)
            .build();
    public static final PropertyDescriptor BATCH_SIZE = TrainingSupport.BATCH_SIZE;
    public static final PropertyDescriptor DEVICE = TrainingSupport.DEVICE;
    public static final PropertyDescriptor EXPECTED_PRESET = new PropertyDescriptor.Builder()
            .name("Base Normalization Preset")
            .description("The normalisation the base was trained with; a dataset prepared with another preset is routed to "
                    + "failure instead of producing poor features")
            .required(true)
            .allowableValues(ExpectedPreset.class)
            .defaultValue(ExpectedPreset.ANY)
            .build();
    public static final PropertyDescriptor SPLITS = new PropertyDescriptor.Builder()
            .name("Splits To Extract")
            .description("Comma-separated splits to extract features from; datasets of other splits go to 'unused' unchanged "
                    + "(the head needs train and validation; Evaluate reads the test images through the whole model)")
            .required(true)
            .defaultValue("train, validation")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor EMBED_SPLITS = new PropertyDescriptor.Builder()
            .name("Embed Base In Splits")
            .description("Comma-separated splits whose feature datasets carry the base file (TrainHead needs it in train)")
            .required(true)
            .defaultValue("train")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(BASE_MODEL, ENGINE, POOLING, BATCH_SIZE, DEVICE, EXPECTED_PRESET,
            SPLITS, EMBED_SPLITS);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE, REL_UNUSED);

    private volatile BaseModel base;
    private volatile LoadFailure loadFailure;

    public ExtractFeatures() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    /**
     * Loads the base. A base that cannot be loaded does not stop the processor from running (NiFi would retry the start
     * every 30 seconds while the datasets wait): the reason is logged, and every dataset that arrives goes to failure with
     * it, until the file changes (it is then loaded again) or the processor is restarted.
     */
    @OnScheduled
    public void loadBase(final ProcessContext context) {
        final String location = context.getProperty(BASE_MODEL).evaluateAttributeExpressions().getValue();
        loadFailure = null;
        try {
            base = load(context, location);
        } catch (final BaseModelException | RuntimeException e) {
            loadFailure = new LoadFailure(BaseLocations.isUrl(location) ? "" : ProcessorSupport.fileState(location), "the base model could not be loaded: "
                    + e.getMessage());
            getLogger().error("Cannot load base model {}: {}. Datasets that arrive go to failure with this reason until the file changes "
                    + "or the processor is restarted", location, e.getMessage(), e);
        }
    }

    @OnStopped
    public void closeBase() {
        if (base != null) {
            base.close();
            base = null;
        }
    }

    @Override
    void onFlowFile(final ProcessContext context, final ProcessSession session, final FlowFile received) {
        FlowFile flowFile = received;
        final String split = flowFile.getAttribute(TransferAttributes.SPLIT);
        final Set<String> splits = Arrays.stream(context.getProperty(SPLITS).getValue().split(",")).map(String::strip)
                .collect(Collectors.toSet());
        if (split != null && !splits.contains(split)) {
            session.transfer(flowFile, REL_UNUSED);
            return;
        }
        final BaseModel loaded = baseOrRetry(context);
        if (loaded == null) {
            ProcessorSupport.fail(session, getLogger(), flowFile, REL_FAILURE, loadFailure.reason(), null);
            return;
        }
        final Set<String> embedSplits = Arrays.stream(context.getProperty(EMBED_SPLITS).getValue().split(","))
                .map(String::strip).collect(Collectors.toSet());
        final ResizeAndNormalize.Preset expected = context.getProperty(EXPECTED_PRESET).asAllowableValue(ExpectedPreset.class).preset();
        final FeatureExtractor extractor = FeatureExtractor.builder()
                .setBase(loaded)
                .optPooling(context.getProperty(POOLING).asAllowableValue(FeaturePooling.class).core())
                .optBatchSize(context.getProperty(BATCH_SIZE).asInteger())
                .optExpectedPreset(expected == null ? null : expected.getValue())
                .build();
        final String runId = flowFile.getAttribute(TransferAttributes.RUN_ID);
        final String total = flowFile.getAttribute(TransferAttributes.COUNT);
        final FeatureExtractor.Result[] result = new FeatureExtractor.Result[1];
        final Progress progress = new Progress(context.getStateManager(), getLogger(), runId, "extract");
        flowFile = ProcessorSupport.rewrite(session, getLogger(), flowFile, REL_FAILURE, "feature extraction", (in, out) -> {
            try {
                result[0] = extractor.extract(in, out, split != null && embedSplits.contains(split), () -> !isScheduled(),
                        done -> progress.images(Progress.part(received), done, total, "working"));
            } catch (final BaseModelException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        });
        if (flowFile == null) {
            return;
        }
        final Map<String, String> attributes = new HashMap<>(TransferAttributes.forDataset(result[0].manifest(), result[0].summary()));
        attributes.put(DIMENSION_ATTRIBUTE, String.valueOf(result[0].manifest().features().dimension()));
        attributes.put(POOLING_ATTRIBUTE, result[0].manifest().features().pooling());
        attributes.put(BASE_ATTRIBUTE, loaded.getName());
        attributes.put(BASE_SHA_ATTRIBUTE, loaded.getSha256());
        attributes.put(TrainingSupport.DEVICE_ATTRIBUTE, loaded.getDevice().toString());
        if (result[0].warning() != null) {
            attributes.put(BASE_WARNING_ATTRIBUTE, result[0].warning());
            getLogger().warn("{}: {}", flowFile, result[0].warning());
        }
        flowFile = session.putAllAttributes(flowFile, attributes);
        session.getProvenanceReporter().modifyContent(flowFile, "Extracted " + result[0].summary().count() + " feature vectors of "
                + result[0].manifest().features().dimension() + " with " + loaded.getName() + " (" + loaded.getEngine() + ", "
                + result[0].manifest().features().pooling() + " pooling)");
        session.transfer(flowFile, REL_SUCCESS);
        progress.images(Progress.part(received), result[0].summary().count(), total, "done");
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final String location = context.getProperty(BASE_MODEL).evaluateAttributeExpressions().getValue();
        if (location != null && !location.contains("${")) {
            try {
                BaseLocations.check(location, engine(context.getProperty(ENGINE).asAllowableValue(Engine.class), location));
            } catch (final BaseModelException | RuntimeException e) {
                results.add(new ValidationResult.Builder().subject(BASE_MODEL.getName()).input(location).valid(false)
                        .explanation(e.getMessage()).build());
            }
        }
        return results;
    }

    private BaseModel load(final ProcessContext context, final String location) throws BaseModelException {
        final String engine = engine(context.getProperty(ENGINE).asAllowableValue(Engine.class), location);
        final Device device = TrainingSupport.device(context.getProperty(DEVICE).getValue(), engine == null ? BaseModel.PYTORCH : engine);
        final BaseModel loaded = BaseModel.builder().setLocation(location).optEngine(engine).optDevice(device).load();
        getLogger().info("Loaded base {} ({}, sha256 {}) on {}", loaded.getName(), loaded.getEngine(), loaded.getSha256(), device);
        return loaded;
    }

    /** The loaded base; after a failed load, a new try when the file has changed since; null while it cannot be loaded. */
    private BaseModel baseOrRetry(final ProcessContext context) {
        final BaseModel loaded = base;
        if (loaded != null) {
            return loaded;
        }
        synchronized (this) {
            final String location = context.getProperty(BASE_MODEL).evaluateAttributeExpressions().getValue();
            if (base == null && loadFailure != null && !BaseLocations.isUrl(location) && !ProcessorSupport.fileState(location).equals(loadFailure.fileState())) {
                getLogger().info("Base model {} changed since it failed to load: loading it again", location);
                loadBase(context);
            }
            return base;
        }
    }

    /** The engine the Engine property names; for "From File Extension", the file's engine (null for a URL: DJL decides). */
    private static String engine(final Engine choice, final String location) {
        if (choice != Engine.AUTO) {
            return choice.engine();
        }
        return BaseLocations.isUrl(location) ? null : BaseLocations.engineForFile(location);
    }

    /** Why the base could not be loaded, and the state of its file then. */
    private record LoadFailure(String fileState, String reason) {
    }
}
