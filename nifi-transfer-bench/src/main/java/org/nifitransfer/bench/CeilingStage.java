package org.nifitransfer.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Stage 0: the machine's ceiling, a dense float32 2048 x 2048 matmul on both sides (DJL's PyTorch engine and the peer's
 * torch), the best of half-second windows. Stage 2 states its rates as fractions of it.
 */
final class CeilingStage {

    /** Our GFLOP/s and the peer's (null when it did not run). */
    record Ceiling(double gflops, Double peerGflops) {

        static final Ceiling UNKNOWN = new Ceiling(0, null);
    }

    private static final int N = 2048;

    private final Bench bench;

    CeilingStage(final Bench bench) {
        this.bench = bench;
    }

    Ceiling run() {
        final double seconds = Math.max(2, bench.options().seconds() * 0.5);
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final NDArray a = manager.randomUniform(0, 1, new Shape(N, N));
            final NDArray b = manager.randomUniform(0, 1, new Shape(N, N));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            // the best of half-second windows: a ceiling, so other load on the machine should not lower it
            final long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                int reps = 0;
                final long start = System.nanoTime();
                long elapsed;
                do {
                    final NDArray c = a.matMul(b);
                    c.getFloat(0, 0); // forces completion on every engine, without timing a 16 MB copy
                    c.close();
                    reps++;
                    elapsed = System.nanoTime() - start;
                } while (elapsed < 0.5e9);
                best = Math.max(best, 2.0 * N * N * N * reps / (elapsed / 1e9) / 1e9);
            }
        }
        final PythonPeer.Result peer = bench.python().run("ceiling_matmul.py", List.of("--size", Integer.toString(N), "--seconds",
                Double.toString(seconds)));
        final Ceiling ceiling = new Ceiling(best, peer.number("gflops"));
        bench.table().rate("0. ceiling: dense float32 matmul 2048x2048 (best 0.5 s)", "GFLOP/s", ceiling.gflops(), "DJL PyTorch",
                ceiling.peerGflops(), peer.note() != null ? peer.note() : "torch " + peer.text("torch") + ", BLAS " + peer.text("blas") + ": "
                        + peer.text("blas_library"));
        return ceiling;
    }
}
