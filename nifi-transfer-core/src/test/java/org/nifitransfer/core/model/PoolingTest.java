package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pooling in Java (for ONNX Runtime's outputs) gives what the engine's pooling gives. */
class PoolingTest {

    @Test
    void javaPoolingMatchesTheEnginesPooling() {
        final long[] shape = {3, 5, 4, 6};
        final float[] values = new float[3 * 5 * 4 * 6];
        final Random random = new Random(11);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 40 + 10);
        }
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final NDArray array = manager.create(values, new Shape(shape));
            for (final Pooling pooling : Pooling.values()) {
                final float[] engine = pooling.apply(array).toFloatArray();
                final float[] java = pooling.apply(values, shape);
                assertEquals(engine.length, java.length, pooling.name());
                assertArrayEquals(engine, java, 1e-4f, pooling.name());
            }
        }
    }

    @Test
    void featuresAreTheSameFromEitherEngine() {
        final long[] shape = {2, 3, 5, 5};
        final float[] values = new float[2 * 3 * 5 * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 7919 % 101) / 10f;
        }
        try (NDManager torch = NDManager.newBaseManager("PyTorch"); NDManager ort = NDManager.newBaseManager("OnnxRuntime")) {
            for (final Pooling pooling : Pooling.values()) {
                final float[] native_ = pooling.features(torch.create(values, new Shape(shape)));
                final NDArray onnx = ort.create(values, new Shape(shape));
                assertEquals("OnnxRuntime", onnx.getManager().getEngine().getEngineName());
                assertArrayEquals(native_, pooling.features(onnx), 1e-4f, pooling.name());
                assertArrayEquals(pooling.apply(values, shape), pooling.features(onnx), 0f, pooling.name());
            }
        }
    }

    @Test
    void averagesAndMaximaByHand() {
        final float[] values = {1, 2, 3, 4, -1, -2, -3, 10};
        final long[] shape = {1, 2, 2, 2};
        assertArrayEquals(new float[] {2.5f, 1f}, Pooling.AVG.apply(values, shape));
        assertArrayEquals(new float[] {4f, 10f}, Pooling.MAX.apply(values, shape));
        assertSame(values, Pooling.FLATTEN.apply(values, shape));
        final float[] flat = {1, 2, 3};
        assertSame(flat, Pooling.AVG.apply(flat, new long[] {1, 3}));
    }
}
