package org.nifitransfer.core.dataset;

import java.util.ArrayList;
import java.util.List;

/**
 * One shard of a feature dataset: {@code count} feature vectors of length {@code dimension}, their labels and
 * source names.
 *
 * @param count the number of samples
 * @param dimension D
 * @param features {@code count * dimension} floats, row-major
 * @param labels {@code count} class indices
 * @param files {@code count} source names
 */
public record FeatureShard(int count, int dimension, float[] features, int[] labels, List<String> files) {

    /** The shards' rows in order, copied once into one shard (for training, which needs every row in memory). */
    public static FeatureShard concat(final List<FeatureShard> shards, final int dimension) {
        final int count = shards.stream().mapToInt(FeatureShard::count).sum();
        final float[] features = new float[Math.multiplyExact(count, dimension)];
        final int[] labels = new int[count];
        final List<String> files = new ArrayList<>(count);
        int at = 0;
        for (final FeatureShard part : shards) {
            System.arraycopy(part.features(), 0, features, at * dimension, part.count() * dimension);
            System.arraycopy(part.labels(), 0, labels, at, part.count());
            files.addAll(part.files());
            at += part.count();
        }
        return new FeatureShard(count, dimension, features, labels, files);
    }
}
