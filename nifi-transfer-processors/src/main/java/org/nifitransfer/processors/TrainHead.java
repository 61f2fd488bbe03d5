package org.nifitransfer.processors;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.HeadFeatures;
import org.nifitransfer.core.training.HeadModels;
import org.nifitransfer.core.training.HeadTrainer;
import org.nifitransfer.core.training.TrainingCheckpoint;

@InputRequirement(Requirement.INPUT_REQUIRED)
@Tags({"deep learning", "transfer learning", "training", "classifier", "head", "djl"})
@CapabilityDescription("Trains a new classifier head on the features of a frozen base: joins the train and validation feature datasets of one "
        + "run (by transfer.run.id), taking a group off the queue only when it is complete. It trains a linear classifier or a "
        + "small MLP and emits the complete model (base and head, with its per-epoch history) as one flowfile.")
@Stateful(scopes = Scope.LOCAL, description = "Training progress: run id, phase, epoch, batch, running loss and accuracy, and the folder of the checkpoint saved after every finished epoch (a stopped or crashed training resumes from it)")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.KIND, description = "model"),
    @WritesAttribute(attribute = TransferAttributes.PHASE, description = "head"),
    @WritesAttribute(attribute = "transfer.val.accuracy", description = "Validation accuracy of the weights the model holds (the kept "
            + "epoch's)"),
    @WritesAttribute(attribute = "transfer.val.loss", description = "Validation loss of the weights the model holds (the kept epoch's)"),
    @WritesAttribute(attribute = "transfer.kept.epoch", description = "The epoch whose weights the model holds: the best one when Keep "
            + "Best Epoch is on, else the last"),
    @WritesAttribute(attribute = "transfer.best.epoch", description = "The epoch of lowest validation loss"),
    @WritesAttribute(attribute = "transfer.best.val.accuracy", description = "Validation accuracy at the epoch of lowest validation loss"),
    @WritesAttribute(attribute = "transfer.best.val.loss", description = "The lowest validation loss"),
    @WritesAttribute(attribute = "transfer.last.val.accuracy", description = "Validation accuracy after the last epoch trained"),
    @WritesAttribute(attribute = "transfer.accuracy", description = "Training accuracy in the last epoch trained"),
    @WritesAttribute(attribute = "transfer.loss", description = "Training loss in the last epoch trained"),
    @WritesAttribute(attribute = "transfer.stopped.early", description = "Whether early stopping ended the phase before its last epoch"),
    @WritesAttribute(attribute = "transfer.training.seconds", description = "The seconds the phase trained"),
    @WritesAttribute(attribute = "transfer.trainable.parameters", description = "How many of the base's parameters are trainable"),
    @WritesAttribute(attribute = "transfer.head", description = "The head's layers, e.g. 512 -> standardize -> dense 5"),
    @WritesAttribute(attribute = "transfer.base.engine", description = "The engine that runs the base: PyTorch or OnnxRuntime"),
    @WritesAttribute(attribute = "transfer.epochs", description = "Epochs trained"),
    @WritesAttribute(attribute = TrainingSupport.DEVICE_ATTRIBUTE, description = "The device trained on"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure or timeout: why")
})
@SeeAlso({ExtractFeatures.class, UnfreezeLayers.class, Evaluate.class})
@UseCase(description = "Train a logistic-regression head on pooled features, as the TensorFlow transfer-learning tutorial",
        configuration = """
                Leave "Hidden Layers" empty and "Dropout" at 0.2 (the defaults); the tutorial's RMSprop at a learning rate of
                0.0001 works too, the default Adam at 0.001 converges faster on standardized features.
                Connect the train and validation feature datasets of ExtractFeatures to this processor.
                """)
@UseCase(description = "Train a dense head on VGG16 features as in Chollet's cats-vs-dogs example",
        configuration = """
                Set "Hidden Layers" to 256, "Dropout" to 0.5, "Optimizer" to RMSprop, "Learning Rate" to 0.00002 and "Epochs" to 30.
                """)
public class TrainHead extends AbstractProcessor {

    /** The Activation property's choices: DJL's activations for hidden layers. */
    public enum Activation implements Choice {
        RELU(new AllowableValue("relu", "relu", "Rectified linear unit, max(0, x)")),
        GELU(new AllowableValue("gelu", "gelu", "Gaussian error linear unit")),
        TANH(new AllowableValue("tanh", "tanh", "Hyperbolic tangent")),
        SIGMOID(new AllowableValue("sigmoid", "sigmoid", "Logistic sigmoid"));

