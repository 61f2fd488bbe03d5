package org.nifitransfer.core.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.nifitransfer.core.pipeline.Hashes;

/**
 * A headless pretrained base (the {@code include_top=False} analogue), loaded with DJL from a TorchScript
 * {@code .pt} file (PyTorch engine; trainable), an ONNX {@code .onnx} file (ONNX Runtime; inference only) or a
 * DJL model-zoo URL. Files and URLs go through the same {@link Criteria} path.
 *
 * <pre>{@code
 * try (BaseModel base = BaseModel.builder().setLocation("squeezenet1_1_features.pt").load()) {
 *     long[] shape = base.probeOutputShape(3, 224, 224);   // [512, 13, 13]
 * }
 * }</pre>
 */
public final class BaseModel implements AutoCloseable {

    /** The PyTorch engine's name in DJL. */
    public static final String PYTORCH = "PyTorch";
    /** The ONNX Runtime engine's name in DJL. */
    public static final String ONNX_RUNTIME = "OnnxRuntime";
    /** System property: {@code true} gives ONNX Runtime sessions back their CPU memory arena (off by default). */
    public static final String ORT_ARENA_PROPERTY = "nifi.transfer.ort.cpu.arena";

    private final ZooModel<NDList, NDList> model;
    private final String name;
    private final String engine;
    private final Path file;
    private final String sha256;
    private final Device device;
    private final boolean channelsLast;
    private final long maxPixelsPerForward;
    /** Set once a channels-last batch ran, so later failures are the base's own, not the layout's. */
    private volatile boolean channelsLastAccepted;
    /** Set when the base failed on channels-last input but ran the same batch in NCHW. */
    private volatile boolean channelsLastRefused;
    private final InputBufferPool inputBuffers = new InputBufferPool();

    private BaseModel(final ZooModel<NDList, NDList> model, final String name, final String engine, final Path file,
                      final String sha256, final Device device, final boolean channelsLast, final long maxPixelsPerForward) {
        this.model = model;
        this.name = name;
        this.engine = engine;
        this.file = file;
        this.sha256 = sha256;
        this.device = device;
        this.channelsLast = channelsLast && PYTORCH.equals(engine);
        this.maxPixelsPerForward = maxPixelsPerForward;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The file name or URL the base was loaded from. */
    public String getName() {
        return name;
    }

    /** {@value #PYTORCH} or {@value #ONNX_RUNTIME}. */
    public String getEngine() {
        return engine;
    }

    /** The model file on disk (for a zoo URL, the file in DJL's cache). */
    public Path getFile() {
        return file;
    }

    /** The SHA-256 of the model file. */
    public String getSha256() {
        return sha256;
    }

    public Device getDevice() {
        return device;
    }

    /** The DJL block: a {@code PtSymbolBlock} for TorchScript, an ONNX Runtime block for ONNX. */
    public Block getBlock() {
        return model.getBlock();
    }

    /** The loaded DJL model. */
    public ZooModel<NDList, NDList> getModel() {
        return model;
    }

    /** True when the base can be fine-tuned (TorchScript loaded with trainable parameters). */
    public boolean isTrainable() {
        return PYTORCH.equals(engine);
    }

    /** A predictor that runs the frozen base; close it after use. Feed it through {@link #predict}. */
    public Predictor<NDList, NDList> newPredictor() {
        return model.newPredictor();
    }

    /**
     * True when {@link #predict} hands the base channels-last input: a PyTorch base loaded with
     * {@link Builder#optChannelsLast} (the default) that has not refused it.
     */
    public boolean isChannelsLast() {
        return channelsLast && !channelsLastRefused;
    }

    /**
     * Runs the base on a batch of normalised images and returns its output; close it after use.
     *
     * <p>A PyTorch base gets the images as an NCHW tensor with channels-last strides (the data in NHWC order), so
     * oneDNN's convolutions, ReLU, pooling and concatenation all work in NHWC and skip the reorders to and from their
     * blocked layout around every convolution (docs/performance.md, stage 2). The output equals the NCHW one within
     * float rounding (about 1e-5). A base that refuses channels-last strides (a {@code view()} of the feature map) is run
     * in NCHW from its first batch on. NHWC batches ({@link org.nifitransfer.core.dataset.NormalizationPreset#normalizeInterleaved})
     * reach a channels-last base without a copy; they are only for a PyTorch base loaded channels-last. A PyTorch batch
     * larger than {@link #imagesPerForward} images runs in several forward passes (see {@link Builder#optMaxPixelsPerForward}).
     *
     * @param scope the manager (of the base's engine) the input is attached to
     * @throws IllegalStateException for an NHWC batch and a base that does not take channels-last input
     */
    public NDList predict(final Predictor<NDList, NDList> predictor, final NDManager scope, final ImageBatch batch) throws TranslateException {
        if (batch.layout() == ImageBatch.Layout.NHWC && !channelsLast) {
            throw new IllegalStateException("Base model " + name + " takes NCHW images");
        }
        final int chunk = imagesPerForward(batch.height(), batch.width());
        if (batch.count() <= chunk) {
            return forward(predictor, scope, batch, 0, batch.count());
        }
        // forward passes of a few images keep the feature maps in cache: the ReLU, pooling and concatenation passes
        // between the convolutions are memory-bound. In channels-last each image's output is the same as in one pass
        // (in NCHW, oneDNN picks other kernels for other batch sizes: last-bit differences).
        final List<NDList> parts = new ArrayList<>();
        try {
            for (int start = 0; start < batch.count(); start += chunk) {
                parts.add(forward(predictor, scope, batch, start, Math.min(chunk, batch.count() - start)));
            }
            final NDList output = new NDList();
            for (int i = 0; i < parts.getFirst().size(); i++) {
                final NDList pieces = new NDList();
                for (final NDList part : parts) {
                    pieces.add(part.get(i));
                }
                final NDArray joined = NDArrays.concat(pieces);
                joined.attach(scope);
                output.add(joined);
            }
            return output;
        } finally {
            parts.forEach(NDList::close);
        }
    }

    /**
     * The images per forward pass {@link #predict} splits a batch of {@code height x width} images into: a channels-last
     * base's batch (whose per-image output does not depend on the pass size); NCHW and ONNX Runtime batches run whole.
     */
    public int imagesPerForward(final int height, final int width) {
        return isChannelsLast() ? (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxPixelsPerForward / ((long) height * width)))
                : Integer.MAX_VALUE;
    }

