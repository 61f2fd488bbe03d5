package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The header of every dataset: {@code dataset.json}, the first entry of the tar. It holds what is known
 * before the data is written (classes, split, run, tensor geometry, normalisation, augmentation); what is
 * known only after (counts, skipped files) is in the trailing {@link DatasetSummary}.
 *
 * @param format always {@value #FORMAT}
 * @param formatVersion {@value #FORMAT_VERSION}
 * @param kind images or tensors
 * @param runId the run this dataset belongs to, set by LoadImageFolder; joins correlate on it
 * @param split train, validation or test
 * @param classes the class names; a sample's label is its index here
 * @param source where the images came from
 * @param tensor the geometry and normalisation of a tensor dataset, absent for images
 * @param augmentation the augmentation recipe and mode, absent when none
 * @param features for feature datasets, what the features are and which base made them
 * @param shard which part of its split this dataset is, when LoadImageFolder emitted the split in several flowfiles;
 *              absent for a whole split (see {@link DatasetShards})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetManifest(String format, int formatVersion, DatasetKind kind, String runId, String split,
                              List<String> classes, Source source, TensorSpec tensor, Augmentation augmentation,
                              FeatureSpec features, Shard shard) {

    public static final String FORMAT = "nifi-transfer-dataset";
    public static final int FORMAT_VERSION = 1;

    public DatasetManifest {
        Objects.requireNonNull(kind, "kind");
        classes = classes == null ? List.of() : List.copyOf(classes);
    }

    /** A new manifest of the current format. */
    public static DatasetManifest of(final DatasetKind kind, final String runId, final String split, final List<String> classes,
                                     final Source source) {
        return new DatasetManifest(FORMAT, FORMAT_VERSION, kind, runId, split, classes, source, null, null, null, null);
    }

    /** This manifest for a tensor dataset with {@code spec}. */
    public DatasetManifest withTensor(final TensorSpec spec) {
        return new DatasetManifest(format, formatVersion, DatasetKind.TENSORS, runId, split, classes, source, spec, augmentation, null, shard);
    }

    /** This manifest with {@code value} as its augmentation (null for none). */
    public DatasetManifest withAugmentation(final Augmentation value) {
        return new DatasetManifest(format, formatVersion, kind, runId, split, classes, source, tensor, value, features, shard);
    }

    /** This manifest for a feature dataset with {@code spec}; the tensor section is kept (it says what the base saw). */
    public DatasetManifest withFeatures(final FeatureSpec spec) {
        return new DatasetManifest(format, formatVersion, DatasetKind.FEATURES, runId, split, classes, source, tensor, augmentation, spec,
                shard);
    }

    /** This manifest as part {@code value} of its split (null: the whole split). */
    public DatasetManifest withShard(final Shard value) {
        return new DatasetManifest(format, formatVersion, kind, runId, split, classes, source, tensor, augmentation, features, value);
    }

    /** Checks the fields a reader relies on. */
    public void validate() {
        if (!FORMAT.equals(format)) {
            throw new DatasetFormatException("dataset.json is not a " + FORMAT + " manifest (format: " + format + ")");
        }
        if (formatVersion > FORMAT_VERSION) {
            throw new DatasetFormatException("dataset format version " + formatVersion + " is newer than this reader ("
                    + FORMAT_VERSION + ")");
        }
        if (classes.isEmpty()) {
            throw new DatasetFormatException("dataset.json lists no classes");
        }
        if (kind == DatasetKind.TENSORS && tensor == null) {
            throw new DatasetFormatException("a tensor dataset's dataset.json has no 'tensor' section");
        }
        if (kind == DatasetKind.FEATURES && (features == null || features.dimension() < 1)) {
            throw new DatasetFormatException("a feature dataset's dataset.json has no valid 'features' section");
        }
        if (shard != null && (shard.count() < 1 || shard.index() < 0 || shard.index() >= shard.count() || shard.start() < 0)) {
            throw new DatasetFormatException("dataset.json's shard " + shard.index() + " of " + shard.count() + " (first image "
                    + shard.start() + ") is not a valid part of a split");
        }
    }

    /**
     * One part of a split that LoadImageFolder emitted in several flowfiles ("Images Per Shard"), as NiFi's fragment
     * attributes describe it.
     *
     * @param index the part's position, from 0 ({@code fragment.index})
     * @param count how many parts the split has ({@code fragment.count})
     * @param start the position in the split's listing of the part's first image (the images of part {@code index} follow
     *              those of every part before it); augmentation draws from it, so a shard's variants do not repeat another's
     */
    public record Shard(int index, int count, long start) {
    }

    /**
     * Where a dataset's images came from.
     *
     * @param directory the directory LoadImageFolder read
     * @param layout {@code split-folders} or {@code class-folders}
     * @param seed the seed of the split and sampling
     * @param splits every split LoadImageFolder emitted for this run, e.g. {@code [train, validation, test]}: a join
     *               that needs a split not listed here knows it will never come
     * @param origin how this split was made, e.g. {@code test/} or {@code carved from train/: 10% of each class}
     * @param droppedClasses classes left out of the run because they had no training images
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Source(String directory, String layout, Long seed, List<String> splits, String origin, List<DroppedClass> droppedClasses) {

        public Source {
            splits = splits == null ? List.of() : List.copyOf(splits);
            droppedClasses = droppedClasses == null ? List.of() : List.copyOf(droppedClasses);
        }

        /** A source with no split list, origin or dropped classes. */
        public Source(final String directory, final String layout, final Long seed) {
            this(directory, layout, seed, null, null, null);
        }
    }

    /**
     * A class found in the folder but left out of the run (LoadImageFolder's "Classes Without Training Images": Drop).
     *
     * @param name the class folder's name
     * @param images its usable images per split folder, e.g. {@code {validation=12, test=30}}
     * @param reason why it was dropped
     */
    public record DroppedClass(String name, Map<String, Integer> images, String reason) {

        public DroppedClass {
            images = images == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(images));
        }

        /** {@code roses (12 validation, 30 test images)}. */
        public String describe() {
            final StringBuilder text = new StringBuilder(name).append(" (");
            int i = 0;
            for (final Map.Entry<String, Integer> entry : images.entrySet()) {
                text.append(i++ == 0 ? "" : ", ").append(entry.getValue()).append(' ').append(entry.getKey());
            }
            return text.append(images.isEmpty() ? "no" : "").append(" images)").toString();
        }
    }

    /**
     * The geometry of a tensor dataset's stored pixels, and how to normalise them.
     *
     * @param height in pixels
     * @param width in pixels
     * @param channels always 3
     * @param layout of the stored arrays, {@code NHWC}
     * @param dtype of the stored arrays, {@code uint8}
     * @param colorOrder of the stored arrays, {@code RGB}
     * @param resizeMode how images were brought to this size
     * @param interpolation the resampling filter used
     * @param normalization applied when the pixels are read as floats (NCHW float32)
     */
    public record TensorSpec(int height, int width, int channels, String layout, String dtype, String colorOrder,
                             String resizeMode, String interpolation, NormalizationPreset normalization) {

        /** A spec for stored NHWC uint8 RGB pixels. */
        public static TensorSpec of(final int height, final int width, final String resizeMode, final String interpolation,
                                    final NormalizationPreset normalization) {
            return new TensorSpec(height, width, 3, "NHWC", "uint8", "RGB", resizeMode, interpolation, normalization);
        }

        /** {@code WIDTHxHEIGHT}, as the {@code transfer.image.size} attribute. */
        public String sizeText() {
            return width + "x" + height;
        }
    }

    /**
     * What a feature dataset's features are.
     *
     * @param dimension D, the length of each feature vector
     * @param pooling how the base's feature map was reduced: {@code avg}, {@code max} or {@code flatten}
     * @param base the base that computed them
     */
    public record FeatureSpec(int dimension, String pooling, BaseInfo base) {
    }

    /**
     * The identity of a pretrained base.
     *
     * @param name the file name or URL it was loaded from
     * @param engine {@code PyTorch} or {@code OnnxRuntime}
     * @param sha256 the SHA-256 of the base file
     * @param entry for a dataset or model that embeds the base file, its tar entry name
     * @param outputShape the shape of the base's output for one image, e.g. {@code [512, 13, 13]}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BaseInfo(String name, String engine, String sha256, String entry, long[] outputShape) {
    }

    /**
     * Augmentation that applies, or was applied, to this dataset.
     *
     * @param mode {@value #ON_THE_FLY} (the training processors draw new variants every epoch) or
     *             {@value #MATERIALIZED} (the variants are stored; nothing more to apply)
     * @param recipe the recipe, as {@code org.nifitransfer.core.augment.AugmentationRecipe} writes it
     * @param seed the random seed
     * @param variantsPerImage for materialised datasets, variants stored per source image
     * @param includesOriginals for materialised datasets, whether the unaugmented images are kept too
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Augmentation(String mode, com.fasterxml.jackson.databind.JsonNode recipe, long seed, Integer variantsPerImage,
                               Boolean includesOriginals) {

        public static final String ON_THE_FLY = "on-the-fly";
        public static final String MATERIALIZED = "materialized";

        /** True when training must still draw augmented variants. */
        public boolean isOnTheFly() {
            return ON_THE_FLY.equals(mode);
        }
    }
}