        private final AllowableValue allowable;

        Activation(final AllowableValue allowable) {
            this.allowable = allowable;
        }

        @Override
        public AllowableValue allowable() {
            return allowable;
        }
    }

    /** The Class Weights property's choices. */
    public enum Weighting implements Choice {
        NONE(new AllowableValue("none", "None", "Every class counts the same")),
        BALANCED(new AllowableValue("balanced", "Balanced", "n_samples / (n_classes * n_class_samples), as scikit-learn's 'balanced': rare classes weigh more")),
        EXPLICIT(new AllowableValue("explicit", "Explicit", "The weights in 'Explicit Class Weights'"));

        private final AllowableValue allowable;

        Weighting(final AllowableValue allowable) {
            this.allowable = allowable;
        }

        @Override
        public AllowableValue allowable() {
            return allowable;
        }
    }

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("The trained model (base + head)")
            .build();
    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("Inputs that are not feature datasets, or do not belong together; transfer.error says why")
            .build();
    public static final Relationship REL_ORIGINAL = TrainingSupport.REL_ORIGINAL;
    public static final Relationship REL_TIMEOUT = TrainingSupport.REL_TIMEOUT;
    public static final Relationship REL_UNUSED = TrainingSupport.REL_UNUSED;

    public static final PropertyDescriptor HIDDEN_LAYERS = new PropertyDescriptor.Builder()
            .name("Hidden Layers")
            .description("Comma-separated sizes of hidden dense layers, e.g. '256'. Empty: a linear classifier on the features.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor STANDARDIZE = new PropertyDescriptor.Builder()
            .name("Standardize Features")
            .description("Start the head with a fixed layer that centres and scales every feature by the training set's mean "
                    + "and standard deviation (like Keras' Normalization layer). Bases output features on very different "
                    + "scales; without it a linear head on large features turns overconfident.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .build();
    public static final PropertyDescriptor DROPOUT = new PropertyDescriptor.Builder()
            .name("Dropout")
            .description("Dropout rate before each dense layer (0 for none)")
            .required(true)
            .defaultValue("0.2")
            .addValidator(StandardValidators.NUMBER_VALIDATOR)
            .build();
    public static final PropertyDescriptor ACTIVATION = new PropertyDescriptor.Builder()
            .name("Activation")
            .description("The activation of hidden layers")
            .required(true)
            .allowableValues(Activation.class)
            .defaultValue(Activation.RELU)
            .build();
    public static final PropertyDescriptor OPTIMIZER = TrainingSupport.optimizer(TrainingSupport.Optimizer.ADAM);
    public static final PropertyDescriptor LEARNING_RATE = TrainingSupport.learningRate("0.001",
            "The learning rate");
    public static final PropertyDescriptor EPOCHS = new PropertyDescriptor.Builder()
            .name("Epochs")
            .description("Passes over the training features")
            .required(true)
            .defaultValue("10")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor BATCH_SIZE = TrainingSupport.BATCH_SIZE;
    public static final PropertyDescriptor CLASS_WEIGHTS = new PropertyDescriptor.Builder()
            .name("Class Weights")
            .description("How much each class's samples count in the loss")
            .required(true)
            .allowableValues(Weighting.class)
            .defaultValue(Weighting.NONE)
            .build();
    public static final PropertyDescriptor EXPLICIT_WEIGHTS = new PropertyDescriptor.Builder()
            .name("Explicit Class Weights")
            .description("class=weight pairs, comma-separated, e.g. 'cats=1.0, dogs=2.5'; unnamed classes weigh 1")
            .required(true)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .dependsOn(CLASS_WEIGHTS, Weighting.EXPLICIT)
            .build();
    public static final PropertyDescriptor PATIENCE = new PropertyDescriptor.Builder()
            .name("Early Stopping Patience")
            .description("Stop when the validation loss has not improved for this many epochs; 0 trains every epoch")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor KEEP_BEST = new PropertyDescriptor.Builder()
            .name("Keep Best Epoch")
            .description("Output the weights of the epoch with the lowest validation loss rather than the last epoch's, as "
                    + "Keras' ModelCheckpoint(save_best_only=True, monitor='val_loss') in the tutorials")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .build();
    public static final PropertyDescriptor RANDOM_SEED = ProcessorSupport.randomSeed(
            "Seeds initialisation, dropout and shuffling: the same seed and inputs give the same model and metrics on CPU");
    public static final PropertyDescriptor DEVICE = TrainingSupport.DEVICE;
    public static final PropertyDescriptor MAXIMUM_WAIT = TrainingSupport.MAXIMUM_WAIT;
    public static final PropertyDescriptor WARN_AFTER = TrainingSupport.WARN_AFTER;
    public static final PropertyDescriptor WORK_DIRECTORY = TrainingSupport.WORK_DIRECTORY;

    static final String TRAIN_ROLE = "train feature dataset";
    static final String VALIDATION_ROLE = "validation feature dataset";
    private static final String FEATURES_SOURCE = "ExtractFeatures (its 'Splits To Extract' must list the split)";

    private static final List<PropertyDescriptor> PROPERTIES = List.of(HIDDEN_LAYERS, STANDARDIZE, DROPOUT, ACTIVATION, OPTIMIZER, LEARNING_RATE,
            EPOCHS, BATCH_SIZE, CLASS_WEIGHTS, EXPLICIT_WEIGHTS, PATIENCE, KEEP_BEST, RANDOM_SEED, DEVICE, MAXIMUM_WAIT, WARN_AFTER, WORK_DIRECTORY);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE, REL_ORIGINAL, REL_TIMEOUT, REL_UNUSED);
    /** Feature sets larger than this share of the heap are refused (they are trained in memory). */
    private static final double MAX_HEAP_SHARE = 0.4;

    private final TrainingSupport.StallWarnings stalls = new TrainingSupport.StallWarnings();

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final RunJoin join = TrainingSupport.join(context, Set.of(DatasetKind.FEATURES.getValue()),
                RunJoin.Role.dataset(TRAIN_ROLE, DatasetKind.FEATURES.getValue(), Splits.TRAIN, FEATURES_SOURCE),
                RunJoin.Role.dataset(VALIDATION_ROLE, DatasetKind.FEATURES.getValue(), Splits.VALIDATION, FEATURES_SOURCE));
        TrainingSupport.joinAndRun(context, session, getLogger(), join, REL_FAILURE, stalls, "head training",
                (group, work) -> train(context, session, group, work));
    }

