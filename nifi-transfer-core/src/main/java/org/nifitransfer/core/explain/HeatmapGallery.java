package org.nifitransfer.core.explain;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelRunner;

/**
 * The heatmap gallery of an evaluation. It watches the evaluation's pass through the test split
 * ({@link ModelRunner#predictAll} with this as its observer), keeping the predictions the gallery could still show
 * ({@link GalleryCandidates}) with their pictures and, for CAM, their maps, worked out from the feature maps of that
 * same pass. Once every image is predicted, {@link #render} picks the gallery ({@link GallerySelection}) and draws it
 * as a captioned grid. For Grad-CAM, the chosen images go through the base a second time for their gradients; CAM
 * needs no second pass. When the candidates' pictures would take more than {@value #MAX_KEPT_BYTES} bytes (many
 * classes, large images), only their maps are kept and the chosen pictures are read from the test split again.
 *
 * <pre>{@code
 * HeatmapGallery gallery = new HeatmapGallery(runner, classes, 16);
 * runner.predictAll(test, 32, metrics::add, Cancellation.NONE, done -> { }, gallery);
 * HeatmapGallery.Result result = gallery.render(() -> Files.newInputStream(testSplit));
 * }</pre>
 */
public final class HeatmapGallery implements ModelRunner.FeatureMapObserver {

    private static final double OPACITY = 0.5;
    private static final int COLUMNS = 4;
    /** The most the kept pictures may take: 64 MiB (about 450 images of 224 x 224). */
    static final long MAX_KEPT_BYTES = 64L << 20;

    /** What is kept of a candidate: its map (CAM) and its picture (when they fit), either may be null. */
    private record Kept(ActivationMap map, RgbImage image) {
    }

    private final ModelRunner runner;
    private final List<String> classes;
    private final ClassActivationMaps maps;
    private final GalleryCandidates<Kept> candidates;
    private final boolean keepImages;
    private String layer = "";
    private long observingNanos;

    /**
     * A rendered gallery.
     *
     * @param png the grid
     * @param method CAM or Grad-CAM
     * @param layer the layer whose activations it weighs
     * @param images how many images it shows
     * @param seconds the time it took: its share of the evaluation's pass, the second read of the test split and the drawing
     */
    public record Result(byte[] png, ClassActivationMaps.Method method, String layer, int images, double seconds) {
    }

    /** A gallery of up to {@code count} images for a model with {@code classes}. */
    public HeatmapGallery(final ModelRunner runner, final List<String> classes, final int count) {
        this(runner, classes, count, MAX_KEPT_BYTES);
    }

    /** A gallery that keeps the candidates' pictures only while they take at most {@code maxKeptBytes}. */
    HeatmapGallery(final ModelRunner runner, final List<String> classes, final int count, final long maxKeptBytes) {
        this.runner = runner;
        this.classes = List.copyOf(classes);
        this.maps = new ClassActivationMaps(runner);
        this.candidates = new GalleryCandidates<>(count, classes.size());
        final ModelManifest.InputSpec input = runner.getManifest().input();
        this.keepImages = (long) count * (classes.size() + 1) * 3 * input.height() * input.width() <= maxKeptBytes;
    }

    @Override
    public void observe(final long first, final List<Prediction> predictions, final ModelRunner.FeatureMaps features,
                        final IntFunction<RgbImage> images) {
        final long start = System.nanoTime();
        for (int i = 0; i < predictions.size(); i++) {
            final Prediction prediction = predictions.get(i);
            if (candidates.wouldKeep(first + i, prediction)) {
                ActivationMap map = null;
                if (maps.method() == ClassActivationMaps.Method.CAM) {
                    final ClassActivationMaps.Explanation explanation = maps.explain(features, i, prediction.predictedLabel());
                    map = explanation.map();
                    layer = explanation.layer();
                }
                candidates.offer(first + i, prediction, new Kept(map, keepImages ? images.apply(i) : null));
            }
        }
        observingNanos += System.nanoTime() - start;
    }

