package org.nifitransfer.core.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.nifitransfer.core.evaluate.Prediction;

/**
 * Which test images a gallery of heatmaps shows, in order: the most confidently wrong predictions first (the images a
 * user looks at before trusting a model), then the most confident correct ones of each class in turn, so every class
 * is seen right at least once when there is room.
 */
public final class GallerySelection {

    private GallerySelection() {
    }

    /**
     * Indices into {@code predictions}, at most {@code count}: up to {@code count} minus the room kept for correct ones
     * (half of {@code count}, or one per class when that is less) of the wrong ones by falling confidence, then correct
     * ones class by class by falling confidence, then whatever is left of either, most confident first.
     */
    public static List<Integer> select(final List<Prediction> predictions, final int count, final int classes) {
        if (count < 1) {
            return List.of();
        }
        final Comparator<Integer> confident = Comparator.comparingDouble((Integer index) -> confidence(predictions.get(index))).reversed();
        final List<Integer> wrong = new ArrayList<>();
        final List<List<Integer>> correct = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            correct.add(new ArrayList<>());
        }
        for (int i = 0; i < predictions.size(); i++) {
            final Prediction prediction = predictions.get(i);
            if (prediction.predictedLabel() == prediction.trueLabel()) {
                correct.get(prediction.trueLabel()).add(i);
            } else {
                wrong.add(i);
            }
        }
        wrong.sort(confident);
        correct.forEach(list -> list.sort(confident));
        final int correctRoom = Math.min(count / 2, classes);
        final Set<Integer> chosen = new LinkedHashSet<>(wrong.subList(0, Math.min(wrong.size(), count - correctRoom)));
        for (int round = 0; chosen.size() < count; round++) {
            boolean added = false;
            for (final List<Integer> ofClass : correct) {
                if (round < ofClass.size() && chosen.size() < count) {
                    chosen.add(ofClass.get(round));
                    added = true;
                }
            }
            if (!added) {
                break;
            }
        }
        for (final Integer index : wrong) {
            if (chosen.size() >= count) {
                break;
            }
            chosen.add(index);
        }
        return List.copyOf(chosen);
    }

    private static double confidence(final Prediction prediction) {
        return prediction.probabilities()[prediction.predictedLabel()];
    }
}
