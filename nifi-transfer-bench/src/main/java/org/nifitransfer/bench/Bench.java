package org.nifitransfer.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.NoopTranslator;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.Pooling;

/**
 * What every stage shares: the options, the data, the table the stages add rows to, the two peers (Python scripts and
 * the NiFi-driven stages), the work folder, and the image preparation they all measure the same way.
 *
 * @param options the command line
 * @param data    the images and bases
 * @param table   the results
 * @param python  the Python peer
 * @param nifi    the stages that run in a real NiFi
 * @param work    {@code nifi-transfer-bench/target/bench-work}
 */
record Bench(Benchmark.Options options, BenchData data, BenchTable table, PythonPeer python, NiFiStages nifi, Path work) {

    /** The side of every image the stages feed a base. */
    static final int SIZE = 224;
    /** The batch size of every stage. */
    static final int BATCH = 32;

    /** One image decoded, resized to SIZE x SIZE and normalised with the data's preset: NCHW float32. */
    float[] normalized(final ImageDecoder decoder, final Resizer resizer, final Path file) throws Exception {
        final float[] out = new float[3 * SIZE * SIZE];
        normalize(decoder, resizer, file, out);
        return out;
    }

    /** One image decoded, resized to SIZE x SIZE and normalised with the data's preset into {@code out}: NCHW float32. */
    void normalize(final ImageDecoder decoder, final Resizer resizer, final Path file, final float[] out) throws Exception {
        final RgbImage image = resizer.resize(decoder.decode(Files.readAllBytes(file), file.getFileName().toString()));
        data.preset().normalize(image.getData(), 0, 1, SIZE, SIZE, out, 0);
    }

    /** BATCH images from {@code from}, decoded, resized and normalised, repeating the list when it is shorter: NCHW float32. */
    float[] normalizedBatch(final List<Path> from) throws Exception {
        final ImageDecoder decoder = ImageDecoder.builder().build();
        final Resizer resizer = Resizer.builder().setSize(SIZE, SIZE).build();
        final int imageFloats = 3 * SIZE * SIZE;
        final float[] batch = new float[BATCH * imageFloats];
        for (int i = 0; i < BATCH; i++) {
            System.arraycopy(normalized(decoder, resizer, from.get(i % from.size())), 0, batch, i * imageFloats, imageFloats);
        }
        return batch;
    }

    /** The ONNX base through DJL's ONNX Runtime engine, with the benchmark's thread count. */
    Criteria<NDList, NDList> onnxCriteria() {
        return Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(data.onnxModel()).optEngine("OnnxRuntime").optTranslator(new NoopTranslator())
                .optOption("interOpNumThreads", Integer.toString(options.threads()))
                .optOption("intraOpNumThreads", Integer.toString(options.threads()))
                .build();
    }

    /** One NCHW batch through {@code predictor}, globally average-pooled and copied out, with its arrays attached to {@code scope}. */
    static float[] pooled(final NDManager scope, final Predictor<NDList, NDList> predictor, final float[] batch) throws Exception {
        final NDArray input = scope.create(FloatBuffer.wrap(batch), new Shape(BATCH, 3, SIZE, SIZE));
        final NDList output = predictor.predict(new NDList(input));
        try {
            return Pooling.AVG.apply(output.head()).toFloatArray();
        } finally {
            output.close();
        }
    }

    /** The values joined by commas, as the Python scripts take a mean or std. */
    static String join(final double[] values) {
        final StringBuilder text = new StringBuilder();
        for (final double value : values) {
            text.append(text.isEmpty() ? "" : ",").append(value);
        }
        return text.toString();
    }
}
