package org.nifitransfer.processors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.nifi.annotation.behavior.SideEffectFree;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.dataset.ChannelOrder;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.Interpolation;
import org.nifitransfer.core.image.ResizeMode;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.pipeline.TensorConverter;

@SideEffectFree
@Tags({"image", "resize", "normalize", "tensor", "dataset", "deep learning", "transfer learning"})
@CapabilityDescription("Turns an image dataset into a tensor dataset: decodes every image to RGB with its EXIF orientation applied and "
        + "brings it to the target size. The normalisation preset the base model expects travels with the data and is applied "
        + "when the training processors read it. Undecodable images are skipped and listed with the reason.")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.KIND, description = "tensor-dataset"),
    @WritesAttribute(attribute = TransferAttributes.IMAGE_SIZE, description = "WIDTHxHEIGHT of the stored images"),
    @WritesAttribute(attribute = TransferAttributes.PRESET, description = "The normalisation preset's name"),
    @WritesAttribute(attribute = TransferAttributes.COUNT, description = "The number of images"),
    @WritesAttribute(attribute = "transfer.count.<class>", description = "The number of images of each class"),
    @WritesAttribute(attribute = TransferAttributes.SKIPPED_COUNT, description = "Files left out, here or by LoadImageFolder"),
    @WritesAttribute(attribute = TransferAttributes.SKIPPED, description = "The files left out and why (JSON array, first 50)"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure: why")
})
@SeeAlso({LoadImageFolder.class, Augment.class})
@Stateful(scopes = Scope.LOCAL, description = "Progress of the dataset being processed: run id, split, images done of the total")
@UseCase(description = "Prepare images for a Caffe-trained base such as Keras' VGG16 or the SqueezeNet 1.1 weights",
        configuration = """
                Set "Target Width" and "Target Height" to 224 and "Normalization Preset" to "Caffe (BGR, mean-subtracted)".
                """)
@UseCase(description = "Prepare images for MobileNetV2 as in the TensorFlow transfer-learning tutorial",
        configuration = """
                Set "Target Width" and "Target Height" to 160 and "Normalization Preset" to "[-1, 1]".
                """)
public class ResizeAndNormalize extends DatasetProcessor {