    /** One forward pass of {@code count} images of the batch from image {@code first}. */
    private NDList forward(final Predictor<NDList, NDList> predictor, final NDManager scope, final ImageBatch batch, final int first,
                           final int count) throws TranslateException {
        final boolean interleaved = batch.layout() == ImageBatch.Layout.NHWC;
        final int channels = batch.channels();
        final int height = batch.height();
        final int width = batch.width();
        final Shape shape = interleaved ? new Shape(count, height, width, channels) : new Shape(count, channels, height, width);
        final FloatBuffer data = FloatBuffer.wrap(batch.values(), first * batch.imageFloats(), Math.toIntExact(shape.size())).slice();
        if (isChannelsLast()) {
            try {
                // a [N, C, H, W] view of NHWC data: channels-last strides
                final NDArray nhwc = interleaved ? scope.create(data, shape)
                        : scope.create(data, shape).transpose(0, 2, 3, 1).flatten().reshape(count, height, width, channels);
                final NDList output = predictor.predict(new NDList(nhwc.transpose(0, 3, 1, 2)));
                channelsLastAccepted = true;
                return output;
            } catch (final TranslateException | EngineException e) {
                if (channelsLastAccepted) {
                    throw e;
                }
                // the base's own error when it refuses the batch in NCHW too
                final NDList output = predictor.predict(new NDList(nchw(scope, data.rewind(), interleaved, shape)));
                channelsLastRefused = true;
                return output;
            }
        }
        if (!PYTORCH.equals(engine)) {
            // a reused direct buffer: one copy and no allocation (InputBufferPool says why)
            final FloatBuffer direct = inputBuffers.borrow(data.remaining());
            try {
                direct.put(data).flip();
                return predictor.predict(new NDList(scope.create(direct, shape)));
            } finally {
                inputBuffers.release(direct);
            }
        }
        return predictor.predict(new NDList(nchw(scope, data, interleaved, shape)));
    }

    /** How many ONNX Runtime input buffers this base holds for reuse (at most one per batch that ran at the same time). */
    int pooledInputBuffers() {
        return inputBuffers.size();
    }

