package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
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

    @Test
    void clippingLimitsTheGradientBothWays() {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            final NDArray weight = manager.create(new float[] {1f, 1f});
            final RmsPropOptimizer optimizer = RmsPropOptimizer.builder().optLearningRateTracker(Tracker.fixed(0.1f)).optClipGrad(0.25f)
                    .build();
            optimizer.update("w", weight, manager.create(new float[] {-1f, 2f}));
            // both gradients clipped to magnitude 0.25: s = 0.1 * 0.0625, step = 0.1 * 0.25 / sqrt(s) either way
            final double step = 0.1 * 0.25 / (Math.sqrt(0.00625) + 1e-7);
            assertArrayEquals(new float[] {(float) (1 + step), (float) (1 - step)}, weight.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void everyStepUsesOnlyItsOwnBatchsGradient() {
        try (Model model = Model.newInstance("rmsprop", "PyTorch")) {
            model.setBlock(Linear.builder().setUnits(1).optBias(false).build());
            final DefaultTrainingConfig config = new DefaultTrainingConfig(new WeightedSoftmaxCrossEntropy(null))
                    .optOptimizer(RmsPropOptimizer.builder().optLearningRateTracker(Tracker.fixed(0.1f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, 1));
                final NDArray weight = model.getBlock().getParameters().get("weight").getArray();
                final NDManager manager = trainer.getManager();
                double expected = weight.getFloat();
                double square = 0;
                // y = w * x: the gradient of sum(y) is x, so the two steps see gradients 0.5 and -1, never -0.5
                for (final float x : new float[] {0.5f, -1f}) {
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        collector.backward(trainer.forward(new NDList(manager.create(new float[] {x}, new Shape(1, 1)))).head().sum());
                    }
                    trainer.step();
                    assertArrayEquals(new float[] {0f}, weight.getGradient().toFloatArray(), "the gradient is cleared after the step");
                    square = 0.9 * square + 0.1 * x * x;
                    expected -= 0.1 * x / (Math.sqrt(square) + 1e-7);
                    assertEquals(expected, weight.getFloat(), 1e-5);
                }
            }
        }
    }
}
