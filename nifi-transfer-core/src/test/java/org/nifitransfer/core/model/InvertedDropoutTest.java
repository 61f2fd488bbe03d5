package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The head's dropout: Keras' and torch's inverted dropout, reproducible from the engine's seed. */
class InvertedDropoutTest {

    private static final int ROWS = 200;
    private static final int COLUMNS = 500;

    @Test
    void dropsTheRateAndScalesTheRestWhileTraining() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final InvertedDropout dropout = new InvertedDropout(0.2f);
            final float[] input = values();
            final float[] output = forward(manager, dropout, input, true, 7);
            int dropped = 0;
            for (int i = 0; i < input.length; i++) {
                if (output[i] == 0f) {
                    dropped++;
                } else {
                    assertEquals(input[i] / 0.8f, output[i], 1e-5f * Math.abs(input[i]) + 1e-6f, "element " + i);
                }
            }
            // 100,000 Bernoulli(0.2) draws: standard deviation 126, so +-1,000 is about 8 of them
            assertEquals(0.2 * input.length, dropped, 1_000, "dropped elements");
        }
    }

    @Test
    void theSameSeedDrawsTheSameMaskAndAnotherSeedAnotherOne() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final InvertedDropout dropout = new InvertedDropout(0.5f);
            final float[] input = values();
            final float[] first = forward(manager, dropout, input, true, 3);
            assertArrayEquals(first, forward(manager, dropout, input, true, 3));
            assertFalse(Arrays.equals(first, forward(manager, dropout, input, true, 4)));
        }
    }

    @Test
    void passesTheInputThroughAtInference() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final float[] input = values();
            assertArrayEquals(input, forward(manager, new InvertedDropout(0.5f), input, false, 1));
            assertArrayEquals(input, forward(manager, new InvertedDropout(0f), input, true, 1));
        }
    }

    @Test
    void theGradientIsTheScaledMask() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final InvertedDropout dropout = new InvertedDropout(0.25f);
            dropout.initialize(manager, DataType.FLOAT32, new Shape(ROWS, COLUMNS));
            final NDArray input = manager.create(values(), new Shape(ROWS, COLUMNS));
            input.setRequiresGradient(true);
            Engine.getEngine("PyTorch").setRandomSeed(5);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                final NDArray output = dropout.forward(new ParameterStore(manager, false), new NDList(input), true).singletonOrThrow();
                final float[] out = output.toFloatArray();
                collector.backward(output.sum());
                final float[] gradient = input.getGradient().toFloatArray();
                final float[] in = input.toFloatArray();
                for (int i = 0; i < out.length; i++) {
                    assertEquals(out[i] == 0f ? 0f : 1f / 0.75f, gradient[i], 1e-6f, "element " + i + " (input " + in[i] + ")");
                }
            }
        }
    }

    @Test
    void refusesRatesOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new InvertedDropout(1f));
        assertThrows(IllegalArgumentException.class, () -> new InvertedDropout(-0.1f));
        assertThrows(IllegalArgumentException.class, () -> new InvertedDropout(Float.NaN));
        assertTrue(new HeadSpec(8, java.util.List.of(), 0.3, "relu", 2, false).newBlock().getChildren().values().stream()
                .anyMatch(block -> block instanceof InvertedDropout inverted && inverted.rate() == 0.3f), "the head uses it");
    }

    private static float[] forward(final NDManager manager, final InvertedDropout dropout, final float[] input, final boolean training,
                                   final int seed) {
        try (NDManager scope = manager.newSubManager()) {
            if (!dropout.isInitialized()) {
                dropout.initialize(scope, DataType.FLOAT32, new Shape(ROWS, COLUMNS));
            }
            Engine.getEngine("PyTorch").setRandomSeed(seed);
            final NDArray array = scope.create(input, new Shape(ROWS, COLUMNS));
            return dropout.forward(new ParameterStore(scope, false), new NDList(array), training).singletonOrThrow().toFloatArray();
        }
    }

    /** Non-zero inputs, so that a zero output can only be a dropped element. */
    private static float[] values() {
        final float[] values = new float[ROWS * COLUMNS];
        for (int i = 0; i < values.length; i++) {
            values[i] = 0.5f + (i * 7919 % 1000) / 100f;
        }
        return values;
    }
}
