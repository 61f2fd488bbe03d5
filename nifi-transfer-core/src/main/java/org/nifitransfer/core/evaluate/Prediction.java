package org.nifitransfer.core.evaluate;

/**
 * The model's answer for one test image.
 *
 * @param file the image's name in its dataset ({@code class/path})
 * @param trueLabel the class index it belongs to, or {@link #UNKNOWN} for an image of no known class
 * @param probabilities the softmax probability of every class
 */
public record Prediction(String file, int trueLabel, float[] probabilities) {

    /** The true label of an image whose class is none of the model's. */
    public static final int UNKNOWN = -1;

    /** The class with the highest probability (the first on ties). */
    public int predictedLabel() {
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return best;
    }
}
