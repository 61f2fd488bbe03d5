package org.nifitransfer.core.classify;

import ai.djl.Device;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.commons.io.output.CloseShieldOutputStream;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetSummary;
import org.nifitransfer.core.dataset.ImageDatasetReader;
import org.nifitransfer.core.evaluate.Prediction;
import org.nifitransfer.core.evaluate.PredictionsCsv;
import org.nifitransfer.core.explain.ClassActivationMaps;
import org.nifitransfer.core.image.ImageDecodeException;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.model.TestTimeAugmentation;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.pipeline.Folders;
import org.nifitransfer.core.pipeline.Hashes;

/**
 * Classifies new images with a trained model (a model file as TrainHead, FineTune and Evaluate write it).
 *
 * <p>Each image is prepared as ResizeAndNormalize prepared the model's training and test images: the same decoder
 * (JPEG, PNG, BMP, GIF; every colour model to RGB; EXIF orientation applied; a pixel limit checked from the header),
 * then the size, resize mode, filter and normalisation recorded in the model. Nothing about preprocessing is a
 * setting, so an image scored here gets the probabilities Evaluate computed for it (within float rounding).
 *
 * <p>Thread-safe: {@link #prepare} and {@link #classify(List)} may run on many threads at once (see
 * {@link ModelRunner}). Close it to free the engines' memory.
 *
 * <pre>{@code
 * try (ImageClassifier classifier = ImageClassifier.builder().setModelFile(Path.of("flowers-fine-tune.tar")).build()) {
 *     Classification answer = classifier.classify(Files.readAllBytes(Path.of("rose.jpg")), "rose.jpg");
 *     System.out.println(answer.bestClass() + " " + answer.confidence());
 * }
 * }</pre>
 */
public final class ImageClassifier implements AutoCloseable {

    private final ModelRunner runner;
    private final ModelManifest manifest;
    private final ImageDecoder decoder;
    private final Resizer resizer;
    private final Path file;
    private final String sha256;
    private volatile boolean closed;

    private ImageClassifier(final ModelRunner runner, final ImageDecoder decoder, final Path file, final String sha256) {
        this.runner = runner;
        this.manifest = runner.getManifest();
        this.decoder = decoder;
        final ModelManifest.InputSpec input = manifest.input();
        this.resizer = Resizer.builder().setSize(input.width(), input.height()).optMode(input.resizeModeOrDefault())
                .optInterpolation(input.interpolationOrDefault()).build();
        this.file = file;
        this.sha256 = sha256;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The model's manifest: classes, input, base, head, history. */
    public ModelManifest getManifest() {
        return manifest;
    }

    /** The model file this classifier was loaded from. */
    public Path getFile() {
        return file;
    }

    /** The SHA-256 of the model file: which model scored an image. */
    public String getSha256() {
        return sha256;
    }

    /** The run the model was trained in. */
    public String getRunId() {
        return manifest.runId();
    }

    /** The model's last training phase: {@code head}, {@code fine-tune}, or {@code untrained}. */
    public String getPhase() {
        return manifest.history().isEmpty() ? "untrained" : manifest.history().getLast().phase();
    }

    /**
     * Decodes an image and brings it to the model's size, as ResizeAndNormalize did for the model's own images.
     *
     * @throws ImageDecodeException when the content is empty, no supported image, corrupt, or too large
     */
    public RgbImage prepare(final byte[] content, final String name) throws ImageDecodeException {
        return resizer.resize(decoder.decode(content, name));
    }

    /**
     * Classifies prepared images (see {@link #prepare}) in one forward pass.
     *
     * @return one classification per image, in order
     */
    public List<Classification> classify(final List<RgbImage> images) throws BaseModelException {
        if (closed) {
            throw new IllegalStateException("The classifier of model " + sha256 + " is closed");
        }
        if (images.isEmpty()) {
            return List.of();
        }
        final float[][] probabilities = runner.predict(normalized(images), images.size());
        final List<Classification> answers = new ArrayList<>(images.size());
        for (final float[] row : probabilities) {
            answers.add(new Classification(manifest.classes(), row));
        }
        return answers;
    }

    /**
     * An answer and why: the class activation map of the predicted class over the base's last feature map.
     *
     * @param classification the probabilities
     * @param explanation the map of the most probable class, and the method and layer that made it
     */
    public record Explained(Classification classification, ClassActivationMaps.Explanation explanation) {
    }

    /**
     * Classifies prepared images and explains each answer, with one pass through the base: the feature maps give both the
     * probabilities (pooled, then the head) and the class activation maps (CAM for a linear head, else Grad-CAM).
     */
    public List<Explained> classifyAndExplain(final List<RgbImage> images) throws BaseModelException {
        if (closed) {
            throw new IllegalStateException("The classifier of model " + sha256 + " is closed");
        }
        if (images.isEmpty()) {
            return List.of();
        }
        final float[] batch = normalized(images);
        final ModelRunner.FeatureMaps maps = runner.featureMaps(batch, images.size());
        final float[][] probabilities = runner.predict(maps, batch);
        final ClassActivationMaps explainer = new ClassActivationMaps(runner);
        final List<Explained> answers = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            final Classification classification = new Classification(manifest.classes(), probabilities[i]);
            answers.add(new Explained(classification, explainer.explain(maps, i, classification.best())));
        }
        return answers;
    }

