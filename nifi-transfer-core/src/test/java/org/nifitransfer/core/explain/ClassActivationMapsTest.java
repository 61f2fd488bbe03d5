package org.nifitransfer.core.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.training.StripeDatasets;
import org.nifitransfer.core.training.StripeModels;

/** CAM and Grad-CAM on heads trained on stripes through the fixture base, the heatmaps, and the gallery's order. */
class ClassActivationMapsTest {

    private static final int SIZE = 32;

    @TempDir
    static Path work;

    private static ModelRunner linear;
    private static ModelRunner hidden;

    @BeforeAll
    static void train() throws Exception {
        final byte[] train = StripeDatasets.tensors("train", 80, SIZE, 1);
        final byte[] validation = StripeDatasets.tensors("validation", 40, SIZE, 2);
        linear = ModelRunner.open(model(train, validation, List.of(), "linear"), ai.djl.Device.cpu());
        hidden = ModelRunner.open(model(train, validation, List.of(8), "hidden"), ai.djl.Device.cpu());
    }

    private static ModelPackage model(final byte[] train, final byte[] validation, final List<Integer> layers, final String name)
            throws Exception {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StripeModels.writeHeadModel("tiny_base.pt", train, validation, bytes, layers);
        return ModelPackage.read(new ByteArrayInputStream(bytes.toByteArray()), java.nio.file.Files.createDirectories(work.resolve(name)));
    }

    @AfterAll
    static void close() {
        linear.close();
        hidden.close();
    }

    /** Vertical stripes (class 1) filling only one quadrant of a flat grey image. */
    private static RgbImage stripesIn(final int quadrant) {
        final RgbImage image = RgbImage.solid(SIZE, SIZE, 128, 128, 128);
        final int left = quadrant % 2 * SIZE / 2;
        final int top = quadrant / 2 * SIZE / 2;
        for (int y = top; y < top + SIZE / 2; y++) {
            for (int x = left; x < left + SIZE / 2; x++) {
                final int level = x / 3 % 2 == 0 ? 240 : 20;
                for (int c = 0; c < 3; c++) {
                    image.set(x, y, c, level);
                }
            }
        }
        return image;
    }

    private static ModelRunner.FeatureMaps features(final ModelRunner runner, final RgbImage image) throws Exception {
        final ModelManifest.InputSpec input = runner.getManifest().input();
        final float[] normalised = new float[3 * SIZE * SIZE];
        input.normalization().normalize(image.getData(), 0, 1, SIZE, SIZE, normalised, 0);
        return runner.featureMaps(normalised, 1);
    }

    @Test
    void theHeatmapOfStripesInOneQuadrantPeaksInThatQuadrant() throws Exception {
        final ClassActivationMaps maps = new ClassActivationMaps(linear);
        assertEquals(ClassActivationMaps.Method.CAM, maps.method(), "the default head is linear: CAM is exact");
        for (int quadrant = 0; quadrant < 4; quadrant++) {
            final ModelRunner.FeatureMaps features = features(linear, stripesIn(quadrant));
            final ClassActivationMaps.Explanation explanation = maps.explain(features, 0, 1);
            final ActivationMap map = explanation.map();
            final int peak = map.argmax();
            final int row = peak / map.width();
            final int column = peak % map.width();
            assertEquals(quadrant / 2, row * 2 / map.height(), "quadrant " + quadrant + ": peak at row " + row);
            assertEquals(quadrant % 2, column * 2 / map.width(), "quadrant " + quadrant + ": peak at column " + column);
            assertTrue(explanation.layer().contains("tiny_base.pt"), explanation.layer());
        }
    }

