package org.nifitransfer.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nifitransfer.core.dataset.Npy;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.training.HeadTrainer;
import org.nifitransfer.core.training.OptimizerChoice;

/**
 * Stage 3: head training on the features of every image (ONNX base, split 80/20 by position), the same head on both
 * sides, {@code --head-epochs} epochs a time: the first training in the process (cold) and the steady state after a
 * warm-up. The features go to {@code train_x.npy} and friends for the peer.
 */
final class HeadStage {

    /** Warm-up on both sides: enough for the JIT to compile the head's training step (about 80 epochs here). */
    private static final double WARM_UP_SECONDS = 15;

    private final Bench bench;

    HeadStage(final Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        final List<Path> files = bench.data().files();
        final List<Integer> labels = bench.data().labels();
        final Path work = bench.work();
        final int epochs = bench.options().headEpochs();
        final double timedSeconds = bench.options().seconds();
        // features of every image with the ONNX base (the fast path), split 80/20 by position within each class
        final int count = files.size();
        final List<Integer> trainIndex = new ArrayList<>();
        final List<Integer> validationIndex = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            (i % 5 == 4 ? validationIndex : trainIndex).add(i);
        }
        final float[][] features = new float[count][];
        int dimension = 0;
        try (ZooModel<NDList, NDList> model = bench.onnxCriteria().loadModel(); Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
            for (int start = 0; start < count; start += Bench.BATCH) {
                final int end = Math.min(count, start + Bench.BATCH);
                final float[] batch = bench.normalizedBatch(files.subList(start, end));
                final float[] pooled;
                try (NDManager scope = manager.newSubManager()) {
                    pooled = Bench.pooled(scope, predictor, batch);
                }
                dimension = pooled.length / Bench.BATCH;
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

        // Both sides train the same head repeatedly, `epochs` epochs a time, on the same features. The first training is
        // the cold figure (for us: a JIT that has not yet compiled the training step, as in a NiFi that has not trained a
        // head since it started); then both warm up for WARM_UP_SECONDS and are timed, as any steady-state benchmark of a
        // JVM is. Python has no JIT to warm.
        final HeadSpec head = new HeadSpec(dimension, List.of(), 0.2, "relu", bench.data().classes().size(), true);
        long start = System.nanoTime();
        HeadTrainer.Result result = trainHead(head, epochs, trainX, trainY, validationX, validationY);
        final double coldSeconds = (System.nanoTime() - start) / 1e9;
        final long warmUpEnd = System.nanoTime() + (long) (WARM_UP_SECONDS * 1e9);
        while (System.nanoTime() < warmUpEnd) {
            trainHead(head, epochs, trainX, trainY, validationX, validationY);
        }
        int trainings = 0;
        start = System.nanoTime();
        final long measureEnd = start + (long) (timedSeconds * 1e9);
        do {
            result = trainHead(head, epochs, trainX, trainY, validationX, validationY);
            trainings++;
        } while (System.nanoTime() < measureEnd);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final double accuracy = result.training().history().getLast().validationAccuracy();
        final PythonPeer.Result peer = bench.python().run("stage3_head.py", List.of("--dir", work.toString(), "--epochs",
                Integer.toString(epochs), "--classes", Integer.toString(bench.data().classes().size()),
                "--warm-up-seconds", Double.toString(WARM_UP_SECONDS), "--seconds", Double.toString(timedSeconds)));
        final Double peerAccuracy = peer.number("val_accuracy");
        final String rows = String.format(Locale.ROOT, "%d train / %d val features of %d, batch 32", trainY.length, validationY.length, dimension);
        final BenchTable table = bench.table();
        table.rate("3. head training (" + rows + ")", "epochs/s", trainings * epochs / seconds,
                String.format(Locale.ROOT, "val acc %.3f; %d x %d epochs", accuracy, trainings, epochs), peer.number("epochs_per_s"),
                peer.note() != null ? peer.note() : peerAccuracy == null ? "PyTorch"
                        : String.format(Locale.ROOT, "val acc %.3f; %s x %d epochs", peerAccuracy, peer.text("trainings"), epochs));
        table.rate("3. head training, first training in the process (JIT cold)", "epochs/s", epochs / coldSeconds,
                String.format(Locale.ROOT, "%d epochs, %.2f s", epochs, coldSeconds), peer.number("cold_epochs_per_s"),
                peer.note() != null ? peer.note() : String.format(Locale.ROOT, "%d epochs", epochs));
        table.note(String.format(Locale.ROOT, "stage 3: both sides train the same head %d epochs at a time: the first training is the "
                + "cold row; then %.0f s of warm-up and %.0f s timed (the steady-state row). The JVM compiles the training step "
                + "during the first few thousand batches", epochs, WARM_UP_SECONDS, timedSeconds));
    }

    private static HeadTrainer.Result trainHead(final HeadSpec head, final int epochs, final float[] trainX, final int[] trainY,
                                                final float[] validationX, final int[] validationY) throws IOException {
        return HeadTrainer.builder().setHead(head).optOptimizer(OptimizerChoice.RMSPROP).optLearningRate(1e-3f).optEpochs(epochs)
                .optBatchSize(Bench.BATCH).optSeed(42).build().train(trainX, trainY, validationX, validationY);
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
}
