package org.nifitransfer.processors;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.nifi.annotation.behavior.SideEffectFree;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
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
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ParameterInfo;
import org.nifitransfer.core.model.TorchScriptCode;
import org.nifitransfer.core.model.UnfreezeSelector;
import org.nifitransfer.core.model.UnfreezeStrategy;
import org.nifitransfer.core.pipeline.Folders;
import org.nifitransfer.core.training.FineTuner;

@SideEffectFree
@Tags({"deep learning", "transfer learning", "fine-tuning", "unfreeze", "layers"})
@CapabilityDescription("Chooses which layers of a model's pretrained base FineTune may train: the top N blocks, everything from a named layer "
        + "upward, a pattern over parameter names, all or none. The model passes through with its manifest updated; its summary "
        + "lists every layer and whether it is trainable. BatchNorm statistics stay frozen by default.")
@WritesAttributes({
    @WritesAttribute(attribute = UnfreezeLayers.TRAINABLE_ATTRIBUTE, description = "The number of base parameter values now trainable"),
    @WritesAttribute(attribute = UnfreezeLayers.LAYERS_ATTRIBUTE, description = "The unfrozen base layers, comma-separated"),
    @WritesAttribute(attribute = UnfreezeLayers.UNFREEZE_ATTRIBUTE, description = "The choice, e.g. 'top 2 blocks'"),
    @WritesAttribute(attribute = UnfreezeLayers.BLOCKS_ATTRIBUTE, description = "The blocks with trainable parameters, comma-separated "
            + "(a block is a parameter name up to its first numeric segment: '12' of '12.expand3x3.weight', 'features.12' of "
            + "'features.12.expand3x3.weight')"),
    @WritesAttribute(attribute = UnfreezeLayers.BASE_BLOCKS_ATTRIBUTE, description = "Every block of the base, in order: what Top Blocks counts"),
    @WritesAttribute(attribute = UnfreezeLayers.WARNING_ATTRIBUTE, description = "Set when the choice does less than it says in this base "
            + "(also logged as a warning): Top Blocks above the base's number of blocks, where every block is unfrozen; Update BatchNorm "
            + "Statistics with a base traced in inference mode, whose statistics cannot move"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure: why, with the available layer names")
})
@SeeAlso({TrainHead.class, FineTune.class})
@UseCase(description = "Unfreeze the top two blocks of the base, as in Chollet's VGG16 fine-tuning",
        configuration = """
                Set "Strategy" to "Top Blocks" and "Top Blocks" to 2 (the default, 7, measured best on flowers with SqueezeNet
                and MobileNetV2; docs/fine-tuning.md has the sweep).
                """)
@UseCase(description = "Unfreeze from a named layer upward, as the TensorFlow tutorial's fine_tune_at",
        configuration = """
                Set "Strategy" to "From Layer" and "Layer Name" to the first layer to train, e.g. "12.expand1x1" for the
                SqueezeNet base (the model's summary.txt lists the layer names).
                """)
public class UnfreezeLayers extends DatasetProcessor {

    /** The Strategy property's choices. */
    public enum Strategy implements CoreChoice<UnfreezeStrategy> {
        TOP_BLOCKS, FROM_LAYER, PATTERN, ALL, NONE;

        @Override
        public UnfreezeStrategy core() {
            return UnfreezeStrategy.valueOf(name());
        }
    }

    static final String TRAINABLE_ATTRIBUTE = "transfer.trainable.parameters";
    static final String LAYERS_ATTRIBUTE = "transfer.unfrozen.layers";
    static final String UNFREEZE_ATTRIBUTE = "transfer.unfreeze";
    static final String BLOCKS_ATTRIBUTE = "transfer.unfrozen.blocks";
    static final String BASE_BLOCKS_ATTRIBUTE = "transfer.base.blocks";
    static final String WARNING_ATTRIBUTE = "transfer.unfreeze.warning";

    public static final Relationship REL_SUCCESS = ProcessorSupport.success("The model with the chosen base layers trainable");
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "Not a model, an ONNX base, or a choice that matches no layer; transfer.error says why");

    public static final PropertyDescriptor STRATEGY = new PropertyDescriptor.Builder()
            .name("Strategy")
            .description("How the layers to train are chosen")
            .required(true)
            .allowableValues(Strategy.class)
            .defaultValue(Strategy.TOP_BLOCKS)
            .build();
    public static final PropertyDescriptor TOP_BLOCKS = new PropertyDescriptor.Builder()
            .name("Top Blocks")
            .description("How many of the base's last blocks to unfreeze. A block is a parameter name up to its first numeric segment "
                    + "('12' of '12.expand3x3.weight', 'features.12' of a whole torchvision model's 'features.12.expand3x3.weight'); "
                    + "transfer.base.blocks lists them. The default, 7, gained more than the top 2 on flowers with both SqueezeNet (7 of "
                    + "its 9 blocks) and MobileNetV2 (7 of 19); with MobileNetV2 alone, 12 gained 1.4 points more (docs/fine-tuning.md). "
                    + "A base with fewer blocks has every block unfrozen, with transfer.unfreeze.warning and a warning saying so")
            .required(true)
            .defaultValue("7")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .dependsOn(STRATEGY, Strategy.TOP_BLOCKS)
            .build();
    public static final PropertyDescriptor LAYER_NAME = new PropertyDescriptor.Builder()
            .name("Layer Name")
            .description("The first layer to train: a block ('12'), a layer ('12.expand1x1') or a parameter name; it and every "
                    + "parameter after it are unfrozen")
            .required(true)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .dependsOn(STRATEGY, Strategy.FROM_LAYER)
            .build();
    public static final PropertyDescriptor PATTERN = new PropertyDescriptor.Builder()
            .name("Name Pattern")
            .description("A regular expression found in the names of the parameters to unfreeze, e.g. '^12\\.' or 'expand3x3'")
            .required(true)
            .addValidator(StandardValidators.REGULAR_EXPRESSION_VALIDATOR)
            .dependsOn(STRATEGY, Strategy.PATTERN)
            .build();
    public static final PropertyDescriptor BATCH_NORM_STATISTICS = new PropertyDescriptor.Builder()
            .name("Update BatchNorm Statistics")
            .description("Let BatchNorm layers update their running mean and variance during fine-tuning. Off (the default) keeps "
                    + "the base in inference mode, so small fine-tuning batches do not wreck the pretrained statistics. A base traced in "
                    + "inference mode (torch.jit.trace after eval()) has its statistics fixed in its code: then this has no effect, and "
                    + "transfer.unfreeze.warning and a warning say so.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();
    public static final PropertyDescriptor WORK_DIRECTORY = TrainingSupport.WORK_DIRECTORY;

    private static final List<PropertyDescriptor> PROPERTIES = List.of(STRATEGY, TOP_BLOCKS, LAYER_NAME, PATTERN, BATCH_NORM_STATISTICS,
            WORK_DIRECTORY);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE);

    public UnfreezeLayers() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    @Override
    void onFlowFile(final ProcessContext context, final ProcessSession session, final FlowFile received) {
        FlowFile flowFile = received;
        final UnfreezeSelector selector;
        try {
            final UnfreezeStrategy strategy = context.getProperty(STRATEGY).asAllowableValue(Strategy.class).core();
            final UnfreezeSelector.Builder builder = UnfreezeSelector.builder().setStrategy(strategy)
                    .optTrainBatchNormStatistics(context.getProperty(BATCH_NORM_STATISTICS).asBoolean());
            switch (strategy) {
                case TOP_BLOCKS -> builder.optTopBlocks(context.getProperty(TOP_BLOCKS).asInteger());
                case FROM_LAYER -> builder.optLayerName(context.getProperty(LAYER_NAME).getValue());
                case PATTERN -> builder.optPattern(context.getProperty(PATTERN).getValue());
                default -> {
                }
            }
            selector = builder.build();
        } catch (final IllegalArgumentException e) {
            ProcessorSupport.fail(session, getLogger(), flowFile, REL_FAILURE, e.getMessage(), e);
            return;
        }
        final ModelManifest[] result = new ModelManifest[1];
        final String[] warning = new String[1];
        final String workDirectory = context.getProperty(WORK_DIRECTORY).evaluateAttributeExpressions().getValue();
        flowFile = ProcessorSupport.rewrite(session, getLogger(), flowFile, REL_FAILURE, "unfreezing", (in, out) -> {
            final Path work = TrainingSupport.workDirectory(workDirectory);
            try {
                result[0] = ModelPackage.copyWithManifest(in, out, original -> {
                    final ModelManifest manifest = original.manifest();
                    try {
                        FineTuner.checkTrainable(manifest);
                    } catch (final BaseModelException e) {
                        throw new IllegalArgumentException(e.getMessage(), e);
                    }
                    final List<ParameterInfo> chosen = selector.apply(manifest.baseParameters());
                    warning[0] = warning(selector, manifest, original);
                    return manifest.withBaseParameters(chosen, selector.isTrainBatchNormStatistics(), selector.describe(manifest.baseParameters()));
                }, work);
            } finally {
                Folders.deleteQuietly(work);
            }
        });
        if (flowFile == null) {
            return;
        }
        final ModelManifest manifest = result[0];
        final List<String> layers = manifest.baseParameters().stream().filter(ParameterInfo::trainable).map(ParameterInfo::layer)
                .distinct().toList();
        final Map<String, String> attributes = new java.util.HashMap<>(TransferAttributes.forModel(manifest));
        attributes.put(TRAINABLE_ATTRIBUTE, String.valueOf(manifest.trainableBaseParameterCount()));
        attributes.put(LAYERS_ATTRIBUTE, String.join(",", layers));
        attributes.put(UNFREEZE_ATTRIBUTE, manifest.unfreeze());
        attributes.put(BLOCKS_ATTRIBUTE, String.join(",", UnfreezeSelector.trainableBlocks(manifest.baseParameters())));
        attributes.put(BASE_BLOCKS_ATTRIBUTE, String.join(",", UnfreezeSelector.blockNames(manifest.baseParameters())));
        if (warning[0] != null) {
            attributes.put(WARNING_ATTRIBUTE, warning[0]);
            getLogger().warn("{}: {}", flowFile, warning[0]);
        }
        flowFile = session.putAllAttributes(flowFile, attributes);
        session.getProvenanceReporter().modifyContent(flowFile, "Unfroze " + manifest.unfreeze() + ": " + layers.size() + " layers, "
                + manifest.trainableBaseParameterCount() + " parameters (" + layers.stream().collect(Collectors.joining(", ")) + ")");
        session.transfer(flowFile, REL_SUCCESS);
    }

    /** What the choice does not do in this base, for transfer.unfreeze.warning: blocks it lacks, statistics that cannot move. */
    private static String warning(final UnfreezeSelector selector, final ModelManifest manifest, final ModelPackage model) {
        final List<String> warnings = new java.util.ArrayList<>();
        final String blocks = selector.warningFor(manifest.baseParameters());
        if (blocks != null) {
            warnings.add(blocks);
        }
        if (selector.isTrainBatchNormStatistics() && TorchScriptCode.batchNormFixedToInference(model.baseFile())) {
            warnings.add("Update BatchNorm Statistics has no effect with this base: it was traced in inference mode (its code calls "
                    + "torch.batch_norm with training fixed to False), so its statistics stay as pretrained; export the base with "
                    + "torch.jit.script for them to update");
        }
        return warnings.isEmpty() ? null : String.join("; ", warnings);
    }
}
