package org.nifitransfer.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stage 6: wall time, peak heap and peak RSS of LoadImageFolder, ResizeAndNormalize and ExtractFeatures in a real NiFi
 * with a 1 GB heap, on generated datasets of each {@code --memory-images} size, and how linearly the time grows. No
 * peer: the figures show the flow's memory stays bounded as the dataset grows.
 */
final class MemoryStage {

    private final Bench bench;

    MemoryStage(final Bench bench) {
        this.bench = bench;
    }

    void run() {
        final Benchmark.Options options = bench.options();
        final Path base = bench.data().onnxModel();
        final BenchTable table = bench.table();
        Double smallSeconds = null;
        int smallImages = 0;
        for (final int images : options.memoryImages()) {
            final List<String> args = new ArrayList<>(List.of("--work", bench.work().toString(), "--images", Integer.toString(images),
                    "--base", base.toString(), "--preset", bench.data().preset().name(), "--size", Integer.toString(Bench.SIZE)));
            if (options.memoryXms() != null) {
                args.addAll(List.of("--java-args", "-Xms" + options.memoryXms()));
            }
            final PythonPeer.Result ours = bench.nifi().run("memory", args);
            final String label = String.format(Locale.ROOT, "6. %,d generated 500x375 JPEGs, NiFi -Xms%s -Xmx1g: ", images,
                    options.memoryXms() == null ? "1g" : options.memoryXms());
            final String none = "no peer (NiFi only)";
            final Double seconds = ours.number("seconds");
            table.cost(label + "wall time", "s", seconds, ours.note() != null ? ours.note() : String.format(Locale.ROOT,
                    "%,.0f images/s, %s extracted", ours.number("images_per_s"), ours.text("extracted")), null, none);
            table.cost(label + "peak heap", "MB", ours.number("peak_heap_mb"), ours.note() != null ? ours.note()
                    : String.format(Locale.ROOT, "before a GC; at most %.0f MB after one", ours.number("max_live_heap_mb")), null, none);
            table.cost(label + "peak RSS", "MB", ours.number("peak_rss_mb"), ours.note() != null ? ours.note()
                    : String.format(Locale.ROOT, "VmHWM; %.0f MB idle before the run", ours.number("rss_before_mb")), null, none);
            if (seconds != null && smallSeconds != null) {
                table.note(String.format(Locale.ROOT, "stage 6 linearity: %,d images took %.2fx the time of %,d (%.2fx the images): "
                        + "%.0f vs %.0f images/s", images, seconds / smallSeconds, smallImages, images / (double) smallImages,
                        images / seconds, smallImages / smallSeconds));
            }
            if (seconds != null && smallSeconds == null) {
                smallSeconds = seconds;
                smallImages = images;
            }
        }
        table.note("stage 6: LoadImageFolder -> ResizeAndNormalize -> ExtractFeatures (every split, " + base.getFileName()
                + ") in a NiFi with -Xmx1g and -Xms" + (options.memoryXms() == null ? "1g (NiFi's bootstrap.conf default)" : options.memoryXms())
                + "; peak heap = the largest occupancy a G1 log line shows before a collection during "
                + "the run, peak RSS = the kernel's high-water mark for the NiFi process (NiFi itself included)");
    }
}
