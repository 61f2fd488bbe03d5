package org.nifitransfer.core.dataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trailer of every dataset: {@code summary.json}, the last entry of the tar. Counts and skipped files
 * are known only once the data is written, so they follow it.
 *
 * @param count the number of samples
 * @param classCounts samples per class, in class order (every class listed, zeros included)
 * @param skipped inputs left out and why
 */
public record DatasetSummary(long count, Map<String, Long> classCounts, List<SkippedFile> skipped) {

    public DatasetSummary {
        classCounts = classCounts == null ? Map.of() : new LinkedHashMap<>(classCounts);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    /** A file left out of a dataset, and why. */
    public record SkippedFile(String file, String reason) {
    }

    /** Counts samples per class while a dataset is written. */
    public static final class Counter {

        private final List<String> classes;
        private final long[] counts;
        private final List<SkippedFile> skipped = new ArrayList<>();

        public Counter(final List<String> classes) {
            this.classes = List.copyOf(classes);
            this.counts = new long[classes.size()];
        }

        /** Counts one sample of class {@code label}. */
        public void add(final int label) {
            if (label < 0 || label >= counts.length) {
                throw new IllegalArgumentException("label " + label + " is not one of the " + counts.length + " classes");
            }
            counts[label]++;
        }

        /** Records a skipped input. */
        public void skip(final String file, final String reason) {
            skipped.add(new SkippedFile(file, reason));
        }

        /** Records skipped inputs. */
        public void skipAll(final List<SkippedFile> files) {
            skipped.addAll(files);
        }

        public long total() {
            long total = 0;
            for (final long count : counts) {
                total += count;
            }
            return total;
        }

        /** The summary so far. */
        public DatasetSummary summary() {
            final Map<String, Long> byClass = new LinkedHashMap<>();
            for (int i = 0; i < classes.size(); i++) {
                byClass.put(classes.get(i), counts[i]);
            }
            return new DatasetSummary(total(), byClass, skipped);
        }
    }
}
