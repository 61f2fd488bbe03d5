package org.nifitransfer.core.evaluate;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Precision, recall and F1 of one class, or their macro or weighted average, as scikit-learn's
 * {@code classification_report} prints them.
 *
 * <p>JSON: {@code {"precision": 0.9, "recall": 0.8, "f1": 0.847, "support": 100}}.
 *
 * @param precision the share of the images predicted as the class that belong to it, 0..1 (0 when nothing was
 *                  predicted as the class)
 * @param recall the share of the class's images predicted as the class, 0..1 (0 when the class has no images)
 * @param f1 the harmonic mean of precision and recall (0 when both are 0)
 * @param support the number of images whose true class it is; for an average, the number of all images
 */
@JsonPropertyOrder({"precision", "recall", "f1", "support"})
public record ClassScores(double precision, double recall, double f1, long support) {

    /**
     * The scores of one class from its confusion-matrix counts; every 0/0 is defined as 0.
     *
     * @param truePositives images of the class predicted as the class
     * @param predicted images predicted as the class (the column sum)
     * @param support images of the class (the row sum)
     */
    public static ClassScores of(final long truePositives, final long predicted, final long support) {
        final double precision = ratio(truePositives, predicted);
        final double recall = ratio(truePositives, support);
        return new ClassScores(precision, recall, harmonicMean(precision, recall), support);
    }

    static double ratio(final double numerator, final double denominator) {
        return denominator == 0 ? 0 : numerator / denominator;
    }

    static double harmonicMean(final double precision, final double recall) {
        return ratio(2 * precision * recall, precision + recall);
    }
}
