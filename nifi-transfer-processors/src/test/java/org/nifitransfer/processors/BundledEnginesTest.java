package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/**
 * The engines the NAR bundles load offline from the classpath alone: PyTorch 2.7.1 with the CPU natives jar,
 * and ONNX Runtime. The build runs tests with ai.djl.offline=true and DJL_OFFLINE=true, so a download attempt
 * would fail this test rather than reach the network.
 */
class BundledEnginesTest {

    @Test
    void offlineModeIsOnForTests() {
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("true", System.getenv("DJL_OFFLINE"));
        assertEquals("true", System.getenv("OPT_OUT_TRACKING"));
    }

    @Test
    void pytorchEngineLoadsFromTheBundledNativesAndComputes() {
        final Engine engine = Engine.getEngine("PyTorch");
        assertEquals("2.7.1", engine.getVersion());
        try (NDManager manager = engine.newBaseManager()) {
            final NDArray product = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2))
                    .matMul(manager.create(new float[] {1, 0, 0, 1}, new ai.djl.ndarray.types.Shape(2, 2)));
            assertArrayEquals(new float[] {1, 2, 3, 4}, product.toFloatArray());
        }
    }

    @Test
    void onnxRuntimeEngineLoads() {
        final Engine engine = Engine.getEngine("OnnxRuntime");
        assertTrue(engine.getVersion().startsWith("1.21"), engine.getVersion());
    }
}
