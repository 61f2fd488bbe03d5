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
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.stream.Stream;

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

    private static final Set<String> URL_SCHEMES = Set.of("djl", "http", "https", "s3", "hdfs", "jar");

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
    /** ONNX Runtime input buffers (direct, native order), one per batch running at once, reused from batch to batch. */
    private final Deque<FloatBuffer> inputBuffers = new ConcurrentLinkedDeque<>();

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
     * Runs the base on {@code count} normalised images ({@code count * channels * height * width} floats, NCHW
     * order) and returns its output; close it after use.
     *
     * <p>A PyTorch base gets the images as an NCHW tensor with channels-last strides (the data in NHWC order), so
     * oneDNN's convolutions, ReLU, pooling and concatenation all work in NHWC and skip the reorders to and from their
     * blocked layout around every convolution: on SqueezeNet 1.1 about 40% less CPU per batch. The output equals
     * the NCHW one within float rounding (about 1e-5). A base that refuses channels-last strides (a {@code view()}
     * of the feature map) is run in NCHW from its first batch on. A PyTorch batch larger than
     * {@link #imagesPerForward} images runs in several forward passes (see {@link Builder#optMaxPixelsPerForward}).
     *
     * @param scope the manager (of the base's engine) the input is attached to
     */
    public NDList predict(final Predictor<NDList, NDList> predictor, final NDManager scope, final float[] images, final int count,
                          final int channels, final int height, final int width) throws TranslateException {
        return predict(predictor, scope, images, false, count, channels, height, width);
    }

    /**
     * Like {@link #predict}, for images in NHWC order ({@link org.nifitransfer.core.dataset.NormalizationPreset#normalizeInterleaved}):
     * the input of a channels-last base without a copy. Only for a base that {@link #isChannelsLast()} when the
     * images were written (a PyTorch base: the NCHW fallback transposes them with the engine).
     */
    public NDList predictInterleaved(final Predictor<NDList, NDList> predictor, final NDManager scope, final float[] images,
                                     final int count, final int channels, final int height, final int width) throws TranslateException {
        if (!channelsLast) {
            throw new IllegalStateException("Base model " + name + " takes NCHW images: use predict");
        }
        return predict(predictor, scope, images, true, count, channels, height, width);
    }

    /**
     * The images per forward pass {@link #predict} splits a batch of {@code height x width} images into: a channels-last
     * base's batch (whose per-image output does not depend on the pass size); NCHW and ONNX Runtime batches run whole.
     */
    public int imagesPerForward(final int height, final int width) {
        return isChannelsLast() ? (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxPixelsPerForward / ((long) height * width)))
                : Integer.MAX_VALUE;
    }

    private NDList predict(final Predictor<NDList, NDList> predictor, final NDManager scope, final float[] images,
                           final boolean interleaved, final int count, final int channels, final int height, final int width)
            throws TranslateException {
        final int chunk = imagesPerForward(height, width);
        if (count <= chunk) {
            return forward(predictor, scope, images, 0, interleaved, count, channels, height, width);
        }
        // forward passes of a few images keep the feature maps in cache: the ReLU, pooling and concatenation passes
        // between the convolutions are memory-bound. In channels-last each image's output is the same as in one pass
        // (in NCHW, oneDNN picks other kernels for other batch sizes: last-bit differences).
        final int imageFloats = channels * height * width;
        final List<NDList> parts = new ArrayList<>();
        try {
            for (int start = 0; start < count; start += chunk) {
                parts.add(forward(predictor, scope, images, start * imageFloats, interleaved, Math.min(chunk, count - start), channels,
                        height, width));
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

    private NDList forward(final Predictor<NDList, NDList> predictor, final NDManager scope, final float[] images, final int offset,
                           final boolean interleaved, final int count, final int channels, final int height, final int width)
            throws TranslateException {
        final Shape shape = interleaved ? new Shape(count, height, width, channels) : new Shape(count, channels, height, width);
        final FloatBuffer data = FloatBuffer.wrap(images, offset, Math.toIntExact(shape.size())).slice();
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
            // ONNX Runtime reads a direct buffer in place and copies any other into a new direct buffer per batch (19 MB
            // for 32 images at 224 x 224), freed only when a garbage collection finds it: over a long extraction those
            // copies pile up outside the heap. A reused buffer is one copy and no allocation. It goes back to the pool once
            // the run is over: ONNX Runtime's outputs are its own memory, never the input's.
            final FloatBuffer direct = borrowInput(data.remaining());
            try {
                direct.put(data).flip();
                return predictor.predict(new NDList(scope.create(direct, shape)));
            } finally {
                inputBuffers.push(direct);
            }
        }
        return predictor.predict(new NDList(nchw(scope, data, interleaved, shape)));
    }

    /** How many ONNX Runtime input buffers this base holds for reuse (at most one per batch that ran at the same time). */
    int pooledInputBuffers() {
        return inputBuffers.size();
    }

    /** A direct input buffer for {@code floats} floats, cleared, with its limit there. */
    private FloatBuffer borrowInput(final int floats) {
        FloatBuffer buffer = inputBuffers.poll();
        if (buffer == null || buffer.capacity() < floats) {
            buffer = ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        buffer.clear().limit(floats);
        return buffer;
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
            final NDList output = predict(predictor, manager, new float[channels * height * width], 1, channels, height, width);
            final long[] shape = output.head().getShape().getShape();
            final long[] perImage = new long[shape.length - 1];
            System.arraycopy(shape, 1, perImage, 0, perImage.length);
            output.close();
            return perImage;
        } catch (final TranslateException | EngineException e) {
            throw new BaseModelException("Base model " + name + " does not accept " + channels + "x" + height + "x" + width
                    + " images (input [1, " + channels + ", " + height + ", " + width + "]): " + firstLine(e), e);
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

    public static String firstLine(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && (cause.getMessage() == null || cause.getMessage().isBlank())) {
            cause = cause.getCause();
        }
        final String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        // drop the exception class names engines prefix their messages with
        final String line = message.strip().lines().findFirst().orElse(message)
                .replaceAll("^(([a-z_]+\\.)+[A-Za-z]+(Exception|Error): )+", "");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }

    /** The engine a file name implies: {@code .onnx} is ONNX Runtime, anything else (.pt, .pth, .torchscript) PyTorch. */
    public static String engineForFile(final String fileName) {
        return fileName.toLowerCase(Locale.ROOT).endsWith(".onnx") ? ONNX_RUNTIME : PYTORCH;
    }

    /** True when {@code location} is a URL DJL resolves (djl://, http(s)://, s3://, ...), not a local file. */
    public static boolean isUrl(final String location) {
        final int colon = location.indexOf("://");
        return colon > 0 && URL_SCHEMES.contains(location.substring(0, colon).toLowerCase(Locale.ROOT));
    }

    /**
     * Checks, without loading it, that a local base model can be loaded: it exists, is readable and not empty, and its
     * structure is that of a model for its engine ({@link ModelFiles}). URLs are not checked (DJL resolves them).
     *
     * @param location a file, a folder holding one {@code .pt} or {@code .onnx} file, or a DJL model URL
     * @param engine {@value #PYTORCH} or {@value #ONNX_RUNTIME}; null: from the file extension
     * @throws BaseModelException naming the file and what is wrong with it
     */
    public static void check(final String location, final String engine) throws BaseModelException {
        if (location == null || location.isBlank()) {
            throw new BaseModelException("No base model given");
        }
        if (isUrl(location)) {
            return;
        }
        final Path file = Builder.modelFile(location.startsWith("file://") ? Path.of(URI.create(location)) : Path.of(location));
        final Optional<String> problem = ModelFiles.problem(file, engine != null ? engine : engineForFile(file.getFileName().toString()));
        if (problem.isPresent()) {
            throw new BaseModelException("Base model " + problem.get());
        }
    }

    /** The SHA-256 of a file, hex. */
    public static String sha256(final Path file) throws IOException {
        final MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
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
            final boolean url = isUrl(location);
            Path file = null;
            String sha256 = null;
            String engineName = engine;
            if (!url) {
                final Path path = location.startsWith("file://") ? Path.of(URI.create(location)) : Path.of(location);
                file = modelFile(path);
                engineName = engineName != null ? engineName : engineForFile(file.getFileName().toString());
                final Optional<String> problem = ModelFiles.problem(file, engineName);
                if (problem.isPresent()) {
                    throw new BaseModelException("Base model " + problem.get());
                }
                try {
                    sha256 = sha256(file);
                } catch (final IOException e) {
                    throw new BaseModelException("Cannot read base model " + file + ": " + e.getMessage(), e);
                }
            } else if (Boolean.getBoolean("ai.djl.offline") || "true".equalsIgnoreCase(System.getenv("DJL_OFFLINE"))) {
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
                        + (engineName == null ? "DJL" : engineName) + ": " + firstLine(e), e);
            }
            final String actualEngine = model.getNDManager().getEngine().getEngineName();
            if (url) {
                try {
                    file = modelFile(model.getModelPath());
                    sha256 = sha256(file);
                } catch (final IOException | BaseModelException e) {
                    model.close();
                    throw new BaseModelException("Loaded " + location + " but cannot find its model file: " + e.getMessage(), e);
                }
            }
            return new BaseModel(model, url ? location : file.getFileName().toString(), actualEngine, file, sha256, device, channelsLast,
                    maxPixelsPerForward);
        }

        private static Path modelFile(final Path path) throws BaseModelException {
            if (!Files.exists(path)) {
                throw new BaseModelException("Base model file " + path + " does not exist");
            }
            if (Files.isDirectory(path)) {
                try (Stream<Path> files = Files.list(path)) {
                    final List<Path> models = files.filter(candidate -> {
                        final String fileName = candidate.getFileName().toString().toLowerCase(Locale.ROOT);
                        return fileName.endsWith(".pt") || fileName.endsWith(".onnx") || fileName.endsWith(".torchscript");
                    }).sorted().toList();
                    if (models.isEmpty()) {
                        throw new BaseModelException("Folder " + path + " holds no .pt or .onnx model file");
                    }
                    return models.getFirst();
                } catch (final IOException e) {
                    throw new BaseModelException("Cannot list " + path + ": " + e.getMessage(), e);
                }
            }
            if (!Files.isReadable(path)) {
                throw new BaseModelException("Base model file " + path + " is not readable");
            }
            try {
                if (Files.size(path) == 0) {
                    throw new BaseModelException("Base model file " + path + " is empty (0 bytes)");
                }
            } catch (final IOException e) {
                throw new BaseModelException("Cannot read base model " + path + ": " + e.getMessage(), e);
            }
            return path;
        }
    }
}
