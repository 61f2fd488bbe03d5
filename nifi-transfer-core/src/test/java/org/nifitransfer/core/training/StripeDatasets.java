package org.nifitransfer.core.training;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.TensorDatasetWriter;
import org.nifitransfer.core.image.RgbImage;

/** Learnable synthetic data for training tests: horizontal (class 0) vs vertical (class 1) stripes. */
public final class StripeDatasets {

    public static final List<String> CLASSES = List.of("horizontal", "vertical");

    private StripeDatasets() {
    }

    /** The fixture models folder (system property transfer.fixtures, set by the build). */
    public static Path fixture(final String name) {
        return Path.of(System.getProperty("transfer.fixtures", "../fixtures")).resolve("models").resolve(name);
    }

    /** One striped image: two random colours, stripe width 2..8, random offset. */
    public static RgbImage stripes(final int label, final int size, final Random random) {
        final RgbImage image = RgbImage.blank(size, size);
        final int[] background = {random.nextInt(256), random.nextInt(256), random.nextInt(256)};
        final int[] foreground = {random.nextInt(256), random.nextInt(256), random.nextInt(256)};
        final int width = 2 + random.nextInt(7);
        final int offset = random.nextInt(2 * width);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                final int position = (label == 0 ? y : x) + offset;
                final int[] colour = (position / width) % 2 == 0 ? foreground : background;
                for (int c = 0; c < 3; c++) {
                    image.set(x, y, c, colour[c]);
                }
            }
        }
        return image;
    }

    /** A tensor dataset of {@code perClass} images per class at {@code size}x{@code size}, [0,1] preset. */
    public static byte[] tensors(final String split, final int perClass, final int size, final long seed) {
        final Random random = new Random(seed);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final DatasetManifest manifest = DatasetManifest.of(DatasetKind.IMAGES, "run-1", split, CLASSES, null)
                .withTensor(DatasetManifest.TensorSpec.of(size, size, "STRETCH", "BILINEAR", NormalizationPreset.ZERO_ONE));
        try (TensorDatasetWriter writer = new TensorDatasetWriter(out, manifest)) {
            for (int label = 0; label < 2; label++) {
                for (int i = 0; i < perClass; i++) {
                    writer.add(stripes(label, size, random), label, CLASSES.get(label) + "/img" + i + ".png");
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
