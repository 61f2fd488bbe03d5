package org.nifitransfer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Benchmarks nifi-transfer's stages against Python peers, in one run, on the same files, with the same thread
 * count, and prints a table. Run through {@code ./bench.sh} (which sets DJL offline and the engine thread
 * properties); options: {@code --threads N --repo DIR --data DIR --models DIR --photos N --python PATH --seconds S
 * --head-epochs E} (see bench.sh).
 * Each stage is its own class: {@link CeilingStage} (0), {@link DecodeStage} (1), {@link ExtractionStage} (2),
 * {@link HeadStage} (3), {@link FineTuneStage} (4), {@link PipelineStage} (5), {@link MemoryStage} (6) and
 * {@link ClassifyStage} (7), all sharing one {@link Bench}.
 */
public final class Benchmark {

    private Benchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final Options options = Options.parse(args);
        final Path work = options.repo.resolve("nifi-transfer-bench/target/bench-work");
        Files.createDirectories(work);
        final PythonPeer python = new PythonPeer(options.python, options.repo.resolve("nifi-transfer-bench/python"), options.threads);
        System.out.printf(Locale.ROOT, "nifi-transfer benchmark: %d thread(s) on both sides, %d processor(s) visible, Java %s%n",
                options.threads, Runtime.getRuntime().availableProcessors(), Runtime.version());
        if (python.missing() != null) {
            System.out.println("Python peers will NOT run: " + python.missing());
        }
        final NiFiStages nifi = new NiFiStages(options.repo);
        final BenchData data = BenchData.prepare(options, work, nifi);
        System.out.println("data: " + data.description());
        final Bench bench = new Bench(options, data, new BenchTable(), python, nifi, work);
        final CeilingStage.Ceiling ceiling = options.runs(0) || options.runs(2) ? new CeilingStage(bench).run() : CeilingStage.Ceiling.UNKNOWN;
        if (options.runs(1)) {
            new DecodeStage(bench).run();
        }
        // stage 2 writes the batch stage 4's peer reads
        if (options.runs(2) || options.runs(3) || options.runs(4)) {
            new ExtractionStage(bench, ceiling).run();
        }
        if (options.runs(3)) {
            new HeadStage(bench).run();
        }
        if (options.runs(4)) {
            new FineTuneStage(bench).run();
        }
        if (options.runs(5)) {
            new PipelineStage(bench).run();
        }
        if (options.runs(6)) {
            new MemoryStage(bench).run();
        }
        if (options.runs(7)) {
            new ClassifyStage(bench).run();
        }
        if (options.runs(9)) {
            new ScalingStage(bench).run();
        }
        final BenchTable table = bench.table();
        table.note("threads: " + options.threads + " (DJL ai.djl.pytorch.num_threads/num_interop_threads, ONNX Runtime intra/inter-op "
                + "session options, Java decode pool; Python torch.set_num_threads/set_num_interop_threads, ThreadPoolExecutor)");
        table.note("data: " + data.description());
        table.note(String.format(Locale.ROOT, "cores: %d visible; other processes on the machine (e.g. a concurrent build) "
                + "share them and lower both sides' figures", Runtime.getRuntime().availableProcessors()));
        System.out.println();
        System.out.print(table.format());
    }

    // ---------------------------------------------------------------- options

    record Options(int threads, Path repo, Path data, Path models, Integer photos, String python, double seconds, int headEpochs,
                   int fineTuneEpochs, List<Integer> memoryImages, String memoryXms, Set<Integer> stages) {

        boolean runs(final int stage) {
            return stages.isEmpty() || stages.contains(stage);
        }

        static Options parse(final String[] args) {
            int threads = 2;
            Path repo = Path.of("").toAbsolutePath();
            Path data = null;
            Path models = null;
            Integer photos = null;
            String python = "/usr/bin/python3";
            double seconds = 8;
            int headEpochs = 10;
            int fineTuneEpochs = 2;
            List<Integer> memoryImages = List.of(5000, 25000);
            String memoryXms = null;
            final Set<Integer> stages = new TreeSet<>();
            for (int i = 0; i < args.length; i++) {
                final String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--threads" -> threads = Integer.parseInt(value);
                    case "--repo" -> repo = Path.of(value).toAbsolutePath().normalize();
                    case "--data" -> data = Path.of(value).toAbsolutePath().normalize();
                    case "--models" -> models = Path.of(value).toAbsolutePath().normalize();
                    case "--photos" -> photos = Integer.valueOf(value);
                    case "--python" -> python = value;
                    case "--seconds" -> seconds = Double.parseDouble(value);
                    case "--head-epochs" -> headEpochs = Integer.parseInt(value);
                    case "--fine-tune-epochs" -> fineTuneEpochs = Integer.parseInt(value);
                    case "--memory-images" -> memoryImages = Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
                    case "--memory-xms" -> memoryXms = value;
                    case "--stages" -> Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).forEach(stages::add);
                    default -> throw new IllegalArgumentException("Unknown option " + args[i]
                            + ": expected --threads N, --repo DIR, --data DIR, --models DIR, --photos N, --python PATH, --seconds S, --head-epochs E, --fine-tune-epochs F, --memory-images 5000,25000, --memory-xms 256m, --stages 1,2,...");
                }
                i++;
            }
            if (data == null) {
                data = repo.resolve("../shared/data").normalize();
            }
            if (models == null) {
                models = repo.resolve("../shared/data/models").normalize();
            }
            return new Options(threads, repo, data, models, photos, python, seconds, headEpochs, fineTuneEpochs, memoryImages, memoryXms, stages);
        }
    }

    static {
        // the engines' thread counts must be set before they load; bench.sh passes them, this is the fallback
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
