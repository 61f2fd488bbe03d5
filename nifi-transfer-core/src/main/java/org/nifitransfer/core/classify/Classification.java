package org.nifitransfer.core.classify;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A model's answer for one image: the softmax probability of every class.
 *
 * @param classes the model's class names, index order
 * @param probabilities one per class
 */
public record Classification(List<String> classes, float[] probabilities) {

    public Classification {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(probabilities, "probabilities");
        if (classes.size() != probabilities.length) {
            throw new IllegalArgumentException(probabilities.length + " probabilities for " + classes.size() + " classes");
        }
    }

    /** One class and its probability. */
    public record Score(String className, float probability) {
    }

    /** The index of the most probable class (the first on ties, as Evaluate counts it). */
    public int best() {
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The most probable class. */
    public String bestClass() {
        return classes.get(best());
    }

    /** The probability of the most probable class. */
    public float confidence() {
        return probabilities[best()];
    }

    /** The {@code k} most probable classes, most probable first (all classes when {@code k} exceeds them). */
    public List<Score> top(final int k) {
        final List<Score> scores = new ArrayList<>(classes.size());
        for (int i = 0; i < classes.size(); i++) {
            scores.add(new Score(classes.get(i), probabilities[i]));
        }
        // stable: equal probabilities keep class order, so the first entry is always best()
        scores.sort(Comparator.comparingDouble((Score score) -> score.probability()).reversed());
        return List.copyOf(scores.subList(0, Math.min(Math.max(k, 1), scores.size())));
    }
}
