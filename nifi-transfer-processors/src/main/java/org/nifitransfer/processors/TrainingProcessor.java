package org.nifitransfer.processors;

import ai.djl.Device;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.training.TrainingCheckpoint;
import org.nifitransfer.core.training.TrainingOptions;

/**
 * The processors that train a model on the datasets of one run and emit it: {@link TrainHead} and {@link FineTune}.
 * Everything but the training itself happens here, one way for both: the join, the device, the checkpoint and the
 * progress in View State, the training options read from the properties, and the model's output, attributes,
 * provenance and transfers. The attributes the model carries are documented here once; NiFi reads them for each
 * subclass (the annotation is inherited).
 */
@InputRequirement(Requirement.INPUT_REQUIRED)
@Stateful(scopes = Scope.LOCAL, description = "Training progress: run id, phase, epoch, batch, running loss and accuracy, and the "
        + "folder of the checkpoint saved after every finished epoch (a stopped or crashed training resumes from it)")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.KIND, description = "model"),
    @WritesAttribute(attribute = TransferAttributes.RUN_ID, description = "The run the model was trained for, so that later joins "
            + "(FineTune, Evaluate) find it with its datasets"),
    @WritesAttribute(attribute = TransferAttributes.PHASE, description = "The phase of the model's last epoch: head (TrainHead) or "
            + "fine-tune (FineTune)"),
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
    @WritesAttribute(attribute = "transfer.epochs", description = "The model's last epoch number: the head's epochs, and after FineTune "
            + "the fine-tuning epochs on top"),
    @WritesAttribute(attribute = TrainingSupport.DEVICE_ATTRIBUTE, description = "The device trained on"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure or timeout: why")
})
public abstract class TrainingProcessor extends TransferProcessor {

    /** The properties of a training that each subclass declares with its own default or description. */
    record TrainingProperties(PropertyDescriptor optimizer, PropertyDescriptor learningRate, PropertyDescriptor epochs,
                              PropertyDescriptor keepBest, PropertyDescriptor randomSeed) {
    }

    /** Where a training runs and whom it tells: the device, the progress in View State, the checkpoint. */
    record Training(Device device, Progress.Training progress, TrainingCheckpoint checkpoint) {
    }

    /**
     * What a subclass's training made: the model, what was trained for provenance ("head 512 -> dense 5") and the epochs
     * trained in this phase.
     */
    record Trained(ModelPackage model, String description, int epochs) {
    }

    private final TrainingProperties trainingProperties;
    private final Relationship success;
    private final Relationship failure;
    private final String what;
    private final TrainingSupport.StallWarnings stalls = new TrainingSupport.StallWarnings();

    /**
     * @param what what the subclass does, for messages: "head training", "fine-tuning"
     */
    TrainingProcessor(final List<PropertyDescriptor> properties, final Set<Relationship> relationships,
                      final TrainingProperties trainingProperties, final Relationship success, final Relationship failure,
                      final String what) {
        super(properties, relationships);
        this.trainingProperties = trainingProperties;
        this.success = success;
        this.failure = failure;
        this.what = what;
    }

    @Override
    public final void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        TrainingSupport.joinAndRun(context, session, getLogger(), join(context), failure, stalls, what,
                (group, work) -> trainAndEmit(context, session, group, work));
    }

    /** The join of this processor's inputs, with the processor's Maximum Wait and Warn After. */
    abstract RunJoin join(ProcessContext context);

    /** Reads the group's inputs and trains, with {@code training}'s device, progress and checkpoint. */
    abstract Trained train(ProcessContext context, ProcessSession session, RunJoin.Complete group, Path work, Training training)
            throws IOException, BaseModelException;

    /** Whether training should stop between batches: the processor was stopped (a seam for tests of a stop after some epochs). */
    boolean stopRequested(final TrainingCheckpoint checkpoint) {
        return !isScheduled();
    }

    /** Writes the model into the output flowfile's content (a seam for tests of a failing write). */
    void writeModel(final ModelPackage model, final OutputStream out) throws IOException {
        model.write(out);
    }

    /** {@code builder} with the options every training reads from the processor's properties, and {@code training}'s companions. */
    final <B extends TrainingOptions.Builder<B>> B withOptions(final B builder, final ProcessContext context, final Training training) {
        return builder
                .optOptimizer(context.getProperty(trainingProperties.optimizer()).asAllowableValue(TrainingSupport.Optimizer.class).core())
                .optLearningRate(context.getProperty(trainingProperties.learningRate()).asFloat())
                .optEpochs(context.getProperty(trainingProperties.epochs()).asInteger())
                .optBatchSize(context.getProperty(TrainingSupport.BATCH_SIZE).asInteger())
                .optPatience(context.getProperty(TrainingSupport.PATIENCE).asInteger())
                .optSeed(context.getProperty(trainingProperties.randomSeed()).asLong())
                .optKeepBest(context.getProperty(trainingProperties.keepBest()).asBoolean())
                .optDevice(training.device())
                .optProgress(training.progress())
                .optCancellation(() -> stopRequested(training.checkpoint()))
                .optCheckpoint(training.checkpoint());
    }

    private void trainAndEmit(final ProcessContext context, final ProcessSession session, final RunJoin.Complete group, final Path work)
            throws IOException, BaseModelException {
        final Device device = TrainingSupport.device(context.getProperty(TrainingSupport.DEVICE).getValue(), BaseModel.PYTORCH);
        final TrainingCheckpoint checkpoint = TrainingSupport.checkpoint(context, getIdentifier(), group);
        final Progress.Training progress = Progress.training(context.getStateManager(), getLogger(), group.runId(), checkpoint.directory());
        final Trained trained = TrainingSupport.withCheckpoint(checkpoint, getLogger(), group.runId(), what,
                () -> train(context, session, group, work, new Training(device, progress, checkpoint)));
        progress.finish("done");
        FlowFile output = session.create(group.all());
        output = session.write(output, out -> writeModel(trained.model(), out));
        final Map<String, String> attributes = new HashMap<>(TransferAttributes.forModel(trained.model().manifest()));
        attributes.put(TrainingSupport.DEVICE_ATTRIBUTE, device.toString());
        attributes.put(TransferAttributes.RUN_ID, group.runId());
        output = session.removeAllAttributes(session.putAllAttributes(output, attributes), TransferAttributes.SHARD_ATTRIBUTES);
        session.getProvenanceReporter().join(group.all(), output, trained.description() + " for " + trained.epochs() + " epochs on "
                + device + ": validation accuracy " + attributes.get("transfer.val.accuracy"));
        session.transfer(output, success);
        session.transfer(group.all(), TrainingSupport.REL_ORIGINAL);
        getLogger().info("Run {}: {} done on {}, validation accuracy {} (best {} at epoch {})", group.runId(), what, device,
                attributes.get("transfer.val.accuracy"), attributes.get("transfer.best.val.accuracy"), attributes.get("transfer.best.epoch"));
    }
}