    /** The images as a contiguous NCHW array. */
    private static NDArray nchw(final NDManager scope, final FloatBuffer data, final boolean interleaved, final Shape shape) {
        if (!interleaved) {
            return scope.create(data, shape);
        }
        return scope.create(data, shape).transpose(0, 3, 1, 2).flatten().reshape(shape.get(0), shape.get(3), shape.get(1), shape.get(2));
    }

    /** The base's parameters in the module's order (empty for ONNX, whose weights are not exposed). */
    public List<ParameterInfo> parameters() {
        final List<ParameterInfo> parameters = new ArrayList<>();
        if (!isTrainable()) {
            return parameters;
        }
        for (final Pair<String, Parameter> pair : model.getBlock().getParameters()) {
            final Parameter parameter = pair.getValue();
            final Shape shape = parameter.getArray().getShape();
            parameters.add(new ParameterInfo(parameter.getName(), shape.getShape(), parameter.getType().name().toLowerCase(Locale.ROOT),
                    parameter.requiresGradient()));
        }
        return parameters;
    }

    /**
     * The input shape the base declares, with -1 for dynamic dimensions, when the engine reports one (ONNX does;
     * TorchScript modules do not).
     */
    public Optional<long[]> declaredInputShape() {
        try {
            final PairList<String, Shape> inputs = model.describeInput();
            if (inputs == null || inputs.isEmpty() || inputs.get(0).getValue() == null) {
                return Optional.empty();
            }
            return Optional.of(inputs.get(0).getValue().getShape());
        } catch (final RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Checks that the base accepts images of {@code channels x height x width} and returns its output shape for
     * one image (e.g. {@code [512, 13, 13]}).
     *
     * @throws BaseModelException naming the expected and given shapes when the base refuses the input
     */
    public long[] probeOutputShape(final int channels, final int height, final int width) throws BaseModelException {
        final Optional<long[]> declared = declaredInputShape();
        if (declared.isPresent() && declared.get().length == 4) {
            final long[] expected = declared.get();
            final long[] given = {1, channels, height, width};
            for (int axis = 1; axis < 4; axis++) {
                if (expected[axis] > 0 && expected[axis] != given[axis]) {
                    throw new BaseModelException("Base model " + name + " expects input " + shapeText(expected) + " (N, C, H, W), but the "
                            + "dataset holds " + channels + "x" + height + "x" + width + " images: "
                            + (axis == 1 ? "wrong channel count" : "resize the images to " + expected[3] + "x" + expected[2]
                            + " in ResizeAndNormalize"));
                }
            }
        }
        try (NDManager manager = NDManager.newBaseManager(device, engine);
             Predictor<NDList, NDList> predictor = newPredictor()) {
            final NDList output = predict(predictor, manager, ImageBatch.nchw(new float[channels * height * width], 1, channels, height, width));
            final long[] shape = output.head().getShape().getShape();
            final long[] perImage = new long[shape.length - 1];
            System.arraycopy(shape, 1, perImage, 0, perImage.length);
            output.close();
            return perImage;
        } catch (final TranslateException | EngineException e) {
            throw new BaseModelException("Base model " + name + " does not accept " + channels + "x" + height + "x" + width
                    + " images (input [1, " + channels + ", " + height + ", " + width + "]): " + BaseModelException.firstLine(e), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }

    private static String shapeText(final long[] shape) {
        final StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ", ").append(shape[i] < 0 ? "?" : String.valueOf(shape[i]));
        }
        return text.append(']').toString();
    }

    /** Configures and loads a {@link BaseModel}. */
    public static final class Builder {
        private String location;
        private String engine;
        private boolean trainable;
        private boolean channelsLast = true;
        private long maxPixelsPerForward = Long.MAX_VALUE;
        private Device device = Device.cpu();

        private Builder() {
        }

        /** A file path ({@code .pt}, {@code .onnx}, or a folder holding one) or a DJL model URL (required). */
        public Builder setLocation(final String value) {
            this.location = value;
            return this;
        }

        /** The engine, {@value #PYTORCH} or {@value #ONNX_RUNTIME}; default: from the file extension. */
        public Builder optEngine(final String value) {
            this.engine = value;
            return this;
        }

        /** Loads TorchScript weights as trainable tensors (needed to fine-tune). Default false. */
        public Builder optTrainable(final boolean value) {
            this.trainable = value;
            return this;
        }

        /**
         * Whether {@link BaseModel#predict} runs a PyTorch base on channels-last input (faster on CPU; features
         * equal to NCHW's within float rounding). Default true; ignored for ONNX Runtime. Fine-tuning does not use it.
         */
        public Builder optChannelsLast(final boolean value) {
            this.channelsLast = value;
            return this;
        }

        /**
         * The most image pixels (images x height x width) {@link BaseModel#predict} gives a PyTorch base in one forward
         * pass; larger batches run in several passes, with the same output. Only for channels-last input
         * ({@link #optChannelsLast}), ignored for NCHW and ONNX Runtime. Default: no limit (the whole batch in one pass).
         *
         * <p>On an idle 2-core machine, 8 x 224 x 224 (8 SqueezeNet images per pass) halved the time per batch of 32: the
         * feature maps stay in cache. On an oversubscribed machine it doubled it: every pass adds thread barriers that
         * wait for descheduled threads.
         */
        public Builder optMaxPixelsPerForward(final long value) {
            if (value < 1) {
                throw new IllegalArgumentException("Pixels per forward pass must be at least 1, got " + value);
            }
            this.maxPixelsPerForward = value;
            return this;
        }

        /** The device. Default CPU. */
        public Builder optDevice(final Device value) {
            this.device = value;
            return this;
        }

        /**
         * Loads the base.
         *
         * @throws BaseModelException naming the file or URL and the reason: missing, empty, not a model, truncated,
         *                            of the wrong engine, or a URL while DJL is offline
         */
        public BaseModel load() throws BaseModelException {
            if (location == null || location.isBlank()) {
                throw new BaseModelException("No base model given");
            }
            final boolean url = BaseLocations.isUrl(location);
            Path file = null;
            String sha256 = null;
            String engineName = engine;
            if (!url) {
                file = BaseLocations.modelFile(location);
                engineName = engineName != null ? engineName : BaseLocations.engineForFile(file.getFileName().toString());
                BaseLocations.checkFile(file, engineName);
                try {
                    sha256 = Hashes.sha256(file);
                } catch (final IOException e) {
                    throw new BaseModelException("Cannot read base model " + file + ": " + e.getMessage(), e);
                }
            } else if (BaseLocations.offline()) {
                throw new BaseModelException("Base model " + location + " is a URL, but DJL runs offline (ai.djl.offline=true or "
                        + "DJL_OFFLINE=true): download the model and give its file, or run NiFi online");
            }
            final Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optTranslator(new NoopTranslator())
                    .optDevice(device);
            if (url) {
                criteria.optModelUrls(location);
            } else {
                criteria.optModelPath(file);
            }
            if (engineName != null) {
                criteria.optEngine(engineName);
            }
            if (trainable && PYTORCH.equals(engineName)) {
                criteria.optOption("trainParam", "true");
            }
            if (PYTORCH.equals(engineName)) {
                criteria.optOption("mapLocation", "true");
            }
            if (ONNX_RUNTIME.equals(engineName) && !Boolean.getBoolean(ORT_ARENA_PROPERTY)) {
                // ONNX Runtime's CPU arena keeps the largest batch's activations for as long as the session lives and
                // gives little back: without it, native memory follows the batch in flight (docs/performance.md, stage 6)
                criteria.optOption("cpuArenaAllocator", "false");
            }
            final ZooModel<NDList, NDList> model;
            try {
                model = criteria.build().loadModel();
            } catch (final ModelNotFoundException | MalformedModelException | IOException | EngineException | IllegalArgumentException e) {
                throw new BaseModelException("Cannot load base model " + (url ? location : file) + " with "
                        + (engineName == null ? "DJL" : engineName) + ": " + BaseModelException.firstLine(e), e);
            }
            final String actualEngine = model.getNDManager().getEngine().getEngineName();
            if (url) {
                try {
                    file = BaseLocations.modelFile(model.getModelPath());
                    sha256 = Hashes.sha256(file);
                } catch (final IOException | BaseModelException e) {
                    model.close();
                    throw new BaseModelException("Loaded " + location + " but cannot find its model file: " + e.getMessage(), e);
                }
            }
            return new BaseModel(model, url ? location : file.getFileName().toString(), actualEngine, file, sha256, device, channelsLast,
                    maxPixelsPerForward);
        }
    }
}