    /**
     * Draws the gallery of the predictions observed.
     *
     * @param testDataset opens the test tensor dataset again (the one whose predictions were observed), when the pictures
     *                    were too many to keep
     * @throws IllegalStateException when nothing was observed
     */
    public Result render(final Callable<InputStream> testDataset) throws IOException, BaseModelException {
        if (candidates.isEmpty()) {
            throw new IllegalStateException("A gallery needs at least one prediction");
        }
        final long start = System.nanoTime();
        final List<GalleryCandidates.Candidate<Kept>> chosen = candidates.chosen();
        final Map<Long, RgbImage> images = new HashMap<>();
        chosen.stream().filter(candidate -> candidate.explanation().image() != null)
                .forEach(candidate -> images.put(candidate.index(), candidate.explanation().image()));
        if (images.size() < chosen.size()) {
            readBack(testDataset, chosen, images);
        }
        final List<ActivationMap> explanations = maps.method() == ClassActivationMaps.Method.CAM
                ? chosen.stream().map(candidate -> candidate.explanation().map()).toList() : gradCams(chosen, images);
        final List<GalleryPlot.Tile> tiles = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            final Prediction prediction = chosen.get(i).prediction();
            final int predicted = prediction.predictedLabel();
            tiles.add(new GalleryPlot.Tile(Heatmaps.overlay(images.get(chosen.get(i).index()), explanations.get(i), Colormap.INFERNO, OPACITY),
                    prediction.trueLabel() < 0 ? "?" : classes.get(prediction.trueLabel()), classes.get(predicted),
                    prediction.probabilities()[predicted]));
        }
        final byte[] png = GalleryPlot.png(tiles, maps.method().getDescription() + " of the predicted class; most confidently wrong first",
                "on " + layer, COLUMNS);
        return new Result(png, maps.method(), layer, tiles.size(), (observingNanos + System.nanoTime() - start) / 1e9);
    }

    /** Reads the chosen pictures from the test dataset again, in one pass that keeps only those. */
    private static void readBack(final Callable<InputStream> testDataset, final List<GalleryCandidates.Candidate<Kept>> chosen,
                                 final Map<Long, RgbImage> images) throws IOException {
        try (InputStream in = open(testDataset); TensorDatasetReader reader = TensorDatasetReader.open(in)) {
            long offset = 0;
            TensorShard shard;
            while (images.size() < chosen.size() && (shard = reader.nextShard()) != null) {
                for (final GalleryCandidates.Candidate<Kept> candidate : chosen) {
                    if (candidate.index() >= offset && candidate.index() < offset + shard.count()) {
                        images.put(candidate.index(), shard.image((int) (candidate.index() - offset)));
                    }
                }
                offset += shard.count();
            }
        }
        if (images.size() < chosen.size()) {
            throw new IOException("The test dataset read again holds fewer images than were predicted");
        }
    }

    /** Grad-CAM maps of the chosen images: their feature maps from a second pass through the base, then gradients. */
    private List<ActivationMap> gradCams(final List<GalleryCandidates.Candidate<Kept>> chosen, final Map<Long, RgbImage> images)
            throws BaseModelException {
        final ModelManifest.InputSpec input = runner.getManifest().input();
        final int imageFloats = 3 * input.height() * input.width();
        final float[] batch = new float[chosen.size() * imageFloats];
        for (int i = 0; i < chosen.size(); i++) {
            input.normalization().normalize(images.get(chosen.get(i).index()).getData(), 0, 1, input.height(), input.width(), batch,
                    i * imageFloats);
        }
        final ModelRunner.FeatureMaps features = runner.featureMaps(batch, chosen.size());
        final List<ActivationMap> explained = new ArrayList<>();
        for (int i = 0; i < chosen.size(); i++) {
            final ClassActivationMaps.Explanation explanation = maps.explain(features, i, chosen.get(i).prediction().predictedLabel());
            layer = explanation.layer();
            explained.add(explanation.map());
        }
        return explained;
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
