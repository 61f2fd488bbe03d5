package org.nifitransfer.core.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

class ClassificationMetricsTest {

    private static final ObjectMapper OBJECT_MAPPER = new ObjectMapper();
    private static final double TOLERANCE = 1e-9;
    private static final List<String> THREE_CLASSES = List.of("ants", "bees", "wasps");
    private static final List<String> TWO_CLASSES = List.of("cats", "dogs");

    /** A prediction of {@code predicted} with probability 0.6 and 0.2 for each of the other two classes. */
    private static Prediction threeClassPrediction(final int trueLabel, final int predicted) {
        final float[] probabilities = {0.2f, 0.2f, 0.2f};
        probabilities[predicted] = 0.6f;
        return new Prediction("image" + trueLabel + predicted, trueLabel, probabilities);
    }

    /**
     * Rows true class, columns predicted: ants [3, 1, 0], bees [1, 2, 1], wasps [0, 0, 2].
     * Column sums 4, 3, 3; supports 4, 4, 2; 7 of 10 correct.
     */
    private static List<Prediction> threeClassPredictions() {
        final long[][] matrix = {{3, 1, 0}, {1, 2, 1}, {0, 0, 2}};
        final List<Prediction> predictions = new ArrayList<>();
        for (int trueLabel = 0; trueLabel < 3; trueLabel++) {
            for (int predicted = 0; predicted < 3; predicted++) {
                for (int i = 0; i < matrix[trueLabel][predicted]; i++) {
                    predictions.add(threeClassPrediction(trueLabel, predicted));
                }
            }
        }
        return predictions;
    }

    private static Prediction binary(final int trueLabel, final float dogProbability) {
        return new Prediction("image.jpg", trueLabel, new float[] {1 - dogProbability, dogProbability});
    }

    private static void assertScores(final double precision, final double recall, final double f1, final long support,
                                     final ClassScores scores) {
        assertEquals(precision, scores.precision(), TOLERANCE, "precision");
        assertEquals(recall, scores.recall(), TOLERANCE, "recall");
        assertEquals(f1, scores.f1(), TOLERANCE, "f1");
        assertEquals(support, scores.support(), "support");
    }

    @Test
    void threeClassesMatchHandComputedReport() {
        final ClassificationMetrics metrics = ClassificationMetrics.compute(THREE_CLASSES, threeClassPredictions());

        assertEquals(10, metrics.count());
        assertEquals(0.7, metrics.accuracy(), TOLERANCE);
        assertEquals((7 * -Math.log(0.6f) + 3 * -Math.log(0.2f)) / 10, metrics.loss(), 1e-6);
        assertArrayEquals(new long[][] {{3, 1, 0}, {1, 2, 1}, {0, 0, 2}}, metrics.confusionMatrix());
        assertEquals(THREE_CLASSES, List.copyOf(metrics.perClass().keySet()));
        // ants: 3/4, 3/4; bees: 2/3, 2/4; wasps: 2/3, 2/2
        assertScores(0.75, 0.75, 0.75, 4, metrics.perClass().get("ants"));
        assertScores(2.0 / 3, 0.5, 4.0 / 7, 4, metrics.perClass().get("bees"));
        assertScores(2.0 / 3, 1.0, 0.8, 2, metrics.perClass().get("wasps"));
        assertScores((0.75 + 4.0 / 3) / 3, 0.75, (0.75 + 4.0 / 7 + 0.8) / 3, 10, metrics.macroAvg());
        assertScores(0.7, 0.7, (0.75 * 4 + 4.0 / 7 * 4 + 0.8 * 2) / 10, 10, metrics.weightedAvg());
        assertNull(metrics.rocAuc());
    }