    /** Whether training should stop between batches: the processor was stopped (a seam for tests of a stop after some epochs). */
    boolean stopRequested(final TrainingCheckpoint checkpoint) {
        return !isScheduled();
    }

    /** Writes the model into the output flowfile's content (a seam for tests of a failing write). */
    void writeModel(final ModelPackage model, final OutputStream out) throws IOException {
        model.write(out);
    }

    private void train(final ProcessContext context, final ProcessSession session, final RunJoin.Complete group, final Path directory)
            throws IOException, BaseModelException {
        final FlowFile trainFlowFile = group.members().get(TRAIN_ROLE);
        final FlowFile validationFlowFile = group.members().get(VALIDATION_ROLE);
        final HeadFeatures train = read(session, trainFlowFile, directory);
        final HeadFeatures validation = read(session, validationFlowFile, directory);
        HeadFeatures.checkPair(train, validation);
        final HeadSpec head = new HeadSpec(train.manifest().features().dimension(), hiddenLayers(context),
                context.getProperty(DROPOUT).asDouble(), context.getProperty(ACTIVATION).asAllowableValue(Activation.class).getValue(), train.manifest().classes().size(),
                context.getProperty(STANDARDIZE).asBoolean());
        final ai.djl.Device device = TrainingSupport.device(context.getProperty(DEVICE).getValue(), BaseModel.PYTORCH);
        final TrainingCheckpoint checkpoint = TrainingSupport.checkpoint(context, getIdentifier(), group);
        final Progress.Training progress = new Progress(context.getStateManager(), getLogger(), group.runId(), "head")
                .training(checkpoint.directory());
        final HeadTrainer.Result result = TrainingSupport.withCheckpoint(checkpoint, getLogger(), group.runId(), "head training", () -> HeadTrainer.builder()
                .setHead(head)
                .optOptimizer(context.getProperty(OPTIMIZER).asAllowableValue(TrainingSupport.Optimizer.class).core())
                .optLearningRate(context.getProperty(LEARNING_RATE).asFloat())
                .optEpochs(context.getProperty(EPOCHS).asInteger())
                .optBatchSize(context.getProperty(BATCH_SIZE).asInteger())
                .optClassWeights(classWeights(context, train))
                .optPatience(context.getProperty(PATIENCE).asInteger())
                .optSeed(context.getProperty(RANDOM_SEED).asLong())
                .optDevice(device)
                .optProgress(progress)
                .optCancellation(() -> stopRequested(checkpoint))
                .optKeepBest(context.getProperty(KEEP_BEST).asBoolean())
                .optCheckpoint(checkpoint)
                .build()
                .train(train.features(), train.labels(), validation.features(), validation.labels()));
        progress.finish("done");
        final ModelPackage model = HeadModels.packageHead(train.manifest(), train.baseFile(), train.baseParameters(), head, result,
                device.toString());
        FlowFile output = session.create(group.all());
        output = session.write(output, out -> writeModel(model, out));
        final Map<String, String> attributes = new java.util.HashMap<>(TransferAttributes.forModel(model.manifest()));
        attributes.put(TrainingSupport.DEVICE_ATTRIBUTE, device.toString());
        // the join key, so later joins (FineTune, Evaluate) find the model with its datasets
        attributes.put(TransferAttributes.RUN_ID, group.runId());
        output = session.putAllAttributes(output, attributes);
        session.getProvenanceReporter().join(group.all(), output, "Trained head " + head.describe() + " for "
                + result.training().history().size() + " epochs on " + device + ": validation accuracy "
                + attributes.get("transfer.val.accuracy"));
        session.transfer(output, REL_SUCCESS);
        session.transfer(group.all(), REL_ORIGINAL);
        getLogger().info("Run {}: head trained on {}, validation accuracy {} (best {} at epoch {})", group.runId(), device,
                attributes.get("transfer.val.accuracy"), attributes.get("transfer.best.val.accuracy"), attributes.get("transfer.best.epoch"));
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final double dropout = context.getProperty(DROPOUT).asDouble() == null ? 0 : context.getProperty(DROPOUT).asDouble();
        if (dropout < 0 || dropout >= 1) {
            results.add(invalid(DROPOUT, "must be in [0, 1)"));
        }
        final String hidden = context.getProperty(HIDDEN_LAYERS).getValue();
        if (hidden != null) {
            try {
                parseLayers(hidden);
            } catch (final IllegalArgumentException e) {
                results.add(invalid(HIDDEN_LAYERS, e.getMessage()));
            }
        }
        return results;
    }

