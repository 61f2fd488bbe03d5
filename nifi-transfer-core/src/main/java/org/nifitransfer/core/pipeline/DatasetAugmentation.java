package org.nifitransfer.core.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetCopier;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetSummary;
import org.nifitransfer.core.dataset.ImageDatasetReader;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorDatasetWriter;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.image.ImageDecodeException;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.PngEncoder;
import org.nifitransfer.core.image.RgbImage;

/**
 * Applies an augmentation recipe to a whole dataset: either attaches it for the training processors to
 * apply on the fly, or materialises {@code variants} augmented copies of every image.
 *
 * <p>Variant {@code v} of the {@code i}-th image (0-based, in dataset order) is drawn from
 * {@code new Random(variantSeed(seed, i, v))}, so a seed reproduces the same variants whatever reads them.
 */
public final class DatasetAugmentation {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AugmentationRecipe recipe;
    private final Augmenter augmenter;
    private final long seed;

    public DatasetAugmentation(final AugmentationRecipe recipe, final long seed) {
        this.recipe = recipe;
        this.augmenter = new Augmenter(recipe);
        this.seed = seed;
    }

    /** The seed of variant {@code variant} of image {@code index}: a SplitMix64 mix of the three. */
    public static long variantSeed(final long seed, final long index, final int variant) {
        long z = seed + 0x9E3779B97F4A7C15L * (index * 1_000_003L + variant + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The index of a dataset's first image in its split: 0 for a whole split, the shard's start for a part of one, so the
     * parts of a split draw what the whole split would have drawn for the same images.
     */
    private static long firstIndex(final DatasetManifest manifest) {
        return manifest.shard() == null ? 0 : manifest.shard().start();
    }

    /** The manifest section for this recipe in {@code mode}. */
    public DatasetManifest.Augmentation describe(final String mode, final Integer variants, final Boolean includesOriginals) {
        return new DatasetManifest.Augmentation(mode, MAPPER.valueToTree(recipe), seed, variants, includesOriginals);
    }

    /** Copies a dataset of either kind, attaching the recipe for on-the-fly augmentation. */
    public DatasetManifest attach(final InputStream in, final OutputStream out) throws IOException {
        return DatasetCopier.copyWithManifest(in, out,
                manifest -> manifest.withAugmentation(describe(DatasetManifest.Augmentation.ON_THE_FLY, null, null)));
    }

    /**
     * Materialises a tensor dataset: for every image, the original (when {@code includeOriginals}) then
     * {@code variants} augmented copies, each named {@code <file>#aug<v>}.
     */
    public TensorConverter.Result materializeTensors(final InputStream in, final OutputStream out, final int variants,
                                                     final boolean includeOriginals, final Cancellation cancellation) throws IOException {
        try (TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            final DatasetManifest manifest = reader.getManifest()
                    .withAugmentation(describe(DatasetManifest.Augmentation.MATERIALIZED, variants, includeOriginals));
            final TensorDatasetWriter writer = new TensorDatasetWriter(out, manifest);
            long index = firstIndex(manifest);
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                for (int i = 0; i < shard.count(); i++, index++) {
                    cancellation.check();
                    final RgbImage image = shard.image(i);
                    final String file = shard.files().get(i);
                    if (includeOriginals) {
                        writer.add(image, shard.labels()[i], file);
                    }
                    for (int v = 0; v < variants; v++) {
                        writer.add(augmenter.augment(image, new Random(variantSeed(seed, index, v))), shard.labels()[i], file + "#aug" + (v + 1));
                    }
                }
            }
            writer.skipAll(reader.getSummary().skipped());
            writer.close();
            return new TensorConverter.Result(manifest, writer.getSummary());
        }
    }

    /**
     * Materialises an image dataset: images are decoded at their own size, augmented, and stored as PNG
     * ({@code <file>.aug<v>.png}) next to the originals (kept as they were when {@code includeOriginals}).
     * Undecodable images are skipped and listed.
     */
    public TensorConverter.Result materializeImages(final InputStream in, final OutputStream out, final ImageDecoder decoder,
                                                    final int variants, final boolean includeOriginals,
                                                    final Cancellation cancellation) throws IOException {
        try (ImageDatasetReader reader = ImageDatasetReader.open(in)) {
            final DatasetManifest manifest = reader.getManifest()
                    .withAugmentation(describe(DatasetManifest.Augmentation.MATERIALIZED, variants, includeOriginals));
            final ImageDatasetWriter writer = new ImageDatasetWriter(out, manifest);
            long index = firstIndex(manifest);
            ImageDatasetReader.ImageEntry entry;
            while ((entry = reader.next()) != null) {
                cancellation.check();
                final RgbImage image;
                try {
                    image = decoder.decode(entry.content(), entry.relativePath());
                } catch (final ImageDecodeException e) {
                    writer.skip(entry.displayName(), e.getReason());
                    index++;
                    continue;
                }
                if (includeOriginals) {
                    writer.add(entry.label(), entry.relativePath(), entry.content());
                }
                for (int v = 0; v < variants; v++) {
                    final RgbImage variant = augmenter.augment(image, new Random(variantSeed(seed, index, v)));
                    writer.add(entry.label(), entry.relativePath() + ".aug" + (v + 1) + ".png", PngEncoder.encode(variant));
                }
                index++;
            }
            for (final DatasetSummary.SkippedFile skipped : reader.getSkipped()) {
                writer.skip(skipped.file(), skipped.reason());
            }
            writer.close();
            return new TensorConverter.Result(manifest, writer.getSummary());
        }
    }
}
