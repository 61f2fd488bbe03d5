package org.nifitransfer.core.evaluate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How well a classifier did on a test split: accuracy, mean cross-entropy loss, the confusion matrix, per-class
 * precision, recall and F1 with their macro and weighted averages (as scikit-learn's {@code classification_report}),
 * and, for two classes, the ROC AUC.
 *
 * <p>Definitions:
 * <ul>
 *   <li>{@code accuracy}: the share of images whose {@link Prediction#predictedLabel() predicted label} is the true
 *       one.</li>
 *   <li>{@code loss}: the mean of {@code -ln p[true]}, with {@code p} clamped to {@code [1e-7, 1]} (Keras'
 *       epsilon) and a non-finite probability counted as {@code 1e-7}, so one confident mistake costs at most
 *       about 16.1.</li>
 *   <li>{@code confusionMatrix[t][p]}: the number of images of true class {@code t} predicted as class {@code p}
 *       (rows are true classes, columns predicted, as scikit-learn's {@code confusion_matrix}).</li>
 *   <li>{@code perClass}: {@link ClassScores} by class name in class order; every 0/0 (precision of a class never
 *       predicted, recall of a class with no images, F1 when both are 0) is defined as 0, as scikit-learn's
 *       {@code zero_division=0}.</li>
 *   <li>{@code macroAvg}: the unweighted mean over all classes of precision, recall and F1 (F1 is the mean of
 *       the per-class F1, not the F1 of the mean precision and recall); {@code weightedAvg}: the same weighted by
 *       support. Their {@code support} is the number of all images.</li>
 *   <li>{@code rocAuc}: only for exactly two classes, the area under the ROC curve of class index 1's probability
 *       with class 1 as the positive class, computed as the Mann–Whitney statistic: the chance that a random
 *       image of class 1 scores higher than a random image of class 0, ties counting 1/2. Absent (null) for more
 *       than two classes, and for two classes when the test split lacks one of them (it is then undefined).</li>
 * </ul>
 *
 * <p>JSON (stable field names, in this order; {@code rocAuc} is left out when absent):
 * <pre>
 * {"count": 4, "accuracy": 0.75, "loss": 0.41, "classes": ["cats", "dogs"], "confusionMatrix": [[2, 0], [1, 1]],
 *  "perClass": {"cats": {"precision": 0.667, "recall": 1.0, "f1": 0.8, "support": 2}, "dogs": {...}},
 *  "macroAvg": {"precision": .., "recall": .., "f1": .., "support": 4}, "weightedAvg": {...}, "rocAuc": 0.875}
 * </pre>
 *
 * <p>Compute from a list with {@link #compute(List, List)}, or stream any number of predictions through an
 * {@link Accumulator}.
 *
 * @param count the number of images
 * @param accuracy the share of correct predictions, 0..1
 * @param loss the mean cross-entropy
 * @param classes the class names, index order
 * @param confusionMatrix counts, rows true class, columns predicted class
 * @param perClass scores by class name, in class order
 * @param macroAvg the unweighted mean of the per-class scores
 * @param weightedAvg the support-weighted mean of the per-class scores
 * @param rocAuc the ROC AUC of class 1 for two classes, otherwise null
 */
@JsonPropertyOrder({"count", "accuracy", "loss", "classes", "confusionMatrix", "perClass", "macroAvg", "weightedAvg",
        "rocAuc"})
public record ClassificationMetrics(long count, double accuracy, double loss, List<String> classes, long[][] confusionMatrix,
                                    Map<String, ClassScores> perClass, ClassScores macroAvg, ClassScores weightedAvg,
                                    @JsonInclude(JsonInclude.Include.NON_NULL) Double rocAuc) {

    /** The smallest probability the loss takes the logarithm of, as Keras' {@code epsilon()}. */
    public static final double PROBABILITY_FLOOR = 1e-7;

    private static final ObjectMapper OBJECT_MAPPER = new ObjectMapper();

    public ClassificationMetrics {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(confusionMatrix, "confusionMatrix");
        Objects.requireNonNull(perClass, "perClass");
        classes = List.copyOf(classes);
        confusionMatrix = copy(confusionMatrix);
        perClass = Collections.unmodifiableMap(new LinkedHashMap<>(perClass));
    }

    /**
     * Computes the metrics of a list of predictions.
     *
     * @param classes the class names, index order; unique
     * @param predictions at least one; each with one probability per class
     * @throws IllegalArgumentException if there are no predictions or one does not fit the classes
     */
    public static ClassificationMetrics compute(final List<String> classes, final List<Prediction> predictions) {
        final Accumulator accumulator = new Accumulator(classes);
        for (final Prediction prediction : predictions) {
            accumulator.add(prediction);
        }
        if (accumulator.count() == 0) {
            throw new IllegalArgumentException("No predictions to compute metrics of");
        }
        return accumulator.result();
    }

    /** Reads metrics written by {@link #toJson()}; fields added beside them (Evaluate's {@code droppedClasses}) are ignored. */
    public static ClassificationMetrics fromJson(final String json) {
        try {
            return OBJECT_MAPPER.readerFor(ClassificationMetrics.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json);
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException("Not classification metrics JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The metrics as one line of JSON; see the class description for the fields. */
    public String toJson() {
        try {
            return OBJECT_MAPPER.writeValueAsString(this);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of the confusion matrix, rows true class, columns predicted class. */
    @Override
    public long[][] confusionMatrix() {
        return copy(confusionMatrix);
    }

    /** The number of images of true class {@code trueLabel} predicted as {@code predictedLabel}. */
    public long confusion(final int trueLabel, final int predictedLabel) {
        return confusionMatrix[trueLabel][predictedLabel];
    }

    @Override
    public boolean equals(final Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof ClassificationMetrics that)) {
            return false;
        }
        return count == that.count
                && Double.compare(accuracy, that.accuracy) == 0
                && Double.compare(loss, that.loss) == 0
                && classes.equals(that.classes)
                && Arrays.deepEquals(confusionMatrix, that.confusionMatrix)
                && perClass.equals(that.perClass)
                && macroAvg.equals(that.macroAvg)
                && weightedAvg.equals(that.weightedAvg)
                && Objects.equals(rocAuc, that.rocAuc);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, accuracy, loss, classes, Arrays.deepHashCode(confusionMatrix), perClass, macroAvg,
                weightedAvg, rocAuc);
    }

    @Override
    public String toString() {
        return toJson();
    }

    private static long[][] copy(final long[][] matrix) {
        final long[][] copy = new long[matrix.length][];
        for (int row = 0; row < matrix.length; row++) {
            copy[row] = matrix[row].clone();
        }
        return copy;
    }

    /**
     * Collects predictions one at a time, so a caller can evaluate any number of images without holding them.
     *
     * <p>Memory: the confusion matrix ({@code 8 × classes²} bytes) and a few sums; for exactly two classes, also
     * every image's class-1 probability and true label packed in one {@code long}, 8 bytes per image (200 KB for
     * 25,000 images; the backing array grows by half when full), because the rank statistic behind the ROC AUC
     * needs them all. Not thread-safe.
     */
    public static final class Accumulator {

        private static final int INITIAL_SCORE_CAPACITY = 1024;

        private final List<String> classes;
        private final long[][] confusionMatrix;
        private long count;
        private long correct;
        private double lossSum;
        private long[] scores;
        private int scoreCount;

        /**
         * An empty accumulator.
         *
         * @param classes the class names, index order; at least one, unique
         */
        public Accumulator(final List<String> classes) {
            Objects.requireNonNull(classes, "classes");
            if (classes.isEmpty()) {
                throw new IllegalArgumentException("Metrics need at least one class");
            }
            if (new HashSet<>(classes).size() != classes.size()) {
                throw new IllegalArgumentException("Class names must be unique: " + classes);
            }
            this.classes = List.copyOf(classes);
            this.confusionMatrix = new long[classes.size()][classes.size()];
            this.scores = classes.size() == 2 ? new long[INITIAL_SCORE_CAPACITY] : null;
        }

        /**
         * Counts one prediction.
         *
         * @throws IllegalArgumentException if it has not one probability per class or its true label is no class
         */
        public Accumulator add(final Prediction prediction) {
            final float[] probabilities = prediction.probabilities();
            if (probabilities.length != classes.size()) {
                throw new IllegalArgumentException("Prediction for " + prediction.file() + " has " + probabilities.length
                        + " probabilities but there are " + classes.size() + " classes");
            }
            final int trueLabel = prediction.trueLabel();
            if (trueLabel < 0 || trueLabel >= classes.size()) {
                throw new IllegalArgumentException("Prediction for " + prediction.file() + " has true label " + trueLabel
                        + ", not one of the " + classes.size() + " classes");
            }
            final int predictedLabel = prediction.predictedLabel();
            confusionMatrix[trueLabel][predictedLabel]++;
            count++;
            if (predictedLabel == trueLabel) {
                correct++;
            }
            lossSum -= Math.log(clamp(probabilities[trueLabel]));
            if (scores != null) {
                addScore(probabilities[1], trueLabel);
            }
            return this;
        }

        /** The number of predictions added so far. */
        public long count() {
            return count;
        }

        /**
         * The metrics of the predictions added so far; the accumulator stays usable.
         *
         * @throws IllegalStateException if none were added
         */
        public ClassificationMetrics result() {
            if (count == 0) {
                throw new IllegalStateException("No predictions were added");
            }
            final int classCount = classes.size();
            final Map<String, ClassScores> perClass = new LinkedHashMap<>();
            double macroPrecision = 0;
            double macroRecall = 0;
            double macroF1 = 0;
            double weightedPrecision = 0;
            double weightedRecall = 0;
            double weightedF1 = 0;
            for (int label = 0; label < classCount; label++) {
                long support = 0;
                long predicted = 0;
                for (int other = 0; other < classCount; other++) {
                    support += confusionMatrix[label][other];
                    predicted += confusionMatrix[other][label];
                }
                final ClassScores scores = ClassScores.of(confusionMatrix[label][label], predicted, support);
                perClass.put(classes.get(label), scores);
                macroPrecision += scores.precision();
                macroRecall += scores.recall();
                macroF1 += scores.f1();
                weightedPrecision += scores.precision() * support;
                weightedRecall += scores.recall() * support;
                weightedF1 += scores.f1() * support;
            }
            final ClassScores macroAvg = new ClassScores(macroPrecision / classCount, macroRecall / classCount,
                    macroF1 / classCount, count);
            final ClassScores weightedAvg = new ClassScores(weightedPrecision / count, weightedRecall / count,
                    weightedF1 / count, count);
            return new ClassificationMetrics(count, (double) correct / count, lossSum / count, classes, confusionMatrix,
                    perClass, macroAvg, weightedAvg, scores == null ? null : rocAuc());
        }

        private static double clamp(final float probability) {
            if (!Float.isFinite(probability)) {
                return PROBABILITY_FLOOR;
            }
            return Math.min(1, Math.max(PROBABILITY_FLOOR, probability));
        }

        /**
         * Packs a probability and a 0/1 label so that sorting the longs sorts by probability: the bits of a
         * non-negative float order as the float does.
         */
        private void addScore(final float probability, final int label) {
            final float score = probability > 0 ? probability : 0f;
            if (scoreCount == scores.length) {
                scores = Arrays.copyOf(scores, scores.length + (scores.length >> 1));
            }
            scores[scoreCount++] = ((long) Float.floatToIntBits(score) << 1) | label;
        }

        /** The Mann–Whitney U of the positives over the product of the class sizes, with mid-ranks for ties. */
        private Double rocAuc() {
            final long positives = confusionMatrix[1][0] + confusionMatrix[1][1];
            final long negatives = count - positives;
            if (positives == 0 || negatives == 0) {
                return null;
            }
            final long[] sorted = Arrays.copyOf(scores, scoreCount);
            Arrays.sort(sorted);
            double positiveRankSum = 0;
            int start = 0;
            while (start < sorted.length) {
                final long bits = sorted[start] >>> 1;
                int end = start;
                long tiedPositives = 0;
                while (end < sorted.length && sorted[end] >>> 1 == bits) {
                    tiedPositives += sorted[end] & 1;
                    end++;
                }
                // ranks start + 1 .. end share their mean
                final double midRank = (start + 1 + end) / 2.0;
                positiveRankSum += midRank * tiedPositives;
                start = end;
            }
            final double mannWhitneyU = positiveRankSum - positives * (positives + 1) / 2.0;
            return mannWhitneyU / ((double) positives * negatives);
        }
    }
}