    /** Prepared images as one normalised NCHW batch. */
    private float[] normalized(final List<RgbImage> images) {
        final ModelManifest.InputSpec input = manifest.input();
        final int imageFloats = 3 * input.height() * input.width();
        final float[] batch = new float[Math.multiplyExact(images.size(), imageFloats)];
        for (int i = 0; i < images.size(); i++) {
            final RgbImage image = images.get(i);
            if (image.getWidth() != input.width() || image.getHeight() != input.height()) {
                throw new IllegalArgumentException("Image " + i + " is " + image.getWidth() + "x" + image.getHeight() + ", the model takes "
                        + input.width() + "x" + input.height() + ": prepare it first");
            }
            input.normalization().normalize(image.getData(), 0, 1, input.height(), input.width(), batch, i * imageFloats);
        }
        return batch;
    }

    /** Prepares and classifies one image. */
    public Classification classify(final byte[] content, final String name) throws ImageDecodeException, BaseModelException {
        return classify(List.of(prepare(content, name))).getFirst();
    }

    /**
     * What scoring an image dataset gave.
     *
     * @param dataset the dataset's manifest
     * @param classified images classified (one CSV row each)
     * @param labelled of those, images whose class folder is one of the model's classes
     * @param correct of those, images whose predicted class is their folder's
     * @param skipped images that could not be decoded, and those the dataset's writer had skipped already
     */
    public record DatasetResult(DatasetManifest dataset, long classified, long labelled, long correct,
                                List<DatasetSummary.SkippedFile> skipped) {
    }

