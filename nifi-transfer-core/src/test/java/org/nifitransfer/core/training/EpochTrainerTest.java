package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EpochTrainerTest {

    @Test
    void correctPredictionsAreCountedAsTorchsArgMaxCountsThem() {
        final int rows = 64;
        final int classes = 5;
        final Random random = new Random(7);
        final float[] logits = new float[rows * classes];
        final long[] labels = new long[rows];
        for (int i = 0; i < logits.length; i++) {
            // few distinct values, so that many rows hold ties
            logits[i] = random.nextInt(3);
        }
        logits[3] = Float.NaN;
        logits[7] = Float.NaN;
        logits[9] = Float.NaN;
        logits[2 * classes] = Float.NaN;
        logits[3 * classes + 4] = Float.POSITIVE_INFINITY;
        logits[4 * classes + 1] = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < rows; i++) {
            labels[i] = random.nextInt(classes);
        }
        labels[0] = 3;
        labels[1] = 2;
        labels[2] = 0;
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            final NDArray predicted = manager.create(logits, new Shape(rows, classes)).argMax(1).toType(DataType.INT64, false);
            final long expected = predicted.eq(manager.create(labels)).countNonzero().getLong();
            assertEquals(expected, EpochTotals.countCorrect(logits, labels));
            // the first NaN of a row wins, wherever it is
            assertEquals(3, EpochTotals.countCorrect(Arrays.copyOf(logits, 3 * classes), new long[] {3, 2, 0}));
        }
    }
}
