package org.nifitransfer.core.dataset;

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
}
