package org.nifitransfer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * threads: whole passes over the files for {@value #WARM_UP_SECONDS} s of warm-up, then whole passes, timed, for at
 * least {@code --seconds}; the peer does the same with PIL and NumPy, on the same protocol.
 */
final class DecodeStage {

    /**
     * Warm-up on both sides. A count of images (200, then 1,000) left the JIT compiling during the timed pass once the
     * natives made a pass 0.5-1.5 s long: the same code measured 4,400-5,000 flowers/s in the bench and 6,600-7,100 in a
     * loop that had run for a few seconds, with C2's threads sharing the two cores. The peer's interpreter has nothing to
     * warm, and gets the same files into the page cache.
     */
    static final double WARM_UP_SECONDS = 5;

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
            // the first pass is also reported alone: the cold row (a NiFi that has just started)
            final long firstStart = System.nanoTime();
            final long warmUpEnd = firstStart + (long) (WARM_UP_SECONDS * 1e9);
            decodeAll(pool, decoder, resizer, files);
            final double firstPassSeconds = (System.nanoTime() - firstStart) / 1e9;
            while (System.nanoTime() < warmUpEnd) {
                decodeAll(pool, decoder, resizer, files);
            }
            long images = 0;
            final long start = System.nanoTime();
            double seconds;
            do {
                decodeAll(pool, decoder, resizer, files);
                images += files.size();
                seconds = (System.nanoTime() - start) / 1e9;
            } while (seconds < bench.options().seconds());
            final Path list = bench.work().resolve("files.txt");
            Files.write(list, files.stream().map(Path::toString).toList());
            final NormalizationPreset preset = bench.data().preset();
            final PythonPeer.Result peer = bench.python().run("stage1_pil.py", List.of("--list", list.toString(), "--warm-up-seconds",
                    Double.toString(WARM_UP_SECONDS), "--seconds", Double.toString(bench.options().seconds()), "--size",
                    Integer.toString(Bench.SIZE), "--order", preset.channelOrder().name(), "--mean", Bench.join(preset.mean()),
                    "--std", Bench.join(preset.std())));
            bench.table().rate("1. decode + resize + normalise to 224x224", "images/s", images / seconds,
                    "ImageDecoder (" + ImageDecoder.jpegDecoder() + ") + Resizer + preset", peer.number("images_per_s"),
                    peer.note() != null ? peer.note() : "PIL + NumPy");
            bench.table().rate("1. decode + resize + normalise, first pass in the process (JIT cold)", "images/s",
                    files.size() / firstPassSeconds, String.format(Locale.ROOT, "%,d images, %.2f s", files.size(), firstPassSeconds),
                    peer.number("first_pass_images_per_s"), peer.note() != null ? peer.note() : "PIL + NumPy");
            bench.table().note(String.format(Locale.ROOT, "stage 1, ours: each thread reads the file, decodes, resizes and "
                    + "normalises into its own float buffer (as FeatureExtractor normalises into its batch); the peer allocates a NumPy "
                    + "array per image; both: whole passes over the files, %.0f s of warm-up (the first pass is the cold row), then at least %.0f s "
                    + "timed",
                    WARM_UP_SECONDS, bench.options().seconds()));
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
