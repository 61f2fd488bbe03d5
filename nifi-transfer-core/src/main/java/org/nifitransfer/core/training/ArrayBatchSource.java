package org.nifitransfer.core.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Random;

/** Batches of in-memory feature vectors, reshuffled every epoch with a seed (when shuffling). */
public final class ArrayBatchSource implements BatchSource {

    private final float[] features;
    private final int[] labels;
    private final int dimension;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;

    /**
     * @param features {@code n * dimension} floats
     * @param labels {@code n} labels
     */
    public ArrayBatchSource(final float[] features, final int[] labels, final int dimension, final int batchSize, final boolean shuffle,
                            final long seed) {
        if ((long) labels.length * dimension != features.length) {
            throw new IllegalArgumentException(labels.length + " labels do not match " + features.length + " features of dimension " + dimension);
        }
        this.features = features;
        this.labels = labels;
        this.dimension = dimension;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
    }

    @Override
    public void forEachBatch(final int epoch, final NDManager manager, final BatchHandler handler) throws IOException {
        final int count = labels.length;
        final int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        if (shuffle) {
            final Random random = new Random(seed * 1_000_003L + epoch);
            for (int i = count - 1; i > 0; i--) {
                final int j = random.nextInt(i + 1);
                final int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        final float[] data = new float[batchSize * dimension];
        final long[] batchLabels = new long[batchSize];
        for (int start = 0; start < count; start += batchSize) {
            final int size = Math.min(batchSize, count - start);
            for (int i = 0; i < size; i++) {
                System.arraycopy(features, order[start + i] * dimension, data, i * dimension, dimension);
                batchLabels[i] = labels[order[start + i]];
            }
            try (NDManager scope = manager.newSubManager()) {
                handler.accept(scope.create(FloatBuffer.wrap(data, 0, size * dimension), new Shape(size, dimension)),
                        scope.create(java.util.Arrays.copyOf(batchLabels, size)));
            }
        }
    }
}
