package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrayBatchSourceTest {

    @Test
    void everyRowOnceAnEpochWithItsLabelInBatchesOfTheGivenSize() throws Exception {
        final int count = 10;
        final int dimension = 3;
        final float[] features = new float[count * dimension];
        final int[] labels = new int[count];
        for (int row = 0; row < count; row++) {
            labels[row] = row % 4;
            for (int d = 0; d < dimension; d++) {
                features[row * dimension + d] = row * 10 + d;
            }
        }
        final ArrayBatchSource source = new ArrayBatchSource(features, labels, dimension, 4, true, 42);
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            final List<Integer> sizes = new ArrayList<>();
            final List<Integer> seen = new ArrayList<>();
            source.forEachBatch(1, manager, (data, batchLabels) -> {
                final float[] values = data.toFloatArray();
                final long[] classes = batchLabels.toLongArray();
                sizes.add(classes.length);
                assertEquals(classes.length * dimension, values.length);
                for (int i = 0; i < classes.length; i++) {
                    final int row = (int) values[i * dimension] / 10;
                    assertArrayEquals(new float[] {row * 10, row * 10 + 1, row * 10 + 2}, new float[] {values[i * dimension],
                            values[i * dimension + 1], values[i * dimension + 2]});
                    assertEquals(labels[row], classes[i]);
                    seen.add(row);
                }
            });
            assertEquals(List.of(4, 4, 2), sizes);
            assertEquals(count, seen.stream().distinct().count());
            final List<Integer> again = new ArrayList<>();
            source.forEachBatch(1, manager, (data, batchLabels) -> {
                final float[] values = data.toFloatArray();
                for (int i = 0; i < values.length; i += dimension) {
                    again.add((int) values[i] / 10);
                }
            });
            assertEquals(seen, again, "the same epoch, the same order");
        }
    }
}
