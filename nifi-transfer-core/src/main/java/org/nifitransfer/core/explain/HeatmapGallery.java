package org.nifitransfer.core.explain;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelRunner;

/**
 * The heatmap gallery of an evaluation: once every test image is predicted, the images {@link GallerySelection} picks
 * are read again from the test tensor dataset (a second pass that keeps only those), run through the base once more
 * for their feature maps, explained for the class the model predicted, and drawn as a captioned grid.
 */
public final class HeatmapGallery {

    private static final double OPACITY = 0.5;
    private static final int COLUMNS = 4;

    private HeatmapGallery() {
    }

    /**
     * A rendered gallery.
     *
     * @param png the grid
     * @param method CAM or Grad-CAM
     * @param layer the layer whose activations it weighs
     * @param images how many images it shows
     * @param seconds the time it took, second pass included
     */
    public record Result(byte[] png, ClassActivationMaps.Method method, String layer, int images, double seconds) {
    }

    /**
     * Renders the gallery of up to {@code count} images.
     *
     * @param testDataset opens the test tensor dataset again (the predictions are in its order)
     * @param predictions every test image's prediction, in dataset order
     * @param classes the model's class names
     */
    public static Result render(final ModelRunner runner, final Callable<InputStream> testDataset, final List<Prediction> predictions,
                                final List<String> classes, final int count) throws IOException, BaseModelException {
        if (predictions.isEmpty() || count < 1) {
            throw new IllegalArgumentException("A gallery needs at least one prediction and one place");
        }
        final long start = System.nanoTime();
        final List<Integer> chosen = GallerySelection.select(predictions, count, classes.size());
        final Map<Integer, RgbImage> images = new HashMap<>();
        try (InputStream in = open(testDataset); TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            int offset = 0;
            TensorShard shard;
            while ((shard = reader.nextShard()) != null && images.size() < chosen.size()) {
                for (final int index : chosen) {
                    if (index >= offset && index < offset + shard.count()) {
                        images.put(index, shard.image(index - offset));
                    }
                }
                offset += shard.count();
            }
        }
        final ModelManifest.InputSpec input = runner.getManifest().input();
        final int imageFloats = 3 * input.height() * input.width();
        final float[] batch = new float[chosen.size() * imageFloats];
        for (int i = 0; i < chosen.size(); i++) {
            input.normalization().normalize(images.get(chosen.get(i)).getData(), 0, 1, input.height(), input.width(), batch, i * imageFloats);
        }
        final ModelRunner.FeatureMaps features = runner.featureMaps(batch, chosen.size());
        final ClassActivationMaps maps = new ClassActivationMaps(runner);
        final List<GalleryPlot.Tile> tiles = new ArrayList<>();
        String layer = "";
        for (int i = 0; i < chosen.size(); i++) {
            final Prediction prediction = predictions.get(chosen.get(i));
            final int predicted = prediction.predictedLabel();
            final ClassActivationMaps.Explanation explanation = maps.explain(features, i, predicted);
            layer = explanation.layer();
            tiles.add(new GalleryPlot.Tile(Heatmaps.overlay(images.get(chosen.get(i)), explanation.map(), Colormap.INFERNO, OPACITY),
                    classes.get(prediction.trueLabel()), classes.get(predicted), prediction.probabilities()[predicted]));
        }
        final String title = String.format(Locale.ROOT, "%s of the predicted class on %s; most confidently wrong first", maps.method()
                .getDescription(), layer);
        final byte[] png = GalleryPlot.png(tiles, title, COLUMNS);
        return new Result(png, maps.method(), layer, tiles.size(), (System.nanoTime() - start) / 1e9);
    }

    private static InputStream open(final Callable<InputStream> source) throws IOException {
        try {
            return source.call();
        } catch (final IOException | RuntimeException e) {
            throw e;
        } catch (final Exception e) {
            throw new IOException("Cannot read the test dataset again: " + e.getMessage(), e);
        }
    }
}
