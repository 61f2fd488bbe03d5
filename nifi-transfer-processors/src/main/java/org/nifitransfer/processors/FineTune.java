package org.nifitransfer.processors;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetCopier;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.FineTuner;
import org.nifitransfer.core.training.LearningRateSchedule;

@Tags({"deep learning", "transfer learning", "fine-tuning", "training", "djl", "pytorch"})
@CapabilityDescription("Fine-tunes a model end to end: joins a model from UnfreezeLayers with the train and validation tensor datasets of its "
        + "run, and trains the unfrozen base layers and the head together with a low learning rate. The training images get new "
        + "augmented variants every epoch when their dataset carries an on-the-fly recipe, and the model's history continues. It "
        + "needs a TorchScript base.")
@SeeAlso({UnfreezeLayers.class, Augment.class, Evaluate.class})
@UseCase(description = "Fine-tune the top of a pretrained base after training a head, as in the Keras/TensorFlow tutorials",
        configuration = """
                Connect UnfreezeLayers' success and the train and validation tensor datasets (from Augment) to this processor.
                Keep the defaults, measured on two bases (docs/fine-tuning.md): "Optimizer" RMSprop, "Learning Rate" 0.0003,
                "Learning Rate Schedule" Warm-Up, Cosine Decay, "Epochs" 5, "Keep Best Epoch" true.
                """)
public class FineTune extends TrainingProcessor {

    /** The Learning Rate Schedule property's choices. */
    public enum Schedule implements CoreChoice<LearningRateSchedule> {
        CONSTANT, COSINE, WARM_UP_COSINE;

        @Override
        public LearningRateSchedule core() {
            return LearningRateSchedule.valueOf(name());
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String MODEL_ROLE = "model";
    static final String TRAIN_ROLE = "train tensor dataset";
    static final String VALIDATION_ROLE = "validation tensor dataset";

    public static final Relationship REL_SUCCESS = ProcessorSupport.success("The fine-tuned model");
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "Inputs that do not fit together or a model that cannot be fine-tuned; transfer.error says why");
    public static final Relationship REL_ORIGINAL = TrainingSupport.REL_ORIGINAL;
    public static final Relationship REL_TIMEOUT = TrainingSupport.REL_TIMEOUT;
    public static final Relationship REL_UNUSED = TrainingSupport.REL_UNUSED;

    public static final PropertyDescriptor OPTIMIZER = TrainingSupport.optimizer(TrainingSupport.Optimizer.RMSPROP);
    public static final PropertyDescriptor LEARNING_RATE = TrainingSupport.learningRate("0.0003",
            "The learning rate of fine-tuning at its peak: at the start with Constant or Cosine Decay, after the warm-up with "
                    + "Warm-Up, Cosine Decay. The default was the best of those measured on SqueezeNet 1.1 and MobileNetV2 "
                    + "(docs/fine-tuning.md). The tutorials' 0.00001 hardly moves the weights in 5 epochs.");
    public static final PropertyDescriptor SCHEDULE = new PropertyDescriptor.Builder()
            .name("Learning Rate Schedule")
            .description("How the learning rate changes over the fine-tuning updates. Cosine Decay lets the first epochs move the "
                    + "weights and the last ones settle them. The default, Warm-Up, Cosine Decay, first climbs from zero over a tenth of "
                    + "the updates: with many blocks unfrozen, the plain cosine collapsed in the first epoch in some runs and the "
                    + "warm-up did not (docs/fine-tuning.md).")
            .required(true)
            .allowableValues(Schedule.class)
            .defaultValue(Schedule.WARM_UP_COSINE)
            .build();
    public static final PropertyDescriptor EPOCHS = new PropertyDescriptor.Builder()
            .name("Epochs")
            .description("Fine-tuning epochs (numbered on from the model's last epoch). The learning-rate schedule spans them all.")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor BATCH_SIZE = TrainingSupport.BATCH_SIZE;
    public static final PropertyDescriptor PATIENCE = TrainingSupport.PATIENCE;
    public static final PropertyDescriptor KEEP_BEST = new PropertyDescriptor.Builder()
            .name("Keep Best Epoch")
            .description("Output the weights of the epoch with the lowest validation loss, as Keras' "
                    + "ModelCheckpoint(save_best_only=True) in the fine-tuning tutorials. The incoming model's own validation "
                    + "loss is the baseline: when no fine-tuning epoch beats it, the incoming weights are kept and "
                    + "transfer.kept.epoch says so.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .build();
    public static final PropertyDescriptor RANDOM_SEED = ProcessorSupport.randomSeed(
            "Seeds shuffling, augmentation and dropout: the same seed and inputs give the same model and metrics on CPU");
    public static final PropertyDescriptor DEVICE = TrainingSupport.DEVICE;
    public static final PropertyDescriptor MAXIMUM_WAIT = TrainingSupport.MAXIMUM_WAIT;
    public static final PropertyDescriptor WARN_AFTER = TrainingSupport.WARN_AFTER;
    public static final PropertyDescriptor WORK_DIRECTORY = TrainingSupport.WORK_DIRECTORY;

    private static final String TENSORS_SOURCE = "ResizeAndNormalize (through Augment for train)";
    private static final List<PropertyDescriptor> PROPERTIES = List.of(OPTIMIZER, LEARNING_RATE, SCHEDULE, EPOCHS, BATCH_SIZE, PATIENCE,
            KEEP_BEST, RANDOM_SEED, DEVICE, MAXIMUM_WAIT, WARN_AFTER, WORK_DIRECTORY);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE, REL_ORIGINAL, REL_TIMEOUT, REL_UNUSED);

