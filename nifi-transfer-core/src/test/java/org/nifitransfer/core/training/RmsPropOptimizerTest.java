package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

class RmsPropOptimizerTest {

    @Test
    void twoStepsMatchTheKerasRule() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            final NDArray weight = manager.create(new float[] {1f});
            final RmsPropOptimizer optimizer = RmsPropOptimizer.builder().optLearningRateTracker(Tracker.fixed(0.1f)).build();
            optimizer.update("w", weight, manager.create(new float[] {0.5f}));
            // s = 0.1 * 0.25 = 0.025; w = 1 - 0.1 * 0.5 / sqrt(0.025)
            final double first = 1 - 0.1 * 0.5 / (Math.sqrt(0.025) + 1e-7);
            assertEquals(first, weight.getFloat(), 1e-6);
            optimizer.update("w", weight, manager.create(new float[] {-1f}));
            // s = 0.9 * 0.025 + 0.1 * 1 = 0.1225; w += 0.1 * 1 / 0.35
            assertEquals(first + 0.1 / (Math.sqrt(0.1225) + 1e-7), weight.getFloat(), 1e-6);
        }
    }
}