    @Test
    void gradCamEqualsCamForALinearHead() throws Exception {
        final ClassActivationMaps maps = new ClassActivationMaps(linear);
        final Random random = new Random(3);
        for (int label = 0; label < 2; label++) {
            final ModelRunner.FeatureMaps features = features(linear, StripeDatasets.stripes(label, SIZE, random));
            for (int classIndex = 0; classIndex < 2; classIndex++) {
                final ActivationMap cam = maps.cam(features, 0, classIndex).normalized();
                final ActivationMap gradCam = maps.gradCam(features, 0, classIndex).normalized();
                for (int i = 0; i < cam.values().length; i++) {
                    assertEquals(cam.values()[i], gradCam.values()[i], 1e-5, "class " + classIndex + " at " + i);
                }
            }
        }
    }

    @Test
    void aHeadWithHiddenLayersIsExplainedByGradCamAndStillFindsTheStripes() throws Exception {
        final ClassActivationMaps maps = new ClassActivationMaps(hidden);
        assertEquals(ClassActivationMaps.Method.GRAD_CAM, maps.method());
        assertThrows(IllegalStateException.class, () -> maps.cam(features(hidden, stripesIn(0)), 0, 1));
        final ActivationMap map = maps.explain(features(hidden, stripesIn(3)), 0, 1).map();
        final int peak = map.argmax();
        assertEquals(1, peak / map.width() * 2 / map.height());
        assertEquals(1, peak % map.width() * 2 / map.width());
    }

    @Test
    void anEvaluationsGalleryExplainsThePredictedClassOfTheChosenTestImagesFromTheEvaluationsOwnPass() throws Exception {
        final byte[] test = StripeDatasets.tensors("test", 10, SIZE, 9);
        for (final ModelRunner runner : List.of(linear, hidden)) {
            final HeatmapGallery gallery = new HeatmapGallery(runner, StripeDatasets.CLASSES, 6);
            final List<Prediction> predictions = new ArrayList<>();
            runner.predictAll(new ByteArrayInputStream(test), 8, predictions::add, org.nifitransfer.core.pipeline.Cancellation.NONE, done -> { },
                    gallery);
            final List<Prediction> plain = new ArrayList<>();
            runner.predictAll(new ByteArrayInputStream(test), 8, plain::add, org.nifitransfer.core.pipeline.Cancellation.NONE, done -> { });
            for (int i = 0; i < plain.size(); i++) {
                assertTrue(java.util.Arrays.equals(plain.get(i).probabilities(), predictions.get(i).probabilities()),
                        "watching the feature maps changes no probability: image " + i);
            }
            final HeatmapGallery.Result result = gallery.render(() -> new ByteArrayInputStream(test));
            assertEquals(6, result.images());
            assertEquals(runner == linear ? ClassActivationMaps.Method.CAM : ClassActivationMaps.Method.GRAD_CAM, result.method());
            assertTrue(result.layer().contains("16x8x8"), result.layer());
            final java.awt.image.BufferedImage png = ImageIO.read(new ByteArrayInputStream(result.png()));
            assertTrue(png.getWidth() >= 4 * SIZE && png.getHeight() > 2 * SIZE, png.getWidth() + "x" + png.getHeight());
            assertTrue(result.seconds() > 0);
        }
        final HeatmapGallery empty = new HeatmapGallery(linear, StripeDatasets.CLASSES, 6);
        assertThrows(IllegalStateException.class, () -> empty.render(() -> new ByteArrayInputStream(test)), "nothing observed");
    }

