package org.nifitransfer.processors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.nifi.annotation.behavior.SideEffectFree;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.PropertyValue;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.io.StreamCallback;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.FillMode;
import org.nifitransfer.core.augment.WarpInterpolation;
import org.nifitransfer.core.dataset.DatasetCopier;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.pipeline.DatasetAugmentation;
import org.nifitransfer.core.pipeline.TensorConverter;

@SideEffectFree
@Tags({"image", "augmentation", "dataset", "deep learning", "transfer learning", "keras"})
@CapabilityDescription("Augments the training images of a dataset with the operations of Keras' ImageDataGenerator: rotation, shifts, "
        + "shear, zoom, flips and brightness. On the fly (the default), the dataset carries the recipe and the training processors "
        + "draw new variants every epoch; materialised, the variants are stored in the dataset. Splits not named in 'Splits To "
        + "Augment' pass through unchanged.")
@WritesAttributes({
    @WritesAttribute(attribute = TransferAttributes.AUGMENTATION, description = "none, on-the-fly or materialized"),
    @WritesAttribute(attribute = TransferAttributes.COUNT, description = "The number of images (with materialised variants)"),
    @WritesAttribute(attribute = TransferAttributes.ERROR, description = "On failure: why")
})
@SeeAlso({ResizeAndNormalize.class, LoadImageFolder.class})
@UseCase(description = "Augment training images as in Chollet's cats-vs-dogs example",
        configuration = """
                Keep "Mode" on "On The Fly". Set "Rotation Range" to 40, "Width Shift Range" and "Height Shift Range" to 0.2,
                "Shear Range" to 11, "Zoom Range" to 0.2 and "Horizontal Flip" to true (the defaults, but for shear).
                Put this processor after ResizeAndNormalize; the validation and test datasets pass through unchanged.
                """)
@UseCase(description = "Store five augmented copies of every training image",
        configuration = """
                Set "Mode" to "Materialize", "Variants Per Image" to 5 and "Include Originals" to true.
                """)
public class Augment extends DatasetProcessor {

    /** The Mode property's choices. */
    public enum Mode implements Choice {
        ON_THE_FLY, MATERIALIZE;

        @Override
        public AllowableValue allowable() {
            return switch (this) {
                case ON_THE_FLY -> new AllowableValue("on-the-fly", "On The Fly",
                        "The dataset carries the recipe; the training processors draw new random variants every epoch");
                case MATERIALIZE -> new AllowableValue("materialize", "Materialize",
                        "Store augmented copies of every image in the dataset");
            };
        }
    }

    /** The Fill Mode property's choices (Keras' names). */
    public enum Fill implements CoreChoice<FillMode> {
        NEAREST, REFLECT, WRAP, CONSTANT;

        @Override
        public FillMode core() {
            return FillMode.valueOf(name());
        }
    }

    /** The Interpolation property's choices. */
    public enum Sampling implements CoreChoice<WarpInterpolation> {
        NEAREST, BILINEAR;

        @Override
        public WarpInterpolation core() {
            return WarpInterpolation.valueOf(name());
        }
    }

    public static final Relationship REL_SUCCESS = ProcessorSupport.success(
            "The augmented dataset, or a dataset of another split passed through unchanged");
    public static final Relationship REL_FAILURE = ProcessorSupport.failure("Content that is not a dataset; transfer.error says why");

