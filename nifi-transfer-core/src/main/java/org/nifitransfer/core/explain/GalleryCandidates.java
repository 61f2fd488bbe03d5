package org.nifitransfer.core.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.nifitransfer.core.evaluate.Prediction;

/**
 * The test images a gallery of {@code count} could still show while an evaluation streams its predictions: the
 * {@code count} most confidently wrong and the {@code count} most confidently right of each class. Those hold every image
 * {@link GallerySelection#select} picks from all the predictions, so a gallery keeps at most {@code count x (classes + 1)}
 * predictions, each with what explains it, however large the test split.
 *
 * @param <T> what is kept beside each prediction (its class activation map, say)
 */
final class GalleryCandidates<T> {

    /**
     * A kept prediction.
     *
     * @param index its place in the dataset
     * @param prediction the prediction
     * @param explanation what was kept with it
     */
    record Candidate<T>(long index, Prediction prediction, T explanation) {
    }

    /** Surest first, then earlier first: the order GallerySelection's stable sort by falling confidence gives. */
    private final Comparator<Candidate<T>> better = Comparator.comparingDouble((Candidate<T> candidate) -> confidence(candidate.prediction()))
            .reversed().thenComparingLong(Candidate::index);
    private final int count;
    private final TreeSet<Candidate<T>> wrong = new TreeSet<>(better);
    private final List<TreeSet<Candidate<T>>> right = new ArrayList<>();

    GalleryCandidates(final int count, final int classes) {
        if (count < 1) {
            throw new IllegalArgumentException("A gallery needs at least one place, got " + count);
        }
        this.count = count;
        for (int c = 0; c < classes; c++) {
            right.add(new TreeSet<>(better));
        }
    }

    /**
     * Whether a prediction at {@code index}, later than every one offered before, would be kept: worth working out its
     * explanation for.
     */
    boolean wouldKeep(final long index, final Prediction prediction) {
        final TreeSet<Candidate<T>> set = setOf(prediction);
        return set.size() < count || better.compare(new Candidate<>(index, prediction, null), set.last()) < 0;
    }

    /** Offers a prediction, in dataset order; the least sure of its set leaves when the set is full. */
    void offer(final long index, final Prediction prediction, final T explanation) {
        if (!wouldKeep(index, prediction)) {
            return;
        }
        final TreeSet<Candidate<T>> set = setOf(prediction);
        set.add(new Candidate<>(index, prediction, explanation));
        if (set.size() > count) {
            set.pollLast();
        }
    }

    /** Whether nothing was kept. */
    boolean isEmpty() {
        return wrong.isEmpty() && right.stream().allMatch(TreeSet::isEmpty);
    }

    /** The gallery's images in its order, as {@link GallerySelection#select} orders them among all the predictions. */
    List<Candidate<T>> chosen() {
        final List<Candidate<T>> kept = new ArrayList<>(wrong);
        right.forEach(kept::addAll);
        kept.sort(Comparator.comparingLong(Candidate::index));
        final List<Candidate<T>> chosen = new ArrayList<>();
        for (final int position : GallerySelection.select(kept.stream().map(Candidate::prediction).toList(), count, right.size())) {
            chosen.add(kept.get(position));
        }
        return chosen;
    }

    private TreeSet<Candidate<T>> setOf(final Prediction prediction) {
        final int label = prediction.trueLabel();
        return label == prediction.predictedLabel() && label >= 0 && label < right.size() ? right.get(label) : wrong;
    }

    private static double confidence(final Prediction prediction) {
        return prediction.probabilities()[prediction.predictedLabel()];
    }
}
