package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.training.StripeDatasets;
import org.nifitransfer.core.training.StripeModels;

class TestTimeAugmentationTest {

    private static final int SIZE = 32;

    @TempDir
    static Path work;

    private static ModelRunner runner;

    @BeforeAll
    static void train() throws Exception {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StripeModels.writeHeadModel("tiny_base.pt", StripeDatasets.tensors("train", 40, SIZE, 1),
                StripeDatasets.tensors("validation", 20, SIZE, 2), bytes);
        runner = ModelRunner.open(ModelPackage.read(new ByteArrayInputStream(bytes.toByteArray()), work), ai.djl.Device.cpu());
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    @Test
    void mirroringReversesEveryRowOfEveryChannelOfEveryImage() {
        final float[] images = new float[2 * 3 * 2 * 4];
        for (int i = 0; i < images.length; i++) {
            images[i] = i;
        }
        final float[] flipped = TestTimeAugmentation.flipHorizontally(images, 2, 3, 2, 4);
        assertArrayEquals(new float[] {3, 2, 1, 0, 7, 6, 5, 4}, java.util.Arrays.copyOf(flipped, 8));
        assertArrayEquals(new float[] {47, 46, 45, 44}, java.util.Arrays.copyOfRange(flipped, 44, 48));
        assertArrayEquals(images, TestTimeAugmentation.flipHorizontally(flipped, 2, 3, 2, 4));
    }

    @Test
    void aFlipAveragesTheImagesAndTheirMirrorImagesProbabilities() throws Exception {
        final Random random = new Random(5);
        final int count = 3;
        final float[] images = new float[count * 3 * SIZE * SIZE];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat();
        }
        final float[] mirrored = TestTimeAugmentation.flipHorizontally(images, count, 3, SIZE, SIZE);
        try {
            final float[][] plain = runner.predict(images, count);
            final float[][] ofMirror = runner.predict(mirrored, count);
            runner.optTestTimeAugmentation(TestTimeAugmentation.HORIZONTAL_FLIP);
            final float[][] averaged = runner.predict(images.clone(), count);
            boolean differs = false;
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < plain[i].length; k++) {
                    assertEquals((plain[i][k] + ofMirror[i][k]) / 2, averaged[i][k], 1e-6);
                    differs |= Math.abs(plain[i][k] - ofMirror[i][k]) > 1e-4;
                }
            }
            assertTrue(differs, "random images and their mirror images are told apart, so the average is not a no-op");
            // an image that is its own mirror image gets its plain probabilities
            final float[] symmetric = images.clone();
            for (int row = 0; row < count * 3 * SIZE; row++) {
                for (int x = 0; x < SIZE / 2; x++) {
                    symmetric[row * SIZE + SIZE - 1 - x] = symmetric[row * SIZE + x];
                }
            }
            runner.optTestTimeAugmentation(TestTimeAugmentation.NONE);
            final float[][] symmetricPlain = runner.predict(symmetric, count);
            runner.optTestTimeAugmentation(TestTimeAugmentation.HORIZONTAL_FLIP);
            final float[][] symmetricAveraged = runner.predict(symmetric, count);
            for (int i = 0; i < count; i++) {
                assertArrayEquals(symmetricPlain[i], symmetricAveraged[i], 1e-6f);
            }
        } finally {
            runner.optTestTimeAugmentation(TestTimeAugmentation.NONE);
        }
    }

    @Test
    void anEvaluationWithAnObserverAveragesTheSameWayAndShowsTheMapsOfTheImagesAsTheyAre() throws Exception {
        final byte[] test = StripeDatasets.tensors("test", 6, SIZE, 9);
        final List<Prediction> plain = new ArrayList<>();
        final List<Prediction> averaged = new ArrayList<>();
        final List<Prediction> observed = new ArrayList<>();
        final List<Float> mapSums = new ArrayList<>();
        final List<Float> plainMapSums = new ArrayList<>();
        try {
            runner.predictAll(new ByteArrayInputStream(test), 4, plain::add, Cancellation.NONE, done -> { },
                    (first, predictions, maps, pixels) -> plainMapSums.add(sum(maps.values())));
            runner.optTestTimeAugmentation(TestTimeAugmentation.HORIZONTAL_FLIP);
            runner.predictAll(new ByteArrayInputStream(test), 4, averaged::add, Cancellation.NONE, done -> { });
            runner.predictAll(new ByteArrayInputStream(test), 4, observed::add, Cancellation.NONE, done -> { },
                    (first, predictions, maps, pixels) -> mapSums.add(sum(maps.values())));
        } finally {
            runner.optTestTimeAugmentation(TestTimeAugmentation.NONE);
        }
        assertEquals(12, averaged.size());
        boolean moved = false;
        for (int i = 0; i < averaged.size(); i++) {
            assertArrayEquals(averaged.get(i).probabilities(), observed.get(i).probabilities(), 1e-6f);
            moved |= Math.abs(averaged.get(i).probabilities()[0] - plain.get(i).probabilities()[0]) > 1e-6;
        }
        assertTrue(moved, "the averaged probabilities are not the plain ones");
        assertEquals(plainMapSums, mapSums, "the gallery sees the maps of the images as they are");
    }

    private static float sum(final float[] values) {
        float sum = 0;
        for (final float value : values) {
            sum += value;
        }
        return sum;
    }
}