    @Test
    void binaryAucIsMannWhitneyWithTiesCountingHalf() {
        // dogs score 0.9, 0.6, 0.4; cats score 0.6, 0.4, 0.2. Of the 9 (dog, cat) pairs the dog scores higher in
        // 6 (0.9 beats all three, 0.6 beats 0.4 and 0.2, 0.4 beats 0.2) and ties in 2 (0.6/0.6, 0.4/0.4): 7/9.
        final List<Prediction> predictions = List.of(binary(1, 0.9f), binary(1, 0.6f), binary(1, 0.4f),
                binary(0, 0.6f), binary(0, 0.4f), binary(0, 0.2f));
        final ClassificationMetrics metrics = ClassificationMetrics.compute(TWO_CLASSES, predictions);

        assertEquals(7.0 / 9, metrics.rocAuc(), TOLERANCE);
        // predicted dogs: 0.9, 0.6 (true dogs) and 0.6 (a cat): rows cats [2, 1], dogs [1, 2]
        assertArrayEquals(new long[][] {{2, 1}, {1, 2}}, metrics.confusionMatrix());
        assertEquals(4.0 / 6, metrics.accuracy(), TOLERANCE);
    }

    @Test
    void allTiedScoresGiveAucOneHalf() {
        final List<Prediction> predictions = List.of(binary(1, 0.5f), binary(0, 0.5f), binary(0, 0.5f));
        assertEquals(0.5, ClassificationMetrics.compute(TWO_CLASSES, predictions).rocAuc(), TOLERANCE);
    }

    @Test
    void perfectPredictions() {
        final List<Prediction> predictions = List.of(binary(0, 0.0f), binary(0, 0.1f), binary(1, 0.8f), binary(1, 1.0f));
        final ClassificationMetrics metrics = ClassificationMetrics.compute(TWO_CLASSES, predictions);

        assertEquals(1.0, metrics.accuracy());
        assertEquals(1.0, metrics.rocAuc());
        assertScores(1, 1, 1, 2, metrics.perClass().get("cats"));
        assertScores(1, 1, 1, 2, metrics.perClass().get("dogs"));
        assertScores(1, 1, 1, 4, metrics.macroAvg());
        assertScores(1, 1, 1, 4, metrics.weightedAvg());
        assertEquals((-Math.log(0.9f) - Math.log(0.8f)) / 4, metrics.loss(), 1e-6);
    }

    @Test
    void allWrongPredictionsScoreZeroAndClampTheLoss() {
        // the two cats are certain dogs (probability 0 for cat: loss clamped to -ln 1e-7), the dogs 90% cats
        final List<Prediction> predictions = List.of(binary(0, 1.0f), binary(0, 1.0f), binary(1, 0.1f), binary(1, 0.1f));
        final ClassificationMetrics metrics = ClassificationMetrics.compute(TWO_CLASSES, predictions);

        assertEquals(0.0, metrics.accuracy());
        assertEquals(0.0, metrics.rocAuc());
        assertArrayEquals(new long[][] {{0, 2}, {2, 0}}, metrics.confusionMatrix());
        assertScores(0, 0, 0, 2, metrics.perClass().get("cats"));
        assertScores(0, 0, 0, 4, metrics.macroAvg());
        assertEquals((-2 * Math.log(1e-7) - 2 * Math.log(0.1f)) / 4, metrics.loss(), 1e-6);
    }

    @Test
    void zeroOverZeroIsZero() {
        // wasps never appear and are never predicted: precision, recall and F1 are 0 and count in the macro average
        final List<Prediction> predictions = List.of(threeClassPrediction(0, 0), threeClassPrediction(1, 1));
        final ClassificationMetrics metrics = ClassificationMetrics.compute(THREE_CLASSES, predictions);

        assertScores(0, 0, 0, 0, metrics.perClass().get("wasps"));
        assertScores(2.0 / 3, 2.0 / 3, 2.0 / 3, 2, metrics.macroAvg());
        assertScores(1, 1, 1, 2, metrics.weightedAvg());
    }

    @Test
    void aucIsAbsentWhenOneClassIsMissing() {
        final ClassificationMetrics metrics = ClassificationMetrics.compute(TWO_CLASSES, List.of(binary(1, 0.7f), binary(1, 0.2f)));
        assertNull(metrics.rocAuc());
        assertFalse(metrics.toJson().contains("rocAuc"));
    }