    @Test
    void aGalleryWhosePicturesAreTooManyToKeepReadsTheChosenOnesBackAndDrawsTheSame() throws Exception {
        final byte[] test = StripeDatasets.tensors("test", 10, SIZE, 9);
        final byte[][] drawn = new byte[2][];
        for (final long maxKeptBytes : new long[] {HeatmapGallery.MAX_KEPT_BYTES, 0}) {
            final HeatmapGallery gallery = new HeatmapGallery(linear, StripeDatasets.CLASSES, 6, maxKeptBytes);
            linear.predictAll(new ByteArrayInputStream(test), 8, prediction -> { }, org.nifitransfer.core.pipeline.Cancellation.NONE,
                    done -> { }, gallery);
            final boolean[] readBack = new boolean[1];
            drawn[maxKeptBytes == 0 ? 1 : 0] = gallery.render(() -> {
                readBack[0] = true;
                return new ByteArrayInputStream(test);
            }).png();
            assertEquals(maxKeptBytes == 0, readBack[0], "the test split is read again only when the pictures were not kept");
        }
        assertTrue(java.util.Arrays.equals(drawn[0], drawn[1]), "the same gallery either way");
        final HeatmapGallery tooShort = new HeatmapGallery(linear, StripeDatasets.CLASSES, 6, 0);
        linear.predictAll(new ByteArrayInputStream(test), 8, prediction -> { }, org.nifitransfer.core.pipeline.Cancellation.NONE,
                done -> { }, tooShort);
        assertThrows(java.io.IOException.class, () -> tooShort.render(() -> new ByteArrayInputStream(StripeDatasets.tensors("test", 1, SIZE, 9))),
                "a test split that shrank in between is an error, not a gallery of the wrong pictures");
    }