    private static ValidationResult invalid(final PropertyDescriptor property, final String explanation) {
        return new ValidationResult.Builder().subject(property.getName()).valid(false).explanation(explanation).build();
    }

    /** A feature dataset read whole, under the heap share head training may take. */
    private static HeadFeatures read(final ProcessSession session, final FlowFile flowFile, final Path directory) throws IOException {
        try (InputStream in = session.read(flowFile)) {
            return HeadFeatures.read(in, directory, (long) (Runtime.getRuntime().maxMemory() * MAX_HEAP_SHARE));
        }
    }

    private static List<Integer> hiddenLayers(final ProcessContext context) {
        final String value = context.getProperty(HIDDEN_LAYERS).getValue();
        return value == null ? List.of() : parseLayers(value);
    }

    static List<Integer> parseLayers(final String value) {
        final List<Integer> layers = new ArrayList<>();
        for (final String part : value.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                final int units = Integer.parseInt(part.strip());
                if (units < 1) {
                    throw new NumberFormatException();
                }
                layers.add(units);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + part.strip() + "' is not a positive layer size");
            }
        }
        return layers;
    }

    private static float[] classWeights(final ProcessContext context, final HeadFeatures train) {
        return switch (context.getProperty(CLASS_WEIGHTS).asAllowableValue(Weighting.class)) {
            case NONE -> null;
            case BALANCED -> train.balancedClassWeights();
            case EXPLICIT -> {
                try {
                    yield train.explicitClassWeights(context.getProperty(EXPLICIT_WEIGHTS).getValue());
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("Explicit Class Weights: " + e.getMessage(), e);
                }
            }
        };
    }
}