    public static final PropertyDescriptor MODE = new PropertyDescriptor.Builder()
            .name("Mode")
            .description("Whether augmentation happens during training or is stored now")
            .required(true)
            .allowableValues(Mode.class)
            .defaultValue(Mode.ON_THE_FLY)
            .build();
    public static final PropertyDescriptor VARIANTS = new PropertyDescriptor.Builder()
            .name("Variants Per Image")
            .description("How many augmented copies of each image are stored")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.createLongValidator(1, 1000, true))
            .dependsOn(MODE, Mode.MATERIALIZE)
            .build();
    public static final PropertyDescriptor INCLUDE_ORIGINALS = new PropertyDescriptor.Builder()
            .name("Include Originals")
            .description("Whether the unaugmented images are kept next to their variants")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .dependsOn(MODE, Mode.MATERIALIZE)
            .build();
    public static final PropertyDescriptor SPLITS = new PropertyDescriptor.Builder()
            .name("Splits To Augment")
            .description("Comma-separated splits to augment; datasets of other splits pass through unchanged. Augmenting "
                    + "validation or test data would make their metrics describe augmented images, not real ones.")
            .required(true)
            .defaultValue("train")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor ROTATION = rangeProperty("Rotation Range", "40",
            "Degrees: a number r rotates by an angle drawn in [-r, r]; 'min, max' gives the interval. Positive turns counter-clockwise.");
    public static final PropertyDescriptor WIDTH_SHIFT = rangeProperty("Width Shift Range", "0.2",
            "Fraction of the width: f shifts by a fraction drawn in [-f, f]; 'min, max' gives the interval");
    public static final PropertyDescriptor HEIGHT_SHIFT = rangeProperty("Height Shift Range", "0.2",
            "Fraction of the height: f shifts by a fraction drawn in [-f, f]; 'min, max' gives the interval");
    public static final PropertyDescriptor SHEAR = rangeProperty("Shear Range", "0",
            "Degrees, as Keras' shear_range: s shears by an angle drawn in [-s, s]; 'min, max' gives the interval");
    public static final PropertyDescriptor ZOOM = rangeProperty("Zoom Range", "0.2",
            "As Keras: z zooms by factors drawn in [1 - z, 1 + z] (width and height independently); 'low, high' gives the "
                    + "interval. Factors above 1 zoom out.");
    public static final PropertyDescriptor HORIZONTAL_FLIP = new PropertyDescriptor.Builder()
            .name("Horizontal Flip")
            .description("Mirror half of the images left-right, at random")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("true")
            .build();
    public static final PropertyDescriptor VERTICAL_FLIP = new PropertyDescriptor.Builder()
            .name("Vertical Flip")
            .description("Flip half of the images upside down, at random")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();
    public static final PropertyDescriptor BRIGHTNESS = new PropertyDescriptor.Builder()
            .name("Brightness Range")
            .description("'low, high': multiply brightness by a factor drawn in this interval (e.g. '0.8, 1.2'). Empty: unchanged.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor FILL_MODE = new PropertyDescriptor.Builder()
            .name("Fill Mode")
            .description("How points outside the image are filled after a rotation, shift, shear or zoom (as Keras)")
            .required(true)
            .allowableValues(Fill.class)
            .defaultValue(Fill.NEAREST)
            .build();
    public static final PropertyDescriptor FILL_VALUE = new PropertyDescriptor.Builder()
            .name("Fill Value")
            .description("The value (0..255, all channels) of points outside the image in constant fill mode")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.createLongValidator(0, 255, true))
            .dependsOn(FILL_MODE, Fill.CONSTANT)
            .build();
    public static final PropertyDescriptor INTERPOLATION = new PropertyDescriptor.Builder()
            .name("Interpolation")
            .description("How the warped image is sampled")
            .required(true)
            .allowableValues(Sampling.class)
            .defaultValue(Sampling.BILINEAR)
            .build();
    public static final PropertyDescriptor RANDOM_SEED = ProcessorSupport.randomSeed(
            "The seed of the random draws: the same seed and input give the same variants");

    private static final List<PropertyDescriptor> PROPERTIES = List.of(MODE, VARIANTS, INCLUDE_ORIGINALS, SPLITS, ROTATION,
            WIDTH_SHIFT, HEIGHT_SHIFT, SHEAR, ZOOM, HORIZONTAL_FLIP, VERTICAL_FLIP, BRIGHTNESS, FILL_MODE, FILL_VALUE, INTERPOLATION,
            RANDOM_SEED);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE);

    public Augment() {
        super(PROPERTIES, RELATIONSHIPS);
    }

    @Override
    void onFlowFile(final ProcessContext context, final ProcessSession session, final FlowFile received) {
        FlowFile flowFile = received;
        final DatasetManifest[] input = new DatasetManifest[1];
        try {
            session.read(flowFile, in -> input[0] = DatasetCopier.readManifest(in));
        } catch (final RuntimeException e) {
            final Throwable cause = ProcessorSupport.rootCause(e);
            ProcessorSupport.fail(session, getLogger(), flowFile, REL_FAILURE, ProcessorSupport.reason("augmentation", cause), cause);
            return;
        }
        final Set<String> splits = Arrays.stream(context.getProperty(SPLITS).getValue().split(","))
                .map(String::strip).filter(split -> !split.isEmpty()).collect(Collectors.toSet());
        if (!splits.contains(input[0].split())) {
            getLogger().debug("{} is the {} split, not one of {}: passed through unchanged", flowFile, input[0].split(), splits);
            session.transfer(flowFile, REL_SUCCESS);
            return;
        }
        if (input[0].augmentation() != null) {
            getLogger().warn("{} already carries {} augmentation; it is replaced by this recipe", flowFile, input[0].augmentation().mode());
        }

        final DatasetAugmentation augmentation = new DatasetAugmentation(recipe(context), context.getProperty(RANDOM_SEED).asLong());
        final boolean materialize = context.getProperty(MODE).asAllowableValue(Mode.class) == Mode.MATERIALIZE;
        final TensorConverter.Result[] result = new TensorConverter.Result[1];
        final StreamCallback work;
        if (!materialize) {
            work = (in, out) -> result[0] = new TensorConverter.Result(augmentation.attach(in, out), null);
        } else {
            final int variants = context.getProperty(VARIANTS).asInteger();
            final boolean originals = context.getProperty(INCLUDE_ORIGINALS).asBoolean();
            final ImageDecoder decoder = ImageDecoder.builder().build();
            work = (in, out) -> result[0] = input[0].kind() == DatasetKind.TENSORS
                    ? augmentation.materializeTensors(in, out, variants, originals, () -> !isScheduled())
                    : augmentation.materializeImages(in, out, decoder, variants, originals, () -> !isScheduled());
        }
        flowFile = ProcessorSupport.rewrite(session, getLogger(), flowFile, REL_FAILURE, "augmentation", work);
        if (flowFile == null) {
            return;
        }
        if (result[0].summary() != null) {
            flowFile = session.putAllAttributes(flowFile, TransferAttributes.forDataset(result[0].manifest(), result[0].summary()));
        } else {
            flowFile = session.putAttribute(flowFile, TransferAttributes.AUGMENTATION, result[0].manifest().augmentation().mode());
        }
        session.getProvenanceReporter().modifyContent(flowFile, materialize
                ? "Materialised augmentation: " + (result[0].summary() == null ? "" : result[0].summary().count() + " images, ")
                        + result[0].manifest().augmentation().recipe()
                : "Attached on-the-fly augmentation " + result[0].manifest().augmentation().recipe());
        session.transfer(flowFile, REL_SUCCESS);
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        try {
            recipe(context::getProperty);
        } catch (final IllegalArgumentException e) {
            results.add(new ValidationResult.Builder().subject("Augmentation").valid(false).explanation(e.getMessage()).build());
        }
        return results;
    }

    private static AugmentationRecipe recipe(final ProcessContext context) {
        return recipe(context::getProperty);
    }

    private static AugmentationRecipe recipe(final java.util.function.Function<PropertyDescriptor, PropertyValue> properties) {
        final AugmentationRecipe.Builder builder = AugmentationRecipe.builder();
        final double[] rotation = range(properties.apply(ROTATION).getValue(), ROTATION);
        builder.optRotationRange(rotation[0], rotation[1]);
        final double[] widthShift = range(properties.apply(WIDTH_SHIFT).getValue(), WIDTH_SHIFT);
        builder.optWidthShiftRange(widthShift[0], widthShift[1]);
        final double[] heightShift = range(properties.apply(HEIGHT_SHIFT).getValue(), HEIGHT_SHIFT);
        builder.optHeightShiftRange(heightShift[0], heightShift[1]);
        final double[] shear = range(properties.apply(SHEAR).getValue(), SHEAR);
        builder.optShearRange(shear[0], shear[1]);
        final String zoomText = properties.apply(ZOOM).getValue();
        if (zoomText.contains(",")) {
            final double[] zoom = range(zoomText, ZOOM);
            builder.optZoomRange(zoom[0], zoom[1]);
        } else {
            builder.optZoomRange(number(zoomText, ZOOM));
        }
        builder.optHorizontalFlip(properties.apply(HORIZONTAL_FLIP).asBoolean());
        builder.optVerticalFlip(properties.apply(VERTICAL_FLIP).asBoolean());
        final String brightness = properties.apply(BRIGHTNESS).getValue();
        if (brightness != null && !brightness.isBlank()) {
            if (!brightness.contains(",")) {
                throw new IllegalArgumentException("Brightness Range must be 'low, high', got '" + brightness + "'");
            }
            final double[] bounds = range(brightness, BRIGHTNESS);
            builder.optBrightnessRange(bounds[0], bounds[1]);
        }
        final FillMode fillMode = properties.apply(FILL_MODE).asAllowableValue(Fill.class).core();
        builder.optFillMode(fillMode);
        if (fillMode == FillMode.CONSTANT) {
            builder.optFillValue(properties.apply(FILL_VALUE).asInteger());
        }
        builder.optInterpolation(properties.apply(INTERPOLATION).asAllowableValue(Sampling.class).core());
        return builder.build();
    }

    /** 'r' means [-r, r]; 'min, max' means [min, max]. */
    private static double[] range(final String text, final PropertyDescriptor property) {
        final String[] parts = text.split(",");
        if (parts.length == 1) {
            final double extent = number(parts[0], property);
            if (extent < 0) {
                throw new IllegalArgumentException(property.getName() + " must not be negative, got " + extent
                        + " (use 'min, max' for an explicit interval)");
            }
            return new double[] {-extent, extent};
        }
        if (parts.length == 2) {
            return new double[] {number(parts[0], property), number(parts[1], property)};
        }
        throw new IllegalArgumentException(property.getName() + " must be a number or 'min, max', got '" + text + "'");
    }

    private static double number(final String text, final PropertyDescriptor property) {
        try {
            return Double.parseDouble(text.strip());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(property.getName() + ": '" + text.strip() + "' is not a number");
        }
    }

    private static PropertyDescriptor rangeProperty(final String name, final String defaultValue, final String description) {
        return new PropertyDescriptor.Builder()
                .name(name)
                .description(description + ". 0 disables it.")
                .required(true)
                .defaultValue(defaultValue)
                .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
                .build();
    }
}