    /** The Normalization Preset property's choices: the core's named presets, or Custom. */
    public enum Preset implements Choice {
        ZERO_ONE, MINUS_ONE_ONE, IMAGENET, CAFFE, CUSTOM;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case ZERO_ONE -> new AllowableValue("zero-one", "[0, 1]", "x / 255, RGB");
                case MINUS_ONE_ONE -> new AllowableValue("minus-one-one", "[-1, 1]",
                        "x / 127.5 - 1, RGB (MobileNetV2 and Inception in Keras)");
                case IMAGENET -> new AllowableValue("imagenet", "ImageNet Mean/Std (RGB)",
                        "(x / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225], RGB (torchvision models)");
                case CAFFE -> new AllowableValue("caffe", "Caffe (BGR, mean-subtracted)",
                        "BGR, x - [104, 117, 123], no scaling (Keras' VGG16 and ResNet50, Caffe-trained weights)");
                case CUSTOM -> new AllowableValue("custom", "Custom",
                        "(x / 255 - mean) / std with the mean, standard deviation and channel order given below");
            };
        }
    }

    /** The Resize Mode property's choices. */
    public enum Resize implements CoreChoice<ResizeMode> {
        STRETCH, SHORTER_SIDE_CENTER_CROP, PAD;

        @Override
        public ResizeMode core() {
            return ResizeMode.valueOf(name());
        }
    }

    /** The Interpolation property's choices. */
    public enum Sampling implements CoreChoice<Interpolation> {
        NEAREST, BILINEAR, BICUBIC, AREA, LANCZOS;

        @Override
        public Interpolation core() {
            return Interpolation.valueOf(name());
        }
    }

    /** The Custom Channel Order property's choices. */
    public enum Channels implements CoreChoice<ChannelOrder> {
        RGB, BGR;

        @Override
        public ChannelOrder core() {
            return ChannelOrder.valueOf(name());
        }
    }

    public static final Relationship REL_SUCCESS = ProcessorSupport.success("The tensor dataset");
    public static final Relationship REL_FAILURE = ProcessorSupport.failure(
            "Content that is not an image dataset, or a dataset with no decodable image; transfer.error says why");

    public static final PropertyDescriptor TARGET_WIDTH = new PropertyDescriptor.Builder()
            .name("Target Width")
            .description("The width of the stored images, in pixels")
            .required(true)
            .defaultValue("224")
            .addValidator(StandardValidators.createLongValidator(1, 4096, true))
            .build();
    public static final PropertyDescriptor TARGET_HEIGHT = new PropertyDescriptor.Builder()
            .name("Target Height")
            .description("The height of the stored images, in pixels")
            .required(true)
            .defaultValue("224")
            .addValidator(StandardValidators.createLongValidator(1, 4096, true))
            .build();
    public static final PropertyDescriptor RESIZE_MODE = new PropertyDescriptor.Builder()
            .name("Resize Mode")
            .description("How an image of another aspect ratio is brought to the target size")
            .required(true)
            .allowableValues(Resize.class)
            .defaultValue(Resize.STRETCH)
            .build();
    public static final PropertyDescriptor INTERPOLATION = new PropertyDescriptor.Builder()
            .name("Interpolation")
            .description("The resampling filter; all but nearest neighbour antialias when downscaling, as PIL does")
            .required(true)
            .allowableValues(Sampling.class)
            .defaultValue(Sampling.BILINEAR)
            .build();
    public static final PropertyDescriptor PRESET = new PropertyDescriptor.Builder()
            .name("Normalization Preset")
            .description("How pixels become the numbers the base model was trained on. It must match the base: Caffe-trained "
                    + "weights give nonsense with ImageNet mean/std and the other way round.")
            .required(true)
            .allowableValues(Preset.class)
            .defaultValue(Preset.IMAGENET)
            .build();
    public static final PropertyDescriptor CUSTOM_MEAN = new PropertyDescriptor.Builder()
            .name("Custom Mean")
            .description("Three comma-separated means in 0..1 units (as torchvision's Normalize), in the output channel order")
            .required(true)
            .defaultValue("0.5, 0.5, 0.5")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .dependsOn(PRESET, Preset.CUSTOM)
            .build();
    public static final PropertyDescriptor CUSTOM_STD = new PropertyDescriptor.Builder()
            .name("Custom Standard Deviation")
            .description("Three comma-separated standard deviations in 0..1 units, in the output channel order")
            .required(true)
            .defaultValue("0.5, 0.5, 0.5")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .dependsOn(PRESET, Preset.CUSTOM)
            .build();
    public static final PropertyDescriptor CUSTOM_CHANNEL_ORDER = new PropertyDescriptor.Builder()
            .name("Custom Channel Order")
            .description("The channel order of the normalised tensor")
            .required(true)
            .allowableValues(Channels.class)
            .defaultValue(Channels.RGB)
            .dependsOn(PRESET, Preset.CUSTOM)
            .build();
    public static final PropertyDescriptor THREADS = new PropertyDescriptor.Builder()
            .name("Decoding Threads")
            .description("Threads that decode and resize images in parallel; 0 means one per processor core")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .build();
    public static final PropertyDescriptor MAX_MEGAPIXELS = ProcessorSupport.MAX_MEGAPIXELS;

    private static final List<PropertyDescriptor> PROPERTIES = List.of(TARGET_WIDTH, TARGET_HEIGHT, RESIZE_MODE, INTERPOLATION,
            PRESET, CUSTOM_MEAN, CUSTOM_STD, CUSTOM_CHANNEL_ORDER, THREADS, MAX_MEGAPIXELS);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE);

    public ResizeAndNormalize() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    @Override
    void onFlowFile(final ProcessContext context, final ProcessSession session, final FlowFile received) {
        FlowFile flowFile = received;
        final TensorConverter converter = converter(context);
        final TensorConverter.Result[] result = new TensorConverter.Result[1];
        final Progress progress = new Progress(context.getStateManager(), getLogger(), flowFile.getAttribute(TransferAttributes.RUN_ID), "resize");
        final String split = Progress.part(flowFile);
        final String total = flowFile.getAttribute(TransferAttributes.COUNT);
        flowFile = ProcessorSupport.rewrite(session, getLogger(), flowFile, REL_FAILURE, "conversion", (in, out) -> {
            result[0] = converter.convert(in, out, () -> !isScheduled(), done -> progress.images(split, done, total, "working"));
            if (result[0].summary().count() == 0) {
                throw new NoUsableImagesException(result[0].summary().skipped().size());
            }
        }, failed -> result[0] == null ? failed : session.putAllAttributes(failed, Map.of(
                TransferAttributes.SKIPPED_COUNT, String.valueOf(result[0].summary().skipped().size()),
                TransferAttributes.SKIPPED, TransferAttributes.skippedText(result[0].summary().skipped()))));
        if (flowFile == null) {
            return;
        }
        progress.images(split, result[0].summary().count() + result[0].summary().skipped().size(), total, "done");
        flowFile = session.putAllAttributes(flowFile, TransferAttributes.forDataset(result[0].manifest(), result[0].summary()));
        flowFile = session.removeAttribute(flowFile, TransferAttributes.ERROR);
        session.getProvenanceReporter().modifyContent(flowFile, "Resized " + result[0].summary().count() + " images to "
                + result[0].manifest().tensor().sizeText() + " (" + result[0].manifest().tensor().resizeMode() + ", "
                + result[0].manifest().tensor().interpolation() + "), preset " + result[0].manifest().tensor().normalization().name());
        session.transfer(flowFile, REL_SUCCESS);
        if (!result[0].summary().skipped().isEmpty()) {
            getLogger().warn("{}: {} image(s) skipped: {}", flowFile, result[0].summary().skipped().size(),
                    result[0].summary().skipped().stream().limit(10).map(file -> file.file() + " (" + file.reason() + ")")
                            .collect(Collectors.joining(", ")));
        }
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        if (context.getProperty(PRESET).asAllowableValue(Preset.class) == Preset.CUSTOM) {
            try {
                customPreset(context.getProperty(CUSTOM_MEAN).getValue(), context.getProperty(CUSTOM_STD).getValue(),
                        context.getProperty(CUSTOM_CHANNEL_ORDER).asAllowableValue(Channels.class).core());
            } catch (final IllegalArgumentException e) {
                results.add(new ValidationResult.Builder().subject(PRESET.getName()).valid(false).explanation(e.getMessage()).build());
            }
        }
        return results;
    }

    private TensorConverter converter(final ProcessContext context) {
        final int threads = context.getProperty(THREADS).asInteger();
        final Resizer resizer = Resizer.builder()
                .setSize(context.getProperty(TARGET_WIDTH).asInteger(), context.getProperty(TARGET_HEIGHT).asInteger())
                .optMode(context.getProperty(RESIZE_MODE).asAllowableValue(Resize.class).core())
                .optInterpolation(context.getProperty(INTERPOLATION).asAllowableValue(Sampling.class).core())
                .build();
        return TensorConverter.builder()
                .setResizer(resizer)
                .setNormalization(preset(context))
                .optDecoder(ImageDecoder.builder().optMaxPixels(context.getProperty(MAX_MEGAPIXELS).asLong() * 1_000_000L).build())
                .optThreads(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads)
                .build();
    }

    private static NormalizationPreset preset(final ProcessContext context) {
        final Preset preset = context.getProperty(PRESET).asAllowableValue(Preset.class);
        if (preset == Preset.CUSTOM) {
            return customPreset(context.getProperty(CUSTOM_MEAN).getValue(), context.getProperty(CUSTOM_STD).getValue(),
                    context.getProperty(CUSTOM_CHANNEL_ORDER).asAllowableValue(Channels.class).core());
        }
        return NormalizationPreset.named(preset.getValue());
    }

    static NormalizationPreset customPreset(final String mean, final String std, final ChannelOrder order) {
        return NormalizationPreset.custom("custom", order, triple(mean, "mean"), triple(std, "standard deviation"));
    }

    private static double[] triple(final String text, final String what) {
        final String[] parts = text.split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException("Expected three comma-separated " + what + " values, got '" + text + "'");
        }
        final double[] values = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                values[i] = Double.parseDouble(parts[i].strip());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i].strip() + "' is not a number (" + what + ")");
            }
        }
        return values;
    }

    /** A dataset in which no image could be used. */
    static final class NoUsableImagesException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NoUsableImagesException(final int skipped) {
            super("no usable image in the dataset (" + skipped + " skipped; see transfer.skipped)");
        }
    }
}