    public FineTune() {
        super(PROPERTIES, RELATIONSHIPS, new TrainingProperties(OPTIMIZER, LEARNING_RATE, EPOCHS, KEEP_BEST, RANDOM_SEED), REL_SUCCESS,
                REL_FAILURE, "fine-tuning");
    }

    @Override
    RunJoin join(final ProcessContext context) {
        return TrainingSupport.join(context, Set.of(DatasetKind.TENSORS.getValue()),
                RunJoin.Role.model("UnfreezeLayers (after TrainHead)"),
                RunJoin.Role.dataset(TRAIN_ROLE, DatasetKind.TENSORS.getValue(), Splits.TRAIN, TENSORS_SOURCE),
                RunJoin.Role.dataset(VALIDATION_ROLE, DatasetKind.TENSORS.getValue(), Splits.VALIDATION, TENSORS_SOURCE));
    }

    @Override
    Trained train(final ProcessContext context, final ProcessSession session, final RunJoin.Complete group, final Path work,
                  final Training training) throws IOException, BaseModelException {
        final List<FlowFile> train = group.members().get(TRAIN_ROLE);
        final List<FlowFile> validation = group.members().get(VALIDATION_ROLE);
        final ModelPackage model;
        try (InputStream in = session.read(group.first(MODEL_ROLE))) {
            model = ModelPackage.read(in, work);
        }
        FineTuner.checkTrainable(model.manifest());
        final DatasetManifest trainManifest;
        try (InputStream in = session.read(train.getFirst())) {
            trainManifest = DatasetCopier.readManifest(in);
        }
        final Augmenter augmenter = trainManifest.augmentation() != null && trainManifest.augmentation().isOnTheFly()
                ? new Augmenter(MAPPER.treeToValue(trainManifest.augmentation().recipe(), AugmentationRecipe.class)) : null;
        final FineTuner.Result result = withOptions(FineTuner.builder(), context, training)
                .optSchedule(context.getProperty(SCHEDULE).asAllowableValue(Schedule.class).core())
                .build()
                .fineTune(model, () -> TrainingSupport.read(session, train), () -> TrainingSupport.read(session, validation), augmenter, work);
        return new Trained(result.model(), "Fine-tuned " + result.model().manifest().unfreeze()
                + (augmenter == null ? "" : " with on-the-fly augmentation"), result.training().history().size());
    }
}
