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
 * threads, after 200 images of warm-up; the peer does the same with PIL and NumPy.
 */
final class DecodeStage {

    private final Bench bench;

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
            decodeAll(pool, decoder, resizer, files.subList(0, Math.min(200, files.size())));
            final long start = System.nanoTime();
            decodeAll(pool, decoder, resizer, files);
            final double seconds = (System.nanoTime() - start) / 1e9;
            final Path list = bench.work().resolve("files.txt");
            Files.write(list, files.stream().map(Path::toString).toList());
            final NormalizationPreset preset = bench.data().preset();
            final PythonPeer.Result peer = bench.python().run("stage1_pil.py", List.of("--list", list.toString(), "--size",
                    Integer.toString(Bench.SIZE), "--order", preset.channelOrder().name(), "--mean", Bench.join(preset.mean()),
                    "--std", Bench.join(preset.std())));
            bench.table().rate("1. decode + resize + normalise to 224x224", "images/s", files.size() / seconds, "ImageDecoder+Resizer+preset",
                    peer.number("images_per_s"), peer.note() != null ? peer.note() : "PIL + NumPy");
        } finally {
            pool.shutdownNow();
        }
    }

    private void decodeAll(final ExecutorService pool, final ImageDecoder decoder, final Resizer resizer, final List<Path> batch)
            throws Exception {
        // Each task keeps one value of its output, not the output: holding every image's 600 KB of floats until the
        // end (1.9 GB for the flowers) made the run mostly garbage collection, which the Python peer does not pay.
        final List<Future<Float>> futures = new ArrayList<>(batch.size());
        for (final Path file : batch) {
            futures.add(pool.submit(() -> {
                final float[] out = bench.normalized(decoder, resizer, file);
                return out[out.length - 1];
            }));
        }
        for (final Future<Float> future : futures) {
            future.get();
        }
    }
}
