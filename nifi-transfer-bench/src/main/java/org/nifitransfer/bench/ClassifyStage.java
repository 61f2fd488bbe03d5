package org.nifitransfer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nifitransfer.core.classify.ImageClassifier;
import org.nifitransfer.core.image.RgbImage;

/**
 * Stage 7, our side in-process: {@link ImageClassifier} on single encoded images read into memory, as ClassifyImage runs
 * it: batches of {@code batch} images decoded and resized on a pool of {@code threads} threads (the Python peer's
 * ThreadPoolExecutor), then one forward pass each; and the latency of one image alone (decode, resize, forward), p50 and p99.
 */
final class ClassifyStage {

    /** Throughput and single-image latency. */
    record Measured(double imagesPerSecond, double p50Millis, double p99Millis) {
    }

    private final List<Path> files;
    private final int batch;
    private final int threads;

    ClassifyStage(final List<Path> files, final int batch, final int threads) {
        this.files = files;
        this.batch = batch;
        this.threads = threads;
    }

    /**
     * Measures with the model's base given at most {@code maxPixelsPerForward} pixels per forward pass (Long.MAX_VALUE:
     * the whole batch, ClassifyImage's default).
     */
    Measured measure(final Path modelFile, final double seconds, final int latencyImages, final long maxPixelsPerForward) throws Exception {
        final List<byte[]> blobs = new ArrayList<>();
        for (final Path file : files) {
            blobs.add(Files.readAllBytes(file));
        }
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ImageClassifier classifier = ImageClassifier.builder().setModelFile(modelFile).optMaxPixelsPerForward(maxPixelsPerForward).build()) {
            int position = 0;
            for (int i = 0; i < 2; i++) {
                classifyBatch(classifier, pool, blobs, position);
                position += batch;
            }
            long done = 0;
            final long start = System.nanoTime();
            long elapsed;
            do {
                classifyBatch(classifier, pool, blobs, position);
                position += batch;
                done += batch;
                elapsed = System.nanoTime() - start;
            } while (elapsed < seconds * 1e9 || done < 3L * batch);
            final double rate = done / (elapsed / 1e9);

            final double[] latencies = new double[latencyImages];
            for (int i = -10; i < latencyImages; i++) {
                final byte[] blob = blobs.get(Math.floorMod(i, blobs.size()));
                final long begin = System.nanoTime();
                classifier.classify(List.of(classifier.prepare(blob, "image")));
                if (i >= 0) {
                    latencies[i] = (System.nanoTime() - begin) / 1e6;
                }
            }
            Arrays.sort(latencies);
            return new Measured(rate, latencies[latencies.length / 2], latencies[(int) (latencies.length * 0.99) - 1]);
        } finally {
            pool.shutdownNow();
        }
    }

    private void classifyBatch(final ImageClassifier classifier, final ExecutorService pool, final List<byte[]> blobs, final int position)
            throws Exception {
        final List<Future<RgbImage>> prepared = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            final byte[] blob = blobs.get((position + i) % blobs.size());
            prepared.add(pool.submit(() -> classifier.prepare(blob, "image")));
        }
        final List<RgbImage> images = new ArrayList<>(batch);
        for (final Future<RgbImage> image : prepared) {
            images.add(image.get());
        }
        classifier.classify(images);
    }
}
