package org.nifitransfer.bench;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.nifitransfer.core.classify.ImageClassifier;
import org.nifitransfer.core.image.RgbImage;

/**
 * Stage 7: {@link ImageClassifier} on single encoded images read into memory, as ClassifyImage runs it: batches of 32
 * images decoded and resized on a pool of the benchmark's threads (the Python peer's ThreadPoolExecutor), then one
 * forward pass each; the latency of one image alone (decode, resize, forward), p50 and p99; and ClassifyImage itself
 * in a real NiFi.
 */
final class ClassifyStage {

    /** Throughput and single-image latency. */
    record Measured(double imagesPerSecond, double p50Millis, double p99Millis) {
    }

    private final Bench bench;
    private final int batch = Bench.BATCH;

    ClassifyStage(final Bench bench) {
        this.bench = bench;
    }

    /**
     * Classifies 256 of the images (spread over the classes) with a head trained on 320 of them: in-process, through
     * ClassifyImage in a real NiFi (alone on a queue, fed live, two tasks), and one image alone for latency.
     */
    void run() throws Exception {
        final BenchData data = bench.data();
        final Path work = bench.work();
        final double seconds = bench.options().seconds();
        final Path model = work.resolve("classify-model.tar");
        try (OutputStream out = Files.newOutputStream(model)) {
            new FineTuneStage(bench).headModel(Math.min(320, data.files().size()), work).write(out);
        }
        final int count = Math.min(256, data.files().size());
        final List<Path> sample = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sample.add(data.files().get((int) ((long) i * data.files().size() / count)));
        }
        final Path list = work.resolve("classify-images.txt");
        Files.write(list, sample.stream().map(Path::toString).toList());
        final Measured ours = measure(sample, model, seconds, 200, Long.MAX_VALUE);
        final Measured passes = measure(sample, model, seconds, 200, 8L * Bench.SIZE * Bench.SIZE);
        final PythonPeer.Result peer = bench.python().run("stage7_classify.py", List.of("--model", model.toString(), "--list",
                list.toString(), "--batch", Integer.toString(batch), "--seconds", Double.toString(seconds)));
        final PythonPeer.Result flow = bench.nifi().run("classify", List.of("--work", work.toString(), "--model", model.toString(),
                "--list", list.toString(), "--count", "1000"));
        final PythonPeer.Result twoTasks = bench.nifi().run("classify", List.of("--work", work.toString(), "--model",
                model.toString(), "--list", list.toString(), "--count", "1000", "--tasks", "2"));
        final String peerNote = peer.note() != null ? peer.note() : "PIL + torch.jit, same batches";
        final BenchTable table = bench.table();
        table.rate("7. classify single images, batch 32, in-process (ImageClassifier as ClassifyImage runs it)", "images/s",
                passes.imagesPerSecond(), "8 images per pass", peer.number("images_per_s"), peerNote);
        table.rate("7. classify single images, batch 32, in-process, the whole batch in one pass", "images/s", ours.imagesPerSecond(), null,
                peer.number("images_per_s"), peerNote);
        table.rate("7. classify single images, batch 32, through NiFi, ClassifyImage alone (1,000 queued)", "images/s",
                flow.number("queued_images_per_s"), flow.note() != null ? flow.note() : String.format(Locale.ROOT, "%.0f%% of in-process",
                        100 * flow.number("queued_images_per_s") / passes.imagesPerSecond()), peer.number("images_per_s"), peerNote);
        table.rate("7. classify single images, batch 32, through NiFi, fed live by EmitFiles (1,000)", "images/s", flow.number("images_per_s"),
                flow.note() != null ? flow.note() : String.format(Locale.ROOT, "%.0f%% of in-process; ClassifyImage busy %.1f of %.1f s",
                        100 * flow.number("images_per_s") / passes.imagesPerSecond(), flow.number("classify_busy_s"), flow.number("seconds")),
                peer.number("images_per_s"), peerNote);
        table.rate("7. classify single images, batch 32, through NiFi, fed live, 2 concurrent tasks", "images/s",
                twoTasks.number("images_per_s"), twoTasks.note() != null ? twoTasks.note() : String.format(Locale.ROOT,
                        "alone on the queue: %.0f images/s", twoTasks.number("queued_images_per_s")), peer.number("images_per_s"), peerNote);
        table.cost("7. one image alone (batch 1), p50", "ms", passes.p50Millis(), null, peer.number("p50_ms"), peerNote);
        table.cost("7. one image alone (batch 1), p99", "ms", passes.p99Millis(), null, peer.number("p99_ms"), peerNote);
        table.note("stage 7: a head on " + data.ptModel().getFileName() + " features; each image decoded, resized (stretch, bilinear) and "
                + "normalised as the model records it; in-process and the peer decode a batch on the thread pool, then one forward "
                + "pass; through NiFi: EmitFiles (test-only, stands in for GetFile) -> ClassifyImage (Model File, one task, batch 32), "
                + "after 96 images of warm-up: 'alone' from starting ClassifyImage on 1,000 queued flowfiles, 'fed live' from dropping "
                + "1,000 files with both running, until ClassifyImage's state counts them; '8 images per pass': "
                + "optMaxPixelsPerForward(8 x 224 x 224), ClassifyImage's setting; latency: decode + resize + forward of one image read from memory");
    }

    /**
     * Measures with the model's base given at most {@code maxPixelsPerForward} pixels per forward pass (Long.MAX_VALUE:
     * the whole batch, ClassifyImage's default).
     */
    private Measured measure(final List<Path> files, final Path modelFile, final double seconds, final int latencyImages,
                             final long maxPixelsPerForward) throws Exception {
        final List<byte[]> blobs = new ArrayList<>();
        for (final Path file : files) {
            blobs.add(Files.readAllBytes(file));
        }
        final ExecutorService pool = Executors.newFixedThreadPool(bench.options().threads());
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
