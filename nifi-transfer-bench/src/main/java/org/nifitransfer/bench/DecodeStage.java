package org.nifitransfer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.Interpolation;
import org.nifitransfer.core.image.ResizeMode;
import org.nifitransfer.core.image.Resizer;

/**
 * Stage 1: decode, resize (stretch, bilinear) and normalise every image to 224 x 224 on a pool of the benchmark's
 * threads, after {@value #WARMUP} images of warm-up; the peer does the same with PIL and NumPy, after the same warm-up.
 */
final class DecodeStage {

    /**
     * Images decoded before the timed pass, on both sides. 200 left the JIT compiling during a 1-2 s timed pass once the
     * natives made it that short (1,544 against a steady 1,900-2,050 images/s on 500x375 photos); the peer's interpreter
     * has nothing to warm, and gets the same files into the page cache.
     */
    static final int WARMUP = 1000;

    private final Bench bench;
    private final ThreadLocal<float[]> buffers = ThreadLocal.withInitial(() -> new float[3 * Bench.SIZE * Bench.SIZE]);

    DecodeStage(final Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        final List<Path> files = bench.data().files();
        final ImageDecoder decoder = ImageDecoder.builder().build();
        final Resizer resizer = Resizer.builder().setSize(Bench.SIZE, Bench.SIZE).optMode(ResizeMode.STRETCH)
                .optInterpolation(Interpolation.BILINEAR).build();
        final ExecutorService pool = Executors.newFixedThreadPool(bench.options().threads());
        try {
            decodeAll(pool, decoder, resizer, files.subList(0, Math.min(WARMUP, files.size())));
            final long start = System.nanoTime();
            decodeAll(pool, decoder, resizer, files);
            final double seconds = (System.nanoTime() - start) / 1e9;
            final Path list = bench.work().resolve("files.txt");
            Files.write(list, files.stream().map(Path::toString).toList());
            final NormalizationPreset preset = bench.data().preset();
            final PythonPeer.Result peer = bench.python().run("stage1_pil.py", List.of("--list", list.toString(), "--warmup", Integer.toString(WARMUP), "--size",
                    Integer.toString(Bench.SIZE), "--order", preset.channelOrder().name(), "--mean", Bench.join(preset.mean()),
                    "--std", Bench.join(preset.std())));
            bench.table().rate("1. decode + resize + normalise to 224x224", "images/s", files.size() / seconds,
                    "ImageDecoder (" + ImageDecoder.jpegDecoder() + ") + Resizer + preset", peer.number("images_per_s"),
                    peer.note() != null ? peer.note() : "PIL + NumPy");
            bench.table().note("stage 1, ours: each thread reads the file, decodes, resizes and normalises into its own float buffer "
                    + "(as FeatureExtractor normalises into its batch); the peer allocates a NumPy array per image");
        } finally {
            pool.shutdownNow();
        }
    }

    private void decodeAll(final ExecutorService pool, final ImageDecoder decoder, final Resizer resizer, final List<Path> batch)
            throws Exception {
        // Each thread normalises into its own buffer, as FeatureExtractor normalises into its batch: a fresh 600 KB float
        // array per image is a humongous allocation for G1 and made the run mostly garbage collection, which the
        // pipeline does not pay. Each task keeps one value of its output.
        final List<Future<Float>> futures = new ArrayList<>(batch.size());
        for (final Path file : batch) {
            futures.add(pool.submit(() -> {
                final float[] out = buffers.get();
                bench.normalize(decoder, resizer, file, out);
                return out[out.length - 1];
            }));
        }
        for (final Future<Float> future : futures) {
            future.get();
        }
    }
}
