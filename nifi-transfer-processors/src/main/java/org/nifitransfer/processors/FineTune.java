package org.nifitransfer.processors;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
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
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetCopier;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.Splits;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.FineTuner;
import org.nifitransfer.core.training.LearningRateSchedule;
import org.nifitransfer.core.training.TrainingCheckpoint;

@InputRequirement(Requirement.INPUT_REQUIRED)
@Tags({"deep learning", "transfer learning", "fine-tuning", "training", "djl", "pytorch"})
@CapabilityDescription("Fine-tunes a model end to end: joins a model from UnfreezeLayers with the train and validation tensor datasets of its "
        + "run, and trains the unfrozen base layers and the head together with a low learning rate. The training images get new "
        + "augmented variants every epoch when their dataset carries an on-the-fly recipe, and the model's history continues. It "
        + "needs a TorchScript base.")
@Stateful(scopes = Scope.LOCAL, description = "Training progress: run id, phase, epoch, batch, running loss and accuracy, and the folder of the checkpoint saved after every finished epoch (a stopped or crashed training resumes from it)")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.PHASE, description = "fine-tune"),
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
    @WritesAttribute(attribute = "transfer.epochs", description = "The model's last epoch number (head and fine-tuning epochs)"),
    @WritesAttribute(attribute = TrainingSupport.DEVICE_ATTRIBUTE, description = "The device trained on"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure or timeout: why")
})
@SeeAlso({UnfreezeLayers.class, Augment.class, Evaluate.class})
@UseCase(description = "Fine-tune the top of a pretrained base after training a head, as in the Keras/TensorFlow tutorials",
        configuration = """
                Connect UnfreezeLayers' success and the train and validation tensor datasets (from Augment) to this processor.
                Keep "Optimizer" on RMSprop and "Learning Rate" at 0.00001; set "Epochs" to 10.
                """)
public class FineTune extends AbstractProcessor {

    /** The Learning Rate Schedule property's choices. */
    public enum Schedule implements CoreChoice<LearningRateSchedule> {
        CONSTANT, COSINE;

        @Override
        public LearningRateSchedule core() {
            return LearningRateSchedule.valueOf(name());
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String MODEL_ROLE = "model";
    static final String TRAIN_ROLE = "train tensor dataset";
    static final String VALIDATION_ROLE = "validation tensor dataset";

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("The fine-tuned model")
            .build();
    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("Inputs that do not fit together or a model that cannot be fine-tuned; transfer.error says why")
            .build();
    public static final Relationship REL_ORIGINAL = TrainingSupport.REL_ORIGINAL;
    public static final Relationship REL_TIMEOUT = TrainingSupport.REL_TIMEOUT;
    public static final Relationship REL_UNUSED = TrainingSupport.REL_UNUSED;

    public static final PropertyDescriptor OPTIMIZER = TrainingSupport.optimizer(TrainingSupport.Optimizer.RMSPROP);
    public static final PropertyDescriptor LEARNING_RATE = TrainingSupport.learningRate("0.00001",
            "The learning rate: much lower than for the head, so the pretrained weights change gently");
    public static final PropertyDescriptor SCHEDULE = new PropertyDescriptor.Builder()
            .name("Learning Rate Schedule")
            .description("How the learning rate changes over the fine-tuning updates")
            .required(true)
            .allowableValues(Schedule.class)
            .defaultValue(Schedule.CONSTANT)
            .build();
    public static final PropertyDescriptor EPOCHS = new PropertyDescriptor.Builder()
            .name("Epochs")
            .description("Fine-tuning epochs (numbered on from the model's last epoch)")
            .required(true)
            .defaultValue("10")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor BATCH_SIZE = TrainingSupport.BATCH_SIZE;
    public static final PropertyDescriptor PATIENCE = TrainHead.PATIENCE;
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
        final RunJoin join = TrainingSupport.join(context, Set.of(DatasetKind.TENSORS.getValue()),
                RunJoin.Role.model("UnfreezeLayers (after TrainHead)"),
                RunJoin.Role.dataset(TRAIN_ROLE, DatasetKind.TENSORS.getValue(), Splits.TRAIN, TENSORS_SOURCE),
                RunJoin.Role.dataset(VALIDATION_ROLE, DatasetKind.TENSORS.getValue(), Splits.VALIDATION, TENSORS_SOURCE));
        TrainingSupport.joinAndRun(context, session, getLogger(), join, REL_FAILURE, stalls, "fine-tuning",
                (group, work) -> fineTune(context, session, group, work));
    }

