package org.nifitransfer.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.image.Interpolation;
import org.nifitransfer.core.image.ResizeMode;

/**
 * {@code model.json}: everything needed to use a trained model, next to its base file and head weights.
 *
 * @param format always {@value #FORMAT}
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param runId the run the model was trained in
 * @param classes the class names; output {@code i} is the logit of {@code classes[i]}
 * @param input the image size and normalisation the model expects
 * @param base the embedded base: entry, engine, hash and output shape
 * @param pooling {@code avg}, {@code max} or {@code flatten}
 * @param head the head's architecture
 * @param headParameters the head's weights, in the block's order, with their tar entries
 * @param baseParameters the base's parameters with their trainable flags (empty for an ONNX base)
 * @param trainBatchNormStatistics whether fine-tuning lets BatchNorm running statistics update
 * @param unfreeze how the trainable base parameters were chosen, for people (e.g. {@code top 2 blocks}); null when frozen
 * @param history every training epoch so far
 * @param metrics the last training phase's summary
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelManifest(String format, int formatVersion, String runId, List<String> classes, InputSpec input,
                            DatasetManifest.BaseInfo base, String pooling, HeadSpec head, List<HeadParameter> headParameters,
                            List<ParameterInfo> baseParameters, boolean trainBatchNormStatistics, String unfreeze,
                            List<EpochRecord> history, TrainingMetrics metrics) {

    public static final String FORMAT = "nifi-transfer-model";
    public static final int FORMAT_VERSION = 1;

    public ModelManifest {
        classes = classes == null ? List.of() : List.copyOf(classes);
        headParameters = headParameters == null ? List.of() : List.copyOf(headParameters);
        baseParameters = baseParameters == null ? List.of() : List.copyOf(baseParameters);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /**
     * The images a model takes, and how they were prepared: what a classifier does to a new image before the model
     * sees it.
     *
     * @param height in pixels
     * @param width in pixels
     * @param channels 3
     * @param normalization the preset the data was prepared with
     * @param resizeMode how images were brought to this size ({@link ResizeMode} name); absent in models written before
     *                   it was recorded, which were made with ResizeAndNormalize's default, {@code STRETCH}
     * @param interpolation the resampling filter ({@link Interpolation} name); absent in older models: {@code BILINEAR}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InputSpec(int height, int width, int channels, NormalizationPreset normalization, String resizeMode,
                            String interpolation) {

        /** The resize mode the model's images were prepared with. */
        public ResizeMode resizeModeOrDefault() {
            return resizeMode == null ? ResizeMode.STRETCH : ResizeMode.valueOf(resizeMode);
        }

        /** The resampling filter the model's images were prepared with. */
        public Interpolation interpolationOrDefault() {
            return interpolation == null ? Interpolation.BILINEAR : Interpolation.valueOf(interpolation);
        }
    }

    /**
     * One weight array of the head.
     *
     * @param name DJL's parameter name
     * @param shape the shape
     * @param entry the {@code .npy} entry holding it
     */
    public record HeadParameter(String name, long[] shape, String entry) {
    }

    /**
     * The outcome of a training phase.
     *
     * @param phase {@code head} or {@code fine-tune}
     * @param epochs epochs run in this phase
     * @param bestEpoch the epoch with the lowest validation loss (its weights are kept when early stopping restores them)
     * @param bestValidationAccuracy validation accuracy at the best epoch
     * @param bestValidationLoss validation loss at the best epoch
     * @param finalValidationAccuracy validation accuracy after the last epoch
     * @param finalValidationLoss validation loss after the last epoch
     * @param stoppedEarly whether early stopping ended the phase
     * @param device the device trained on
     * @param seconds wall time of the phase
     * @param keptEpoch the epoch whose weights the model holds (the best one when the best is kept)
     * @param keptValidationAccuracy validation accuracy of the weights the model holds
     * @param keptValidationLoss validation loss of the weights the model holds
     */
    public record TrainingMetrics(String phase, int epochs, int bestEpoch, double bestValidationAccuracy, double bestValidationLoss,
                                  double finalValidationAccuracy, double finalValidationLoss, boolean stoppedEarly, String device,
                                  double seconds, int keptEpoch, double keptValidationAccuracy, double keptValidationLoss) {
    }

    /** Checks what a reader relies on. */
    public void validate() {
        if (!FORMAT.equals(format)) {
            throw new DatasetFormatException("model.json is not a " + FORMAT + " manifest (format: " + format + ")");
        }
        if (formatVersion > FORMAT_VERSION) {
            throw new DatasetFormatException("model format version " + formatVersion + " is newer than this reader (" + FORMAT_VERSION + ")");
        }
        if (classes.size() < 2 || input == null || base == null || head == null || headParameters.isEmpty()) {
            throw new DatasetFormatException("model.json is incomplete: it needs classes, input, base, head and head parameters");
        }
        try {
            input.resizeModeOrDefault();
            input.interpolationOrDefault();
        } catch (final IllegalArgumentException e) {
            throw new DatasetFormatException("model.json's input names an unknown resize mode or filter: " + input.resizeMode() + ", "
                    + input.interpolation(), e);
        }
    }

    /** The number of the last epoch trained so far (0 for none). */
    public int lastEpoch() {
        return history.isEmpty() ? 0 : history.getLast().epoch();
    }

    /** This manifest with other base parameters (trainable flags), BatchNorm choice and unfreeze description. */
    public ModelManifest withBaseParameters(final List<ParameterInfo> parameters, final boolean batchNormStatistics, final String description) {
        return new ModelManifest(format, formatVersion, runId, classes, input, base, pooling, head, headParameters, parameters,
                batchNormStatistics, description, history, metrics);
    }

    /** This manifest after a training phase: new base identity and head entries, history extended. */
    public ModelManifest afterTraining(final DatasetManifest.BaseInfo newBase, final List<HeadParameter> newHead,
                                       final List<EpochRecord> epochs, final TrainingMetrics phaseMetrics) {
        final List<EpochRecord> all = new ArrayList<>(history);
        all.addAll(epochs);
        return new ModelManifest(format, formatVersion, runId, classes, input, newBase, pooling, head, newHead, baseParameters,
                trainBatchNormStatistics, unfreeze, all, phaseMetrics);
    }

    /** The number of base parameters (values) training may update. */
    public long trainableBaseParameterCount() {
        return baseParameters.stream().filter(ParameterInfo::trainable).mapToLong(ParameterInfo::count).sum();
    }
}
