package org.nifitransfer.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.Npy;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.Interpolation;
import org.nifitransfer.core.image.ResizeMode;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ImageBatch;
import org.nifitransfer.core.model.Pooling;
import org.nifitransfer.core.training.HeadTrainer;
import org.nifitransfer.core.training.OptimizerChoice;

/**
 * Benchmarks nifi-transfer's stages against Python peers, in one run, on the same files, with the same thread
 * count, and prints a table. Run through {@code ./bench.sh} (which sets DJL offline and the engine thread
 * properties); options: {@code --threads N --repo DIR --data DIR --python PATH --seconds S --head-epochs E}.
 */
public final class Benchmark {

    private static final int SIZE = 224;
    private static final int BATCH = 32;
    /** Warm-up of stage 3 on both sides: enough for the JIT to compile the head's training step (about 80 epochs here). */
    private static final double HEAD_WARM_UP_SECONDS = 15;

    private final Options options;
    private final BenchTable table = new BenchTable();
    private final PythonPeer python;
    private final NiFiStages nifi;
    private final Path work;

    private List<Path> files;
    private List<Integer> labels;
    private List<String> classes;
    private Path ptModel;
    private Path onnxModel;
    private NormalizationPreset preset;
    private String dataDescription;
    /** The flowers folder (train/, val/) when the real data is there, else null. */
    private Path flowersData;
    private double ceilingGflops;
    private Double peerCeilingGflops;
    private Double flopsPerImage;

    private Benchmark(final Options options) throws IOException {
        this.options = options;
        this.work = options.repo.resolve("nifi-transfer-bench/target/bench-work");
        Files.createDirectories(work);
        this.nifi = new NiFiStages(options.repo);
        this.python = new PythonPeer(options.python, options.repo.resolve("nifi-transfer-bench/python"), options.threads);
    }