    /** Whether training should stop between batches: the processor was stopped (a seam for tests of a stop after some epochs). */
    boolean stopRequested(final TrainingCheckpoint checkpoint) {
        return !isScheduled();
    }

    /** Writes the model into the output flowfile's content (a seam for tests of a failing write). */
    void writeModel(final ModelPackage model, final OutputStream out) throws IOException {
        model.write(out);
    }

    private void fineTune(final ProcessContext context, final ProcessSession session, final RunJoin.Complete group, final Path work)
            throws IOException, BaseModelException {
        final FlowFile modelFlowFile = group.members().get(MODEL_ROLE);
        final FlowFile trainFlowFile = group.members().get(TRAIN_ROLE);
        final FlowFile validationFlowFile = group.members().get(VALIDATION_ROLE);
        final ModelPackage model;
        try (InputStream in = session.read(modelFlowFile)) {
            model = ModelPackage.read(in, work);
        }
        FineTuner.checkTrainable(model.manifest());
        final DatasetManifest trainManifest;
        try (InputStream in = session.read(trainFlowFile)) {
            trainManifest = DatasetCopier.readManifest(in);
        }
        final Augmenter augmenter = trainManifest.augmentation() != null && trainManifest.augmentation().isOnTheFly()
                ? new Augmenter(MAPPER.treeToValue(trainManifest.augmentation().recipe(), AugmentationRecipe.class)) : null;
        final ai.djl.Device device = TrainingSupport.device(context.getProperty(DEVICE).getValue(), BaseModel.PYTORCH);
        final TrainingCheckpoint checkpoint = TrainingSupport.checkpoint(context, getIdentifier(), group);
        final Progress.Training progress = new Progress(context.getStateManager(), getLogger(), group.runId(), "fine-tune")
                .training(checkpoint.directory());
        final FineTuner.Result result = TrainingSupport.withCheckpoint(checkpoint, getLogger(), group.runId(), "fine-tuning", () -> FineTuner.builder()
                .optOptimizer(context.getProperty(OPTIMIZER).asAllowableValue(TrainingSupport.Optimizer.class).core())
                .optLearningRate(context.getProperty(LEARNING_RATE).asFloat())
                .optSchedule(context.getProperty(SCHEDULE).asAllowableValue(Schedule.class).core())
                .optEpochs(context.getProperty(EPOCHS).asInteger())
                .optBatchSize(context.getProperty(BATCH_SIZE).asInteger())
                .optPatience(context.getProperty(PATIENCE).asInteger())
                .optSeed(context.getProperty(RANDOM_SEED).asLong())
                .optDevice(device)
                .optProgress(progress)
                .optCancellation(() -> stopRequested(checkpoint))
                .optKeepBest(context.getProperty(KEEP_BEST).asBoolean())
                .optCheckpoint(checkpoint)
                .build()
                .fineTune(model, () -> session.read(trainFlowFile), () -> session.read(validationFlowFile), augmenter, work));
        progress.finish("done");
        FlowFile output = session.create(group.all());
        output = session.write(output, out -> writeModel(result.model(), out));
        final Map<String, String> attributes = new java.util.HashMap<>(TransferAttributes.forModel(result.model().manifest()));
        attributes.put(TrainingSupport.DEVICE_ATTRIBUTE, device.toString());
        // the join key, so later joins (FineTune, Evaluate) find the model with its datasets
        attributes.put(TransferAttributes.RUN_ID, group.runId());
        attributes.put(UnfreezeLayers.TRAINABLE_ATTRIBUTE, String.valueOf(result.model().manifest().trainableBaseParameterCount()));
        output = session.putAllAttributes(output, attributes);
        session.getProvenanceReporter().join(group.all(), output, "Fine-tuned " + result.model().manifest().unfreeze() + " for "
                + result.training().history().size() + " epochs on " + device + (augmenter == null ? "" : " with on-the-fly augmentation")
                + ": validation accuracy " + attributes.get("transfer.val.accuracy"));
        session.transfer(output, REL_SUCCESS);
        session.transfer(group.all(), REL_ORIGINAL);
        getLogger().info("Run {}: fine-tuned on {}, validation accuracy {} (best {} at epoch {})", group.runId(), device,
                attributes.get("transfer.val.accuracy"), attributes.get("transfer.best.val.accuracy"), attributes.get("transfer.best.epoch"));
    }
}