    @Test
    void theGalleryDrawsTheSameMapsAsASecondPassThroughTheBaseWould() throws Exception {
        final byte[] test = StripeDatasets.tensors("test", 6, SIZE, 4);
        final List<Prediction> predictions = new ArrayList<>();
        final List<ActivationMap> streamed = new ArrayList<>();
        final List<RgbImage> pictures = new ArrayList<>();
        final ClassActivationMaps maps = new ClassActivationMaps(linear);
        linear.predictAll(new ByteArrayInputStream(test), 5, predictions::add, org.nifitransfer.core.pipeline.Cancellation.NONE, done -> { },
                (first, batch, features, images) -> {
                    assertEquals(first, streamed.size(), "batches arrive in order");
                    for (int i = 0; i < batch.size(); i++) {
                        streamed.add(maps.cam(features, i, batch.get(i).predictedLabel()));
                        pictures.add(images.apply(i));
                    }
                });
        assertEquals(12, streamed.size());
        try (org.nifitransfer.core.dataset.TensorDatasetReader reader = org.nifitransfer.core.dataset.TensorDatasetReader.open(
                new ByteArrayInputStream(test))) {
            int index = 0;
            org.nifitransfer.core.dataset.TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                for (int i = 0; i < shard.count(); i++, index++) {
                    assertEquals(shard.image(i), pictures.get(index), "the observer sees image " + index + " as stored");
                    final ActivationMap again = maps.cam(features(linear, shard.image(i)), 0, predictions.get(index).predictedLabel());
                    for (int v = 0; v < again.values().length; v++) {
                        assertEquals(again.values()[v], streamed.get(index).values()[v], 1e-4 * (1 + Math.abs(again.values()[v])),
                                "image " + index + " at " + v);
                    }
                }
            }
        }
    }

    @Test
    void theCandidatesKeptWhileStreamingHoldEveryImageTheSelectionFromAllWouldPick() {
        final Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            final int classes = 1 + random.nextInt(5);
            final int count = 1 + random.nextInt(12);
            final int size = random.nextInt(60);
            final List<Prediction> predictions = new ArrayList<>();
            final GalleryCandidates<String> candidates = new GalleryCandidates<>(count, classes);
            for (int i = 0; i < size; i++) {
                final float[] probabilities = new float[classes];
                for (int c = 0; c < classes; c++) {
                    // few distinct values, so ties in confidence are common
                    probabilities[c] = random.nextInt(6) / 5f;
                }
                final Prediction prediction = new Prediction("f" + i, random.nextInt(classes), probabilities);
                predictions.add(prediction);
                candidates.offer(i, prediction, "map of " + i);
            }
            final List<Integer> expected = GallerySelection.select(predictions, count, classes);
            final List<Long> streamed = candidates.chosen().stream().map(GalleryCandidates.Candidate::index).toList();
            assertEquals(expected.stream().map(Integer::longValue).toList(), streamed, "trial " + trial);
            candidates.chosen().forEach(candidate -> assertEquals("map of " + candidate.index(), candidate.explanation()));
        }
    }

    @Test
    void theOverlayColoursTheHotPlacesAndKeepsTheImageSize() {
        final RgbImage image = RgbImage.solid(40, 20, 100, 100, 100);
        final ActivationMap map = new ActivationMap(2, 2, new float[] {0, 0, 0, 5});
        assertEquals(image, Heatmaps.overlay(image, map, Colormap.VIRIDIS, 0), "opacity 0 is the image");
        final RgbImage heat = Heatmaps.overlay(image, map, Colormap.INFERNO, 1);
        assertEquals(40, heat.getWidth());
        assertEquals(Colormap.INFERNO.rgb(1) >> 16 & 0xFF, heat.get(39, 19, 0), "the hot corner is inferno's brightest");
        assertEquals(Colormap.INFERNO.rgb(0) >> 16 & 0xFF, heat.get(0, 0, 0), "the cold corner its darkest");
        assertEquals(0xFDE725, Colormap.VIRIDIS.rgb(1));
        assertEquals(0x440154, Colormap.VIRIDIS.rgb(-3));
        assertThrows(IllegalArgumentException.class, () -> Heatmaps.overlay(image, map, Colormap.VIRIDIS, 1.5));
    }

    @Test
    void theGalleryShowsTheMostConfidentlyWrongFirstThenRightOnesOfEveryClass() throws Exception {
        final List<Prediction> predictions = new ArrayList<>();
        predictions.add(new Prediction("a/right-0.9", 0, new float[] {0.9f, 0.05f, 0.05f}));
        predictions.add(new Prediction("b/wrong-0.6", 1, new float[] {0.6f, 0.3f, 0.1f}));
        predictions.add(new Prediction("c/wrong-0.95", 2, new float[] {0.02f, 0.95f, 0.03f}));
        predictions.add(new Prediction("b/right-0.8", 1, new float[] {0.1f, 0.8f, 0.1f}));
        predictions.add(new Prediction("a/right-0.99", 0, new float[] {0.99f, 0.005f, 0.005f}));
        predictions.add(new Prediction("c/right-0.7", 2, new float[] {0.1f, 0.2f, 0.7f}));
        predictions.add(new Prediction("a/wrong-0.5", 0, new float[] {0.3f, 0.2f, 0.5f}));
        final List<String> names = new ArrayList<>();
        GallerySelection.select(predictions, 5, 3).forEach(index -> names.add(predictions.get(index).file()));
        // 5 places, 2 kept for right ones (half, at most one per class): the three wrong ones, then a and b's surest right
        assertEquals(List.of("c/wrong-0.95", "b/wrong-0.6", "a/wrong-0.5", "a/right-0.99", "b/right-0.8"), names);
        final List<String> roomy = new ArrayList<>();
        GallerySelection.select(predictions, 7, 3).forEach(index -> roomy.add(predictions.get(index).file()));
        assertEquals(List.of("c/wrong-0.95", "b/wrong-0.6", "a/wrong-0.5", "a/right-0.99", "b/right-0.8", "c/right-0.7", "a/right-0.9"), roomy);
        assertEquals(7, GallerySelection.select(predictions, 16, 3).size(), "never more than there are");
        assertEquals(List.of(), GallerySelection.select(predictions, 0, 3));

        final byte[] png = GalleryPlot.png(List.of(new GalleryPlot.Tile(RgbImage.solid(32, 32, 1, 2, 3), "a", "b", 0.9f),
                new GalleryPlot.Tile(RgbImage.solid(32, 32, 1, 2, 3), "a", "a", 0.8f)), "CAM", "on a layer", 4);
        final java.awt.image.BufferedImage drawn = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(drawn.getHeight() > GalleryPlot.SMALLEST && drawn.getWidth() > 2 * GalleryPlot.SMALLEST,
                "32-pixel tiles drawn enlarged, with their captions: " + drawn.getWidth() + "x" + drawn.getHeight());
    }
}
