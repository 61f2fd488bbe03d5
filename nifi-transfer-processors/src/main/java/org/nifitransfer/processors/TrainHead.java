package org.nifitransfer.processors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.HeadFeatures;
import org.nifitransfer.core.training.HeadModels;
import org.nifitransfer.core.training.HeadTrainer;

@Tags({"deep learning", "transfer learning", "training", "classifier", "head", "djl"})
@CapabilityDescription("Trains a new classifier head on the features of a frozen base: joins the train and validation feature datasets of one "
        + "run (by transfer.run.id), taking a group off the queue only when it is complete. It trains a linear classifier or a "
        + "small MLP and emits the complete model (base and head, with its per-epoch history) as one flowfile.")
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
public class TrainHead extends TrainingProcessor {

    /** The Activation property's choices: DJL's activations for hidden layers. */
    public enum Activation implements Choice {
        RELU, GELU, TANH, SIGMOID;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case RELU -> new AllowableValue("relu", "relu", "Rectified linear unit, max(0, x)");
                case GELU -> new AllowableValue("gelu", "gelu", "Gaussian error linear unit");
                case TANH -> new AllowableValue("tanh", "tanh", "Hyperbolic tangent");
                case SIGMOID -> new AllowableValue("sigmoid", "sigmoid", "Logistic sigmoid");
            };
        }
    }

    /** The Class Weights property's choices. */
    public enum Weighting implements Choice {
        NONE, BALANCED, EXPLICIT;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case NONE -> new AllowableValue("none", "None", "Every class counts the same");
                case BALANCED -> new AllowableValue("balanced", "Balanced",
                        "n_samples / (n_classes * n_class_samples), as scikit-learn's 'balanced': rare classes weigh more");
                case EXPLICIT -> new AllowableValue("explicit", "Explicit", "The weights in 'Explicit Class Weights'");
            };
        }
    }

    public static final Relationship REL_SUCCESS = ProcessorSupport.success("The trained model (base + head)");
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "Inputs that are not feature datasets, or do not belong together; transfer.error says why");
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
    public static final PropertyDescriptor PATIENCE = TrainingSupport.PATIENCE;
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

    public TrainHead() {
        super(PROPERTIES, RELATIONSHIPS, new TrainingProperties(OPTIMIZER, LEARNING_RATE, EPOCHS, KEEP_BEST, RANDOM_SEED), REL_SUCCESS,
                REL_FAILURE, "head training");
    }

    @Override
    RunJoin join(final ProcessContext context) {
        return TrainingSupport.join(context, Set.of(DatasetKind.FEATURES.getValue()),
                RunJoin.Role.dataset(TRAIN_ROLE, DatasetKind.FEATURES.getValue(), Splits.TRAIN, FEATURES_SOURCE),
                RunJoin.Role.dataset(VALIDATION_ROLE, DatasetKind.FEATURES.getValue(), Splits.VALIDATION, FEATURES_SOURCE));
    }

    @Override
    Trained train(final ProcessContext context, final ProcessSession session, final RunJoin.Complete group, final Path directory,
                  final Training training) throws IOException, BaseModelException {
        final HeadFeatures train = read(session, group.members().get(TRAIN_ROLE), directory);
        final HeadFeatures validation = read(session, group.members().get(VALIDATION_ROLE), directory);
        HeadFeatures.checkPair(train, validation);
        final HeadSpec head = new HeadSpec(train.manifest().features().dimension(), hiddenLayers(context),
                context.getProperty(DROPOUT).asDouble(), context.getProperty(ACTIVATION).asAllowableValue(Activation.class).getValue(),
                train.manifest().classes().size(), context.getProperty(STANDARDIZE).asBoolean());
        final HeadTrainer.Result result = withOptions(HeadTrainer.builder().setHead(head), context, training)
                .optClassWeights(classWeights(context, train))
                .build()
                .train(train.features(), train.labels(), validation.features(), validation.labels());
        final ModelPackage model = HeadModels.packageHead(train.manifest(), train.baseFile(), train.baseParameters(), head, result,
                training.device().toString());
        return new Trained(model, "Trained head " + head.describe(), result.training().history().size());
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

    /** A feature dataset (the shards of a split, in order) read whole, under the heap share head training may take. */
    private static HeadFeatures read(final ProcessSession session, final List<FlowFile> shards, final Path directory) throws IOException {
        try (InputStream in = TrainingSupport.read(session, shards)) {
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