    /**
     * Classifies every image of an image dataset (LoadImageFolder's output) in batches and writes a predictions CSV as
     * Evaluate writes one ({@link PredictionsCsv}); an image whose class folder is none of the model's classes has an
     * empty {@code true_class} and {@code correct}. Undecodable images are skipped and listed. {@code out} stays open.
     *
     * @throws DatasetFormatException when {@code in} is not an image dataset
     */
    public DatasetResult classifyDataset(final InputStream in, final OutputStream out, final int batchSize, final Cancellation cancellation)
            throws IOException, BaseModelException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("Batch size must be at least 1");
        }
        final ImageDatasetReader opened;
        try {
            opened = ImageDatasetReader.open(in);
        } catch (final DatasetFormatException e) {
            throw new DatasetFormatException(e.getMessage() + ": only images and image datasets (LoadImageFolder's output) can be classified", e);
        }
        try (ImageDatasetReader reader = opened;
             PredictionsCsv csv = new PredictionsCsv(CloseShieldOutputStream.wrap(out), manifest.classes())) {
            final DatasetManifest dataset = reader.getManifest();
            final List<DatasetSummary.SkippedFile> skipped = new ArrayList<>();
            final List<RgbImage> images = new ArrayList<>(batchSize);
            final List<String> names = new ArrayList<>(batchSize);
            final List<Integer> labels = new ArrayList<>(batchSize);
            final long[] counts = new long[3];
            ImageDatasetReader.ImageEntry entry;
            while ((entry = reader.next()) != null) {
                cancellation.check();
                try {
                    images.add(prepare(entry.content(), entry.relativePath()));
                } catch (final ImageDecodeException e) {
                    skipped.add(new DatasetSummary.SkippedFile(entry.displayName(), e.getReason()));
                    continue;
                }
                names.add(entry.displayName());
                labels.add(manifest.classes().indexOf(entry.className()));
                if (images.size() == batchSize) {
                    writeBatch(csv, images, names, labels, counts);
                }
            }
            writeBatch(csv, images, names, labels, counts);
            skipped.addAll(reader.getSkipped());
            return new DatasetResult(dataset, counts[0], counts[1], counts[2], List.copyOf(skipped));
        }
    }

    private void writeBatch(final PredictionsCsv csv, final List<RgbImage> images, final List<String> names, final List<Integer> labels,
                            final long[] counts) throws IOException, BaseModelException {
        final List<Classification> answers = classify(images);
        for (int i = 0; i < answers.size(); i++) {
            final int label = labels.get(i);
            csv.write(new Prediction(names.get(i), label, answers.get(i).probabilities()));
            counts[0]++;
            if (label >= 0) {
                counts[1]++;
                counts[2] += answers.get(i).best() == label ? 1 : 0;
            }
        }
        images.clear();
        names.clear();
        labels.clear();
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            runner.close();
        }
    }

    /** Builds an {@link ImageClassifier}; the model file is required. */
    public static final class Builder {
        private Path modelFile;
        private Device device;
        private ImageDecoder decoder = ImageDecoder.builder().build();
        private Path workDirectory;
        private String sha256;
        private long maxPixelsPerForward = Long.MAX_VALUE;

        private TestTimeAugmentation testTimeAugmentation = TestTimeAugmentation.NONE;

        private Builder() {
        }

        /** The model file: a tar as TrainHead, FineTune and Evaluate write it (required). */
        public Builder setModelFile(final Path value) {
            this.modelFile = value;
            return this;
        }

        /** The device; default: the engines' default (a GPU when there is one). */
        public Builder optDevice(final Device value) {
            this.device = value;
            return this;
        }

        /** The decoder; default: 64-megapixel limit, EXIF orientation applied (ResizeAndNormalize's). */
        public Builder optDecoder(final ImageDecoder value) {
            this.decoder = Objects.requireNonNull(value, "decoder");
            return this;
        }

        /** Where the base file is unpacked while it loads (removed after); default: the JVM's temporary directory. */
        public Builder optWorkDirectory(final Path value) {
            this.workDirectory = value;
            return this;
        }

        /**
         * The most pixels a PyTorch base gets in one forward pass; a larger batch runs in several, with the same answers
         * (see {@link BaseModel.Builder#optMaxPixelsPerForward}). Default: the whole batch in one pass.
         */
        public Builder optMaxPixelsPerForward(final long value) {
            this.maxPixelsPerForward = value;
            return this;
        }

        /**
         * Averages each image's probabilities over the variants of {@code value} ({@link ModelRunner#optTestTimeAugmentation});
         * default {@link TestTimeAugmentation#NONE}.
         */
        public Builder optTestTimeAugmentation(final TestTimeAugmentation value) {
            this.testTimeAugmentation = Objects.requireNonNull(value, "testTimeAugmentation");
            return this;
        }

        /** The model file's SHA-256 when the caller computed it already (else it is computed). */
        public Builder optSha256(final String value) {
            this.sha256 = value;
            return this;
        }

        /**
         * Reads the model file and loads its base and head.
         *
         * @throws DatasetFormatException when the file is not a complete model
         * @throws BaseModelException when its base cannot be loaded
         */
        public ImageClassifier build() throws IOException, BaseModelException {
            Objects.requireNonNull(modelFile, "A model file is required");
            final String hash = sha256 != null ? sha256 : Hashes.sha256(modelFile);
            final Path unpacked = workDirectory == null ? Files.createTempDirectory("nifi-transfer-model-")
                    : Files.createTempDirectory(Files.createDirectories(workDirectory), "unpacking-");
            try {
                final ModelPackage model;
                try (InputStream in = Files.newInputStream(modelFile)) {
                    model = ModelPackage.read(in, unpacked);
                }
                return new ImageClassifier(ModelRunner.open(model, device, maxPixelsPerForward).optTestTimeAugmentation(testTimeAugmentation),
                        decoder, modelFile, hash);
            } finally {
                // the engines hold the loaded base in memory: the unpacked copy is no longer needed
                Folders.deleteQuietly(unpacked);
            }
        }
    }
}
