package org.nifitransfer.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nifitransfer.core.dataset.Npy;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.ImageBatch;
import org.nifitransfer.core.model.Pooling;

/**
 * Stage 2: frozen feature extraction of one batch of 32 real images, again and again, with ONNX Runtime and with the
 * PyTorch engine (channels-last, NCHW, and 8 images per pass), each as a fraction of the stage-0 ceiling. Writes the
 * batch to {@code batch.npy}, which the peer reads here and in stage 4.
 */
final class ExtractionStage {

    /** One batch: input creation, forward, global average pooling, copy out, with arrays attached to {@code scope}. */
    private interface BatchRun {
        float[] run(NDManager scope) throws Exception;
    }

    private final Bench bench;
    private final CeilingStage.Ceiling ceiling;
    private Double flopsPerImage;

    ExtractionStage(final Bench bench, final CeilingStage.Ceiling ceiling) {
        this.bench = bench;
        this.ceiling = ceiling;
    }

    void run() throws Exception {
        final Path ptModel = bench.data().ptModel();
        final float[] batch = bench.normalizedBatch(bench.data().files());
        final Path batchFile = bench.work().resolve("batch.npy");
        try (OutputStream out = Files.newOutputStream(batchFile)) {
            Npy.writeFloat32(out, batch, batch.length, Bench.BATCH, 3, Bench.SIZE, Bench.SIZE);
        }
        // FLOPs from the TorchScript weights
        try (BaseModel trainable = BaseModel.builder().setLocation(ptModel.toString()).optTrainable(true).load()) {
            flopsPerImage = Flops.perImage(trainable.parameters(), Bench.SIZE, Bench.SIZE);
        }
        final double ort;
        try (ZooModel<NDList, NDList> model = bench.onnxCriteria().loadModel(); Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
            ort = imagesPerSecond(scope -> Bench.pooled(scope, predictor, batch), manager);
        }
        final double torch = torchImagesPerSecond(batch, true, Long.MAX_VALUE);
        final double torchPasses = torchImagesPerSecond(batch, true, 8L * Bench.SIZE * Bench.SIZE);
        final double torchNchw = torchImagesPerSecond(batch, false, Long.MAX_VALUE);
        final PythonPeer.Result peer = bench.python().run("stage2_torch_extract.py", List.of("--model", ptModel.toString(), "--batch",
                batchFile.toString(), "--seconds", Double.toString(bench.options().seconds())));
        final Double peerRate = peer.number("images_per_s");
        final String peerNote = peer.note() != null ? peer.note() : "torch.jit + no_grad";
        final BenchTable table = bench.table();
        final double gflops = ceiling.gflops();
        table.rate("2. frozen extraction, batch 32, ONNX Runtime", "images/s", ort, fraction(ort, gflops), peerRate, peerNote);
        table.rate("2. frozen extraction, batch 32, PyTorch engine", "images/s", torch, fraction(torch, gflops), peerRate, peerNote);
        table.rate("2. frozen extraction, batch 32, PyTorch engine, 8 images per pass", "images/s", torchPasses,
                fraction(torchPasses, gflops), peerRate, peerNote);
        table.rate("2. frozen extraction, batch 32, PyTorch engine, NCHW input", "images/s", torchNchw, fraction(torchNchw, gflops),
                peerRate, peerNote);
        table.note("PyTorch engine: BaseModel.predict gives the base channels-last input (oneDNN runs NHWC, no reorders around each "
                + "convolution); the NCHW row is the same with optChannelsLast(false); '8 images per pass': "
                + "optMaxPixelsPerForward(8 x 224 x 224), 4 forward passes per batch (same features); the Python peer feeds NCHW, "
                + "32 images per pass");
        if (peerRate != null && ceiling.peerGflops() != null) {
            table.note("Python's extraction: " + fraction(peerRate, ceiling.peerGflops()) + " (its own torch matmul)");
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
        try (BaseModel base = BaseModel.builder().setLocation(bench.data().ptModel().toString()).optChannelsLast(channelsLast)
                .optMaxPixelsPerForward(pixelsPerPass).load();
             Predictor<NDList, NDList> predictor = base.newPredictor();
             NDManager manager = NDManager.newBaseManager("PyTorch")) {
            return imagesPerSecond(scope -> {
                final NDList output = base.predict(predictor, scope, channelsLast
                        ? ImageBatch.nhwc(nhwc, Bench.BATCH, 3, Bench.SIZE, Bench.SIZE)
                        : ImageBatch.nchw(batch, Bench.BATCH, 3, Bench.SIZE, Bench.SIZE));
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
        final int plane = Bench.SIZE * Bench.SIZE;
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

    /** Runs batches for the benchmark's seconds, each in its own sub-manager, after two untimed. */
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
        } while (elapsed < bench.options().seconds() * 1e9 || batches < 3);
        return batches * (double) Bench.BATCH / (elapsed / 1e9);
    }
}