    public static void main(final String[] args) throws Exception {
        final Options options = Options.parse(args);
        final Benchmark benchmark = new Benchmark(options);
        benchmark.run();
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "nifi-transfer benchmark: %d thread(s) on both sides, %d processor(s) visible, Java %s%n",
                options.threads, Runtime.getRuntime().availableProcessors(), Runtime.version());
        if (python.missing() != null) {
            System.out.println("Python peers will NOT run: " + python.missing());
        }
        prepareData();
        System.out.println("data: " + dataDescription);
        if (options.runs(0) || options.runs(2)) {
            ceiling();
        }
        if (options.runs(1)) {
            stage1();
        }
        if (options.runs(2) || options.runs(3) || options.runs(4)) {
            stage2();
        }
        if (options.runs(3)) {
            stage3();
        }
        if (options.runs(4)) {
            stage4();
        }
        if (options.runs(5)) {
            stage5();
        }
        if (options.runs(6)) {
            stage6();
        }
        if (options.runs(7)) {
            stage7();
        }
        table.note("threads: " + options.threads + " (DJL ai.djl.pytorch.num_threads/num_interop_threads, ONNX Runtime intra/inter-op "
                + "session options, Java decode pool; Python torch.set_num_threads/set_num_interop_threads, ThreadPoolExecutor)");
        table.note("data: " + dataDescription);
        table.note(String.format(Locale.ROOT, "cores: %d visible; other processes on the machine (e.g. a concurrent build) "
                + "share them and lower both sides' figures", Runtime.getRuntime().availableProcessors()));
        System.out.println();
        System.out.print(table.format());
    }

    // ---------------------------------------------------------------- data

    private void prepareData() throws IOException {
        final Path shared = options.data;
        final Path flowers = shared.resolve("datasets/flowers");
        final Path models = shared.resolve("models");
        if (Files.isDirectory(flowers) && Files.isRegularFile(models.resolve("squeezenet1_1_features.pt"))
                && Files.isRegularFile(models.resolve("squeezenet1_1_features.onnx"))) {
            loadFolder(flowers, List.of("train", "val"));
            flowersData = flowers;
            ptModel = models.resolve("squeezenet1_1_features.pt");
            onnxModel = models.resolve("squeezenet1_1_features.onnx");
            preset = NormalizationPreset.CAFFE;
            dataDescription = String.format(Locale.ROOT, "%s: %d images (train + val), %d classes; SqueezeNet 1.1 features, caffe preset",
                    flowers, files.size(), classes.size());
        } else {
            final Path generated = work.resolve("generated");
            generate(generated, 5, 120);
            loadFolder(generated, List.of("train"));
            ptModel = options.repo.resolve("fixtures/models/tiny_base.pt");
            onnxModel = options.repo.resolve("fixtures/models/tiny_base_dynamic.onnx");
            preset = NormalizationPreset.ZERO_ONE;
            dataDescription = String.format(Locale.ROOT, "GENERATED (no %s): %d 320x240 JPEGs, %d classes; fixture tiny_base, "
                    + "zero-one preset - not comparable to the real-data figures", shared, files.size(), classes.size());
        }
    }

    private void loadFolder(final Path root, final List<String> splits) throws IOException {
        files = new ArrayList<>();
        labels = new ArrayList<>();
        final Path first = root.resolve(splits.getFirst());
        try (Stream<Path> dirs = Files.list(first)) {
            classes = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (final String split : splits) {
            for (int c = 0; c < classes.size(); c++) {
                final Path dir = root.resolve(split).resolve(classes.get(c));
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> list = Files.list(dir)) {
                    for (final Path file : list.filter(Files::isRegularFile).sorted().toList()) {
                        files.add(file);
                        labels.add(c);
                    }
                }
            }
        }
    }

    /** Writes {@code perClass} smooth random 320x240 JPEGs per class under {@code root/train/class_i}. */
    private static void generate(final Path root, final int classCount, final int perClass) throws IOException {
        final Random random = new Random(42);
        for (int c = 0; c < classCount; c++) {
            final Path dir = root.resolve("train").resolve("class_" + c);
            Files.createDirectories(dir);
            for (int i = 0; i < perClass; i++) {
                final Path file = dir.resolve(String.format(Locale.ROOT, "img_%04d.jpg", i));
                if (Files.exists(file)) {
                    continue;
                }
                final BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
                final Graphics2D g = image.createGraphics();
                g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), 320, 240, new Color(random.nextInt(0xFFFFFF))));
                g.fillRect(0, 0, 320, 240);
                for (int s = 0; s < 20; s++) {
                    g.setColor(new Color(random.nextInt(0xFFFFFF)));
                    g.fillOval(random.nextInt(320), random.nextInt(240), 10 + random.nextInt(80), 10 + random.nextInt(80));
                }
                g.dispose();
                ImageIO.write(image, "jpg", file.toFile());
            }
        }
    }

    // ---------------------------------------------------------------- ceiling

    private void ceiling() {
        final int n = 2048;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            final NDArray a = manager.randomUniform(0, 1, new Shape(n, n));
            final NDArray b = manager.randomUniform(0, 1, new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            // the best of half-second windows: a ceiling, so other load on the machine should not lower it
            final long end = System.nanoTime() + (long) (ceilingSeconds() * 1e9);
            double best = 0;
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
                best = Math.max(best, 2.0 * n * n * n * reps / (elapsed / 1e9) / 1e9);
            }
            ceilingGflops = best;
        }
        final PythonPeer.Result peer = python.run("ceiling_matmul.py", List.of("--size", Integer.toString(n), "--seconds",
                Double.toString(ceilingSeconds())));
        peerCeilingGflops = peer.number("gflops");
        table.rate("0. ceiling: dense float32 matmul 2048x2048 (best 0.5 s)", "GFLOP/s", ceilingGflops, "DJL PyTorch", peerCeilingGflops,
                peer.note() != null ? peer.note() : "torch " + peer.text("torch") + ", BLAS " + peer.text("blas"));
    }

    private double ceilingSeconds() {
        return Math.max(2, options.seconds * 0.5);
    }

    // ---------------------------------------------------------------- stage 1

    private void stage1() throws Exception {
        final ImageDecoder decoder = ImageDecoder.builder().build();
        final Resizer resizer = Resizer.builder().setSize(SIZE, SIZE).optMode(ResizeMode.STRETCH).optInterpolation(Interpolation.BILINEAR).build();
        final ExecutorService pool = Executors.newFixedThreadPool(options.threads);
        try {
            final int warmup = Math.min(200, files.size());
            decodeAll(pool, decoder, resizer, files.subList(0, warmup));
            final long start = System.nanoTime();
            decodeAll(pool, decoder, resizer, files);
            final double seconds = (System.nanoTime() - start) / 1e9;
            final Path list = work.resolve("files.txt");
            Files.write(list, files.stream().map(Path::toString).toList());
            final PythonPeer.Result peer = python.run("stage1_pil.py", List.of("--list", list.toString(), "--size", Integer.toString(SIZE),
                    "--order", preset.channelOrder().name(), "--mean", join(preset.mean()), "--std", join(preset.std())));
            table.rate("1. decode + resize + normalise to 224x224", "images/s", files.size() / seconds, "ImageDecoder+Resizer+preset",
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
                final float[] out = decodeOne(decoder, resizer, file);
                return out[out.length - 1];
            }));
        }
        for (final Future<Float> future : futures) {
            future.get();
        }
    }

    private float[] decodeOne(final ImageDecoder decoder, final Resizer resizer, final Path file) throws Exception {
        final RgbImage image = resizer.resize(decoder.decode(Files.readAllBytes(file), file.getFileName().toString()));
        final float[] out = new float[3 * SIZE * SIZE];
        preset.normalize(image.getData(), 0, 1, SIZE, SIZE, out, 0);
        return out;
    }

    /** The first {@code count} files of {@code from}, decoded, resized and normalised: NCHW float32. */
    private float[] normalizedBatch(final List<Path> from, final int count) throws Exception {
        final ImageDecoder decoder = ImageDecoder.builder().build();
        final Resizer resizer = Resizer.builder().setSize(SIZE, SIZE).build();
        final int imageFloats = 3 * SIZE * SIZE;
        final float[] batch = new float[count * imageFloats];
        for (int i = 0; i < count; i++) {
            System.arraycopy(decodeOne(decoder, resizer, from.get(i % from.size())), 0, batch, i * imageFloats, imageFloats);
        }
        return batch;
    }

    // ---------------------------------------------------------------- stage 2

    private void stage2() throws Exception {
        final float[] batch = normalizedBatch(files, BATCH);
        final Path batchFile = work.resolve("batch.npy");
        try (OutputStream out = Files.newOutputStream(batchFile)) {
            Npy.writeFloat32(out, batch, batch.length, BATCH, 3, SIZE, SIZE);
        }
        // FLOPs from the TorchScript weights
        try (BaseModel trainable = BaseModel.builder().setLocation(ptModel.toString()).optTrainable(true).load()) {
            flopsPerImage = Flops.perImage(trainable.parameters(), SIZE, SIZE);
        }
        final double ort;
        final Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(onnxModel).optEngine("OnnxRuntime").optTranslator(new NoopTranslator())
                .optOption("interOpNumThreads", Integer.toString(options.threads))
                .optOption("intraOpNumThreads", Integer.toString(options.threads))
                .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel(); Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
            ort = imagesPerSecond(scope -> runBatch(scope, predictor, batch), manager);
        }
        final double torch = torchImagesPerSecond(batch, true, Long.MAX_VALUE);
        final double torchPasses = torchImagesPerSecond(batch, true, 8L * SIZE * SIZE);
        final double torchNchw = torchImagesPerSecond(batch, false, Long.MAX_VALUE);
        final PythonPeer.Result peer = python.run("stage2_torch_extract.py", List.of("--model", ptModel.toString(), "--batch",
                batchFile.toString(), "--seconds", Double.toString(options.seconds)));
        final Double peerRate = peer.number("images_per_s");
        final String peerNote = peer.note() != null ? peer.note() : "torch.jit + no_grad";
        table.rate("2. frozen extraction, batch 32, ONNX Runtime", "images/s", ort, fraction(ort, ceilingGflops), peerRate, peerNote);
        table.rate("2. frozen extraction, batch 32, PyTorch engine", "images/s", torch, fraction(torch, ceilingGflops), peerRate, peerNote);
        table.rate("2. frozen extraction, batch 32, PyTorch engine, 8 images per pass", "images/s", torchPasses,
                fraction(torchPasses, ceilingGflops), peerRate, peerNote);
        table.rate("2. frozen extraction, batch 32, PyTorch engine, NCHW input", "images/s", torchNchw, fraction(torchNchw, ceilingGflops),
                peerRate, peerNote);
        table.note("PyTorch engine: BaseModel.predict gives the base channels-last input (oneDNN runs NHWC, no reorders around each "
                + "convolution); the NCHW row is the same with optChannelsLast(false); '8 images per pass': "
                + "optMaxPixelsPerForward(8 x 224 x 224), 4 forward passes per batch (same features); the Python peer feeds NCHW, "
                + "32 images per pass");
        if (peerRate != null && peerCeilingGflops != null) {
            table.note("Python's extraction: " + fraction(peerRate, peerCeilingGflops) + " (its own torch matmul)");
        }
        table.note(flopsPerImage == null ? "base FLOPs per image: unknown architecture, no ceiling fraction"
                : String.format(Locale.ROOT, "base FLOPs per image at 224x224: %.3f GFLOP (2 x multiply-adds of the convolutions); "
                + "ceiling fraction = images/s x FLOPs / matmul GFLOP/s", flopsPerImage / 1e9));
    }

    private String fraction(final double imagesPerSecond, final double gflops) {
        if (flopsPerImage == null || gflops <= 0) {
            return null;
        }
        return String.format(Locale.ROOT, "%.0f%% of ceiling", 100 * imagesPerSecond * flopsPerImage / 1e9 / gflops);
    }

    /**
     * The PyTorch engine's extraction rate as FeatureExtractor runs it: channels-last, the batch normalised to NHWC
     * (here transposed once, up front, as the NCHW batch is normalised once) through {@link BaseModel#predict} as an NHWC
     * {@link ImageBatch}; or an NCHW one.
     */
    private double torchImagesPerSecond(final float[] batch, final boolean channelsLast, final long pixelsPerPass) throws Exception {
        final float[] nhwc = channelsLast ? interleaved(batch) : null;
        try (BaseModel base = BaseModel.builder().setLocation(ptModel.toString()).optChannelsLast(channelsLast)
                .optMaxPixelsPerForward(pixelsPerPass).load();
             Predictor<NDList, NDList> predictor = base.newPredictor();
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            return imagesPerSecond(scope -> {
                final NDList output = base.predict(predictor, scope, channelsLast ? ImageBatch.nhwc(nhwc, BATCH, 3, SIZE, SIZE)
                        : ImageBatch.nchw(batch, BATCH, 3, SIZE, SIZE));
                try {
                    return Pooling.AVG.apply(output.head()).toFloatArray();
                } finally {
                    output.close();
                }
            }, manager);
        }
    }

    /** An NCHW batch of 3-channel SIZE x SIZE images in NHWC order. */
    private static float[] interleaved(final float[] nchw) {
        final int plane = SIZE * SIZE;
        final float[] nhwc = new float[nchw.length];
        for (int n = 0; n < nchw.length / (3 * plane); n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < plane; i++) {
                    nhwc[(n * plane + i) * 3 + c] = nchw[(n * 3 + c) * plane + i];
                }
            }
        }
        return nhwc;
    }

    /** One batch: input creation, forward, global average pooling, copy out, with arrays attached to {@code scope}. */
    private interface BatchRun {
        float[] run(NDManager scope) throws Exception;
    }

    /** Runs batches for {@code options.seconds}, each in its own sub-manager. */
    private double imagesPerSecond(final BatchRun run, final NDManager manager) throws Exception {
        for (int i = 0; i < 2; i++) {
            try (NDManager scope = manager.newSubManager()) {
                run.run(scope);
            }
        }
        int batches = 0;
        final long start = System.nanoTime();
        long elapsed;
        do {
            try (NDManager scope = manager.newSubManager()) {
                run.run(scope);
            }
            batches++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < options.seconds * 1e9 || batches < 3);
        return batches * (double) BATCH / (elapsed / 1e9);
    }

    private static float[] runBatch(final NDManager scope, final Predictor<NDList, NDList> predictor, final float[] batch) throws Exception {
        final NDArray input = scope.create(FloatBuffer.wrap(batch), new Shape(BATCH, 3, SIZE, SIZE));
        final NDList output = predictor.predict(new NDList(input));
        try {
            return Pooling.AVG.apply(output.head()).toFloatArray();
        } finally {
            output.close();
        }
    }

    // ---------------------------------------------------------------- stage 3

    private void stage3() throws Exception {
        // features of every image with the ONNX base (the fast path), split 80/20 by position within each class
        final int count = files.size();
        final List<Integer> trainIndex = new ArrayList<>();
        final List<Integer> validationIndex = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            (i % 5 == 4 ? validationIndex : trainIndex).add(i);
        }
        final float[][] features = new float[count][];
        final Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(onnxModel).optEngine("OnnxRuntime").optTranslator(new NoopTranslator())
                .optOption("interOpNumThreads", Integer.toString(options.threads))
                .optOption("intraOpNumThreads", Integer.toString(options.threads))
                .build();
        int dimension = 0;
        try (ZooModel<NDList, NDList> model = criteria.loadModel(); Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
            for (int start = 0; start < count; start += BATCH) {
                final int end = Math.min(count, start + BATCH);
                final float[] batch = normalizedBatch(files.subList(start, end), BATCH);
                final float[] pooled;
                try (NDManager scope = manager.newSubManager()) {
                    pooled = runBatch(scope, predictor, batch);
                }
                dimension = pooled.length / BATCH;
                for (int i = start; i < end; i++) {
                    final float[] row = new float[dimension];
                    System.arraycopy(pooled, (i - start) * dimension, row, 0, dimension);
                    features[i] = row;
                }
            }
        }
        final float[] trainX = gather(features, trainIndex, dimension);
        final int[] trainY = trainIndex.stream().mapToInt(labels::get).toArray();
        final float[] validationX = gather(features, validationIndex, dimension);
        final int[] validationY = validationIndex.stream().mapToInt(labels::get).toArray();
        writeFloat(work.resolve("train_x.npy"), trainX, trainY.length, dimension);
        writeInt(work.resolve("train_y.npy"), trainY);
        writeFloat(work.resolve("val_x.npy"), validationX, validationY.length, dimension);
        writeInt(work.resolve("val_y.npy"), validationY);

        // Both sides train the same head repeatedly, options.headEpochs epochs a time, on the same features. The first
        // training is the cold figure (for us: a JIT that has not yet compiled the training step, as in a NiFi that has not
        // trained a head since it started); then both warm up for WARM_UP_SECONDS and are timed over options.seconds, as
        // any steady-state benchmark of a JVM is (the JIT needed about 80 epochs here). Python has no JIT to warm.
        final HeadSpec head = new HeadSpec(dimension, List.of(), 0.2, "relu", classes.size(), true);
        long start = System.nanoTime();
        HeadTrainer.Result result = trainHead(head, options.headEpochs, trainX, trainY, validationX, validationY);
        final double coldSeconds = (System.nanoTime() - start) / 1e9;
        final long warmUpEnd = System.nanoTime() + (long) (HEAD_WARM_UP_SECONDS * 1e9);
        while (System.nanoTime() < warmUpEnd) {
            trainHead(head, options.headEpochs, trainX, trainY, validationX, validationY);
        }
        int trainings = 0;
        start = System.nanoTime();
        final long measureEnd = start + (long) (options.seconds * 1e9);
        do {
            result = trainHead(head, options.headEpochs, trainX, trainY, validationX, validationY);
            trainings++;
        } while (System.nanoTime() < measureEnd);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final double accuracy = result.training().history().getLast().validationAccuracy();
        final PythonPeer.Result peer = python.run("stage3_head.py", List.of("--dir", work.toString(), "--epochs",
                Integer.toString(options.headEpochs), "--classes", Integer.toString(classes.size()),
                "--warm-up-seconds", Double.toString(HEAD_WARM_UP_SECONDS), "--seconds", Double.toString(options.seconds)));
        final Double peerAccuracy = peer.number("val_accuracy");
        final String rows = String.format(Locale.ROOT, "%d train / %d val features of %d, batch 32", trainY.length, validationY.length, dimension);
        table.rate("3. head training (" + rows + ")", "epochs/s", trainings * options.headEpochs / seconds,
                String.format(Locale.ROOT, "val acc %.3f; %d x %d epochs", accuracy, trainings, options.headEpochs), peer.number("epochs_per_s"),
                peer.note() != null ? peer.note() : peerAccuracy == null ? "PyTorch"
                        : String.format(Locale.ROOT, "val acc %.3f; %s x %d epochs", peerAccuracy, peer.text("trainings"), options.headEpochs));
        table.rate("3. head training, first training in the process (JIT cold)", "epochs/s", options.headEpochs / coldSeconds,
                String.format(Locale.ROOT, "%d epochs, %.2f s", options.headEpochs, coldSeconds), peer.number("cold_epochs_per_s"),
                peer.note() != null ? peer.note() : String.format(Locale.ROOT, "%d epochs", options.headEpochs));
        table.note(String.format(Locale.ROOT, "stage 3: both sides train the same head %d epochs at a time: the first training is the "
                + "cold row; then %.0f s of warm-up and %.0f s timed (the steady-state row). The JVM compiles the training step "
                + "during the first few thousand batches", options.headEpochs, HEAD_WARM_UP_SECONDS, options.seconds));
    }

    private HeadTrainer.Result trainHead(final HeadSpec head, final int epochs, final float[] trainX, final int[] trainY,
                                         final float[] validationX, final int[] validationY) throws IOException {
        return HeadTrainer.builder().setHead(head).optOptimizer(OptimizerChoice.RMSPROP).optLearningRate(1e-3f).optEpochs(epochs)
                .optBatchSize(BATCH).optSeed(42).build().train(trainX, trainY, validationX, validationY);
    }

    private static float[] gather(final float[][] rows, final List<Integer> index, final int dimension) {
        final float[] out = new float[index.size() * dimension];
        for (int i = 0; i < index.size(); i++) {
            System.arraycopy(rows[index.get(i)], 0, out, i * dimension, dimension);
        }
        return out;
    }

    private static void writeFloat(final Path file, final float[] data, final int rows, final int columns) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            Npy.writeFloat32(out, data, data.length, rows, columns);
        }
    }

    private static void writeInt(final Path file, final int[] data) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            Npy.writeInt32(out, data, data.length, data.length);
        }
    }

    private static String join(final double[] values) {
        final StringBuilder text = new StringBuilder();
        for (final double value : values) {
            text.append(text.isEmpty() ? "" : ",").append(value);
        }
        return text.toString();
    }

    // ---------------------------------------------------------------- stage 4

    private void stage4() throws Exception {
        final int batches = Math.max(6, (int) Math.round(options.seconds * 2));
        final FineTuneStage stage = new FineTuneStage(files, labels, classes, ptModel, preset, SIZE, BATCH);
        // the Augment processor's defaults, as the template attaches them
        final Augmenter augmentation = new Augmenter(AugmentationRecipe.builder().optRotationRange(40).optWidthShiftRange(0.2)
                .optHeightShiftRange(0.2).optZoomRange(0.2).optHorizontalFlip(true).build());
        record Variant(Augmenter augmenter, boolean channelsLast, String label) {
        }
        // the peer always feeds NCHW: one run per augmentation choice, and the NCHW row shares the plain row's
        final Map<Boolean, PythonPeer.Result> peers = new HashMap<>();
        for (final Variant variant : List.of(new Variant(null, true, ""), new Variant(augmentation, true, ", augmented on the fly"),
                new Variant(null, false, ", NCHW input"))) {
            final FineTuneStage.Measured ours = stage.measure(batches, 2, variant.augmenter(), variant.channelsLast(), work);
            final PythonPeer.Result peer = peers.computeIfAbsent(variant.augmenter() != null, augmented -> {
                final List<String> args = new ArrayList<>(List.of("--model", ptModel.toString(), "--batch", work.resolve("batch.npy").toString(),
                        "--classes", Integer.toString(classes.size()), "--unfreeze", "2", "--seconds", Double.toString(options.seconds)));
                if (augmented) {
                    args.add("--augment");
                }
                return python.run("stage4_finetune.py", args);
            });
            table.rate("4. fine-tune, top 2 blocks unfrozen, batch 32, RMSprop" + variant.label(),
                    "images/s", ours.imagesPerSecond(),
                    String.format(Locale.ROOT, "FineTuner, %d batches, %,d trainable", ours.batchesTimed(), ours.trainableParameters()),
                    peer.number("images_per_s"), peer.note() != null ? peer.note()
                            : String.format(Locale.ROOT, "one batch again and again, %,.0f trainable", peer.number("trainable_parameters")));
        }
        table.note("stage 4, ours: FineTuner's own progress reports time every batch after the first, including reading it from the "
                + "tensor cache and normalising it; the peer reuses one normalised batch, so it does no data work. 'Augmented': "
                + "Augment's defaults (rotation 40, shifts 0.2, zoom 0.2, horizontal flip), ours per image in Java (Augmenter), the "
                + "peer's per batch with torch affine_grid + grid_sample. FineTuner feeds channels-last batches (NHWC data behind the NCHW "
                + "shape); the NCHW row is optChannelsLast(false); the peer feeds NCHW");
    }

    // ---------------------------------------------------------------- stage 5

    private void stage5() {
        final Path data = flowersData != null ? flowersData : work.resolve("generated/train");
        final String epochs = String.format(Locale.ROOT, "head %d + fine-tune %d epochs", options.headEpochs, options.fineTuneEpochs);
        final PythonPeer.Result ours = nifi.run("pipeline", List.of("--work", work.toString(), "--data", data.toString(), "--base",
                ptModel.toString(), "--preset", preset.name(), "--size", Integer.toString(SIZE), "--head-epochs",
                Integer.toString(options.headEpochs), "--fine-tune-epochs", Integer.toString(options.fineTuneEpochs)));
        final PythonPeer.Result peer = python.run("stage5_pipeline.py", List.of("--data", data.toString(), "--model", ptModel.toString(),
                "--out", work.resolve("stage5-python").toString(), "--size", Integer.toString(SIZE), "--order", preset.channelOrder().name(),
                "--mean", join(preset.mean()), "--std", join(preset.std()), "--head-epochs", Integer.toString(options.headEpochs),
                "--fine-tune-epochs", Integer.toString(options.fineTuneEpochs)));
        table.cost("5. whole pipeline (template), " + epochs, "s wall", ours.number("seconds"), ours.note() != null ? ours.note()
                        : String.format(Locale.ROOT, "NiFi; test acc %.3f / %.3f", ours.number("head_accuracy"), ours.number("fine_tune_accuracy")),
                peer.number("seconds"), peer.note() != null ? peer.note()
                        : String.format(Locale.ROOT, "script; test acc %.3f / %.3f", peer.number("head_accuracy"), peer.number("fine_tune_accuracy")));
        table.note(String.format(Locale.ROOT, "stage 5: ours from starting the template's group in a running NiFi (start-up, %s s, not "
                + "counted) until both evaluations are queued, %s test images; the peer from after its imports to its end; test "
                + "accuracy head / fine-tuned", ours.text("nifi_startup_s"), ours.text("test_images")));
        if (ours.json() != null && ours.json().has("busy_seconds")) {
            final StringBuilder busy = new StringBuilder();
            ours.json().get("busy_seconds").properties().forEach(entry -> busy.append(busy.isEmpty() ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %.1f", entry.getKey(), entry.getValue().asDouble())));
            table.note("stage 5, ours, seconds each processor was busy (NiFi's task durations): " + busy);
        }
    }

    // ---------------------------------------------------------------- stage 6

    private void stage6() throws Exception {
        final Path base = onnxModel;
        Double smallSeconds = null;
        int smallImages = 0;
        for (final int images : options.memoryImages) {
            final List<String> args = new ArrayList<>(List.of("--work", work.toString(), "--images", Integer.toString(images),
                    "--base", base.toString(), "--preset", preset.name(), "--size", Integer.toString(SIZE)));
            if (options.memoryXms != null) {
                args.addAll(List.of("--java-args", "-Xms" + options.memoryXms));
            }
            final PythonPeer.Result ours = nifi.run("memory", args);
            final String label = String.format(Locale.ROOT, "6. %,d generated 500x375 JPEGs, NiFi -Xms%s -Xmx1g: ", images,
                    options.memoryXms == null ? "1g" : options.memoryXms);
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
                + ") in a NiFi with -Xmx1g and -Xms" + (options.memoryXms == null ? "1g (NiFi's bootstrap.conf default)" : options.memoryXms)
                + "; peak heap = the largest occupancy a G1 log line shows before a collection during "
                + "the run, peak RSS = the kernel's high-water mark for the NiFi process (NiFi itself included)");
    }

    // ---------------------------------------------------------------- stage 7

    private void stage7() throws Exception {
        final Path model = work.resolve("classify-model.tar");
        try (OutputStream out = Files.newOutputStream(model)) {
            new FineTuneStage(files, labels, classes, ptModel, preset, SIZE, BATCH).headModel(Math.min(320, files.size()), work).write(out);
        }
        final List<Path> sample = new ArrayList<>();
        for (int i = 0; i < Math.min(256, files.size()); i++) {
            sample.add(files.get((int) ((long) i * files.size() / Math.min(256, files.size()))));
        }
        final Path list = work.resolve("classify-images.txt");
        Files.write(list, sample.stream().map(Path::toString).toList());
        final ClassifyStage stage = new ClassifyStage(sample, BATCH, options.threads);
        final ClassifyStage.Measured ours = stage.measure(model, options.seconds, 200, Long.MAX_VALUE);
        final ClassifyStage.Measured passes = stage.measure(model, options.seconds, 200, 8L * SIZE * SIZE);
        final PythonPeer.Result peer = python.run("stage7_classify.py", List.of("--model", model.toString(), "--list", list.toString(),
                "--batch", Integer.toString(BATCH), "--seconds", Double.toString(options.seconds)));
        final PythonPeer.Result flow = nifi.run("classify", List.of("--work", work.toString(), "--model", model.toString(), "--list",
                list.toString(), "--count", "1000"));
        final PythonPeer.Result twoTasks = nifi.run("classify", List.of("--work", work.toString(), "--model", model.toString(), "--list",
                list.toString(), "--count", "1000", "--tasks", "2"));
        final String peerNote = peer.note() != null ? peer.note() : "PIL + torch.jit, same batches";
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
        table.note("stage 7: a head on " + ptModel.getFileName() + " features; each image decoded, resized (stretch, bilinear) and "
                + "normalised as the model records it; in-process and the peer decode a batch on the thread pool, then one forward "
                + "pass; through NiFi: EmitFiles (test-only, stands in for GetFile) -> ClassifyImage (Model File, one task, batch 32), "
                + "after 96 images of warm-up: 'alone' from starting ClassifyImage on 1,000 queued flowfiles, 'fed live' from dropping "
                + "1,000 files with both running, until ClassifyImage's state counts them; '8 images per pass': "
                + "optMaxPixelsPerForward(8 x 224 x 224), ClassifyImage's setting; latency: decode + resize + forward of one image read from memory");
    }

    // ---------------------------------------------------------------- options

    record Options(int threads, Path repo, Path data, String python, double seconds, int headEpochs, int fineTuneEpochs,
                   List<Integer> memoryImages, String memoryXms, Set<Integer> stages) {

        boolean runs(final int stage) {
            return stages.isEmpty() || stages.contains(stage);
        }

        static Options parse(final String[] args) {
            int threads = 2;
            Path repo = Path.of("").toAbsolutePath();
            Path data = null;
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
                    case "--python" -> python = value;
                    case "--seconds" -> seconds = Double.parseDouble(value);
                    case "--head-epochs" -> headEpochs = Integer.parseInt(value);
                    case "--fine-tune-epochs" -> fineTuneEpochs = Integer.parseInt(value);
                    case "--memory-images" -> memoryImages = Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
                    case "--memory-xms" -> memoryXms = value;
                    case "--stages" -> Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).forEach(stages::add);
                    default -> throw new IllegalArgumentException("Unknown option " + args[i]
                            + ": expected --threads N, --repo DIR, --data DIR, --python PATH, --seconds S, --head-epochs E, --fine-tune-epochs F, --memory-images 5000,25000, --memory-xms 256m, --stages 1,2,...");
                }
                i++;
            }
            if (data == null) {
                data = repo.resolve("../shared/data").normalize();
            }
            return new Options(threads, repo, data, python, seconds, headEpochs, fineTuneEpochs, memoryImages, memoryXms, stages);
        }
    }

    static {
        // the engines' thread counts must be set before they load; bench.sh passes them, this is the fallback
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