    @Test
    void accumulatorEqualsBatchAndBruteForceAuc() {
        final Random random = new Random(42);
        final List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            final int trueLabel = random.nextInt(4) == 0 ? 1 : 0;
            // scores on a coarse grid, so there are many ties, leaning towards the truth
            final float dogProbability = Math.min(20, random.nextInt(15) + trueLabel * 6) / 20f;
            predictions.add(binary(trueLabel, dogProbability));
        }
        final ClassificationMetrics.Accumulator accumulator = new ClassificationMetrics.Accumulator(TWO_CLASSES);
        final Iterator<Prediction> iterator = predictions.iterator();
        while (iterator.hasNext()) {
            accumulator.add(iterator.next());
        }
        final ClassificationMetrics streamed = accumulator.result();
        assertEquals(ClassificationMetrics.compute(TWO_CLASSES, predictions), streamed);
        assertEquals(3000, streamed.count());

        double wins = 0;
        long pairs = 0;
        for (final Prediction positive : predictions) {
            if (positive.trueLabel() != 1) {
                continue;
            }
            for (final Prediction negative : predictions) {
                if (negative.trueLabel() != 0) {
                    continue;
                }
                pairs++;
                final float difference = positive.probabilities()[1] - negative.probabilities()[1];
                wins += difference > 0 ? 1 : difference == 0 ? 0.5 : 0;
            }
        }
        assertEquals(wins / pairs, streamed.rocAuc(), 1e-12);
    }

    @Test
    void accumulatorEqualsBatchForThreeClasses() {
        final ClassificationMetrics.Accumulator accumulator = new ClassificationMetrics.Accumulator(THREE_CLASSES);
        for (final Prediction prediction : threeClassPredictions()) {
            accumulator.add(prediction);
        }
        assertEquals(ClassificationMetrics.compute(THREE_CLASSES, threeClassPredictions()), accumulator.result());
    }

    @Test
    void jsonHasStableFieldNamesAndReadsBack() throws Exception {
        final ClassificationMetrics binaryMetrics = ClassificationMetrics.compute(TWO_CLASSES,
                List.of(binary(0, 0.2f), binary(1, 0.7f), binary(1, 0.4f)));
        final JsonNode json = OBJECT_MAPPER.readTree(binaryMetrics.toJson());
        final List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("count", "accuracy", "loss", "classes", "confusionMatrix", "perClass", "macroAvg",
                "weightedAvg", "rocAuc"), fields);
        final List<String> scoreFields = new ArrayList<>();
        json.get("perClass").get("cats").fieldNames().forEachRemaining(scoreFields::add);
        assertEquals(List.of("precision", "recall", "f1", "support"), scoreFields);
        assertEquals(1, json.get("confusionMatrix").get(1).get(0).asLong());
        assertEquals(1.0, json.get("rocAuc").asDouble(), TOLERANCE);
        assertEquals(binaryMetrics, ClassificationMetrics.fromJson(binaryMetrics.toJson()));

        final ClassificationMetrics threeClassMetrics = ClassificationMetrics.compute(THREE_CLASSES, threeClassPredictions());
        assertFalse(OBJECT_MAPPER.readTree(threeClassMetrics.toJson()).has("rocAuc"));
        assertEquals(threeClassMetrics, ClassificationMetrics.fromJson(threeClassMetrics.toJson()));
    }

    @Test
    void confusionMatrixCannotBeChangedFromOutside() {
        final ClassificationMetrics metrics = ClassificationMetrics.compute(THREE_CLASSES, threeClassPredictions());
        metrics.confusionMatrix()[0][0] = 99;
        assertEquals(3, metrics.confusion(0, 0));
    }

    @Test
    void rejectsPredictionsThatDoNotFit() {
        final ClassificationMetrics.Accumulator accumulator = new ClassificationMetrics.Accumulator(THREE_CLASSES);
        final IllegalArgumentException wrongLength = assertThrows(IllegalArgumentException.class,
                () -> accumulator.add(binary(0, 0.5f)));
        assertTrue(wrongLength.getMessage().contains("image.jpg"));
        assertThrows(IllegalArgumentException.class,
                () -> accumulator.add(new Prediction("x", 3, new float[] {0.2f, 0.3f, 0.5f})));
        assertThrows(IllegalStateException.class, accumulator::result);
        assertThrows(IllegalArgumentException.class, () -> ClassificationMetrics.compute(THREE_CLASSES, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ClassificationMetrics.Accumulator(List.of("a", "a")));
    }
}
