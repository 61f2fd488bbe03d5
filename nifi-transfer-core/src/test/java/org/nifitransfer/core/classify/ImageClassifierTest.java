package org.nifitransfer.core.classify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.image.ImageDecodeException;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.Interpolation;
import org.nifitransfer.core.image.PngEncoder;
import org.nifitransfer.core.image.ResizeMode;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.pipeline.Hashes;
import org.nifitransfer.core.pipeline.TensorConverter;
import org.nifitransfer.core.training.StripeDatasets;
import org.nifitransfer.core.training.StripeModels;

/** Classifying new images with a head model trained on stripes through the fixture base. */
class ImageClassifierTest {

    private static final int SIZE = 32;

    @TempDir
    static Path folder;

    private static Path modelFile;
    private static ImageClassifier classifier;
    /** Striped PNGs of 48 x 40 pixels (another size and aspect than the model's), by {@code class/name}. */
    private static Map<String, byte[]> images;

    @BeforeAll
    static void train() throws Exception {
        modelFile = StripeModels.headModelFile("tiny_base.pt", StripeDatasets.tensors("train", 80, SIZE, 1),
                StripeDatasets.tensors("validation", 40, SIZE, 2), folder.resolve("model.tar"));
        classifier = ImageClassifier.builder().setModelFile(modelFile).build();
        images = new java.util.LinkedHashMap<>();
        final Random random = new Random(5);
        for (int label = 0; label < 2; label++) {
            for (int i = 0; i < 12; i++) {
                final RgbImage square = StripeDatasets.stripes(label, 48, random);
                final RgbImage wide = new RgbImage(48, 40, java.util.Arrays.copyOf(square.getData(), 48 * 40 * 3));
                images.put(StripeDatasets.CLASSES.get(label) + "/img" + i + ".png", PngEncoder.encode(wide));
            }
        }
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    private static byte[] imageDataset(final Map<String, byte[]> files, final List<String> classes) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageDatasetWriter writer = new ImageDatasetWriter(out, DatasetManifest.of(DatasetKind.IMAGES, "new-images", "test", classes,
                new DatasetManifest.Source("/new", "class-folders", 1L)))) {
            for (final Map.Entry<String, byte[]> file : files.entrySet()) {
                final String[] parts = file.getKey().split("/", 2);
                writer.add(classes.indexOf(parts[0]), parts[1], file.getValue());
            }
        }
        return out.toByteArray();
    }

    @Test
    void anImageGetsTheProbabilitiesEvaluateComputesForItThroughResizeAndNormalize() throws Exception {
        // Evaluate's path: ResizeAndNormalize stores the resized pixels, Evaluate normalises and predicts them in batches
        final ModelManifest.InputSpec input = classifier.getManifest().input();
        final ByteArrayOutputStream tensors = new ByteArrayOutputStream();
        TensorConverter.builder().setResizer(Resizer.builder().setSize(input.width(), input.height()).optMode(input.resizeModeOrDefault())
                        .optInterpolation(input.interpolationOrDefault()).build()).setNormalization(input.normalization()).build()
                .convert(new ByteArrayInputStream(imageDataset(images, StripeDatasets.CLASSES)), tensors, Cancellation.NONE, done -> { });
        final Map<String, float[]> evaluated = new HashMap<>();
        try (Unpacked model = readPackage(); ModelRunner runner = ModelRunner.open(model.model(), ai.djl.Device.cpu())) {
            runner.predictAll(new ByteArrayInputStream(tensors.toByteArray()), 16, prediction -> evaluated.put(prediction.file(),
                    prediction.probabilities()), Cancellation.NONE, done -> { });
        }
        assertEquals(images.size(), evaluated.size());
        int correct = 0;
        // one at a time here, in batches of 16 there: the per-image answer does not depend on the batch
        for (final Map.Entry<String, byte[]> image : images.entrySet()) {
            final Classification answer = classifier.classify(image.getValue(), image.getKey());
            final float[] expected = evaluated.get(image.getKey());
            for (int c = 0; c < expected.length; c++) {
                assertEquals(expected[c], answer.probabilities()[c], 1e-5, image.getKey());
            }
            correct += image.getKey().startsWith(answer.bestClass() + "/") ? 1 : 0;
        }
        assertTrue(correct >= 20, "the model learnt the stripes: " + correct + " of 24 right");
    }

    /** The model package read back, closable so its unpacked base is removed. */
    private record Unpacked(ModelPackage model, Path directory) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try (Stream<Path> files = Files.walk(directory)) {
                for (final Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private static Unpacked readPackage() throws IOException {
        final Path directory = Files.createTempDirectory(folder, "unpacked");
        try (var in = Files.newInputStream(modelFile)) {
            return new Unpacked(ModelPackage.read(in, directory), directory);
        }
    }

    @Test
    void preprocessingComesFromTheModel() throws Exception {
        // the same model recorded as trained on centre-cropped, bicubic images
        final Path cropped = folder.resolve("cropped.tar");
        try (Unpacked unpacked = readPackage(); OutputStream out = Files.newOutputStream(cropped)) {
            final ModelManifest manifest = unpacked.model().manifest();
            final ModelManifest.InputSpec input = manifest.input();
            new ModelPackage(new ModelManifest(manifest.format(), manifest.formatVersion(), manifest.runId(), manifest.classes(),
                    new ModelManifest.InputSpec(input.height(), input.width(), 3, input.normalization(), ResizeMode.SHORTER_SIDE_CENTER_CROP.name(),
                            Interpolation.BICUBIC.name()), manifest.base(), manifest.pooling(), manifest.head(), manifest.headParameters(),
                    manifest.baseParameters(), false, null, manifest.history(), manifest.metrics()), unpacked.model().baseFile(),
                    unpacked.model().headWeights()).write(out);
        }
        final byte[] image = images.values().iterator().next();
        final RgbImage decoded = ImageDecoder.builder().build().decode(image, "x.png");
        try (ImageClassifier croppedClassifier = ImageClassifier.builder().setModelFile(cropped).build()) {
            assertEquals(Resizer.builder().setSize(SIZE, SIZE).optMode(ResizeMode.SHORTER_SIDE_CENTER_CROP).optInterpolation(Interpolation.BICUBIC)
                    .build().resize(decoded), croppedClassifier.prepare(image, "x.png"));
        }
        assertEquals(Resizer.builder().setSize(SIZE, SIZE).optMode(ResizeMode.STRETCH).optInterpolation(Interpolation.BILINEAR).build()
                .resize(decoded), classifier.prepare(image, "x.png"), "the stripe model was trained on stretched, bilinear images");
        assertNotEquals(classifier.prepare(image, "x.png"), Resizer.builder().setSize(SIZE, SIZE).optMode(ResizeMode.SHORTER_SIDE_CENTER_CROP)
                .optInterpolation(Interpolation.BICUBIC).build().resize(decoded));
    }

    @Test
    void aModelWrittenBeforeResizeModesWereRecordedIsReadWithResizeAndNormalizesDefaults() throws Exception {
        final ModelManifest.InputSpec old = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                "{\"height\":32,\"width\":32,\"channels\":3,\"normalization\":{\"name\":\"zero-one\",\"channelOrder\":\"RGB\","
                        + "\"mean\":[0,0,0],\"std\":[255,255,255]}}", ModelManifest.InputSpec.class);
        assertNull(old.resizeMode());
        assertEquals(ResizeMode.STRETCH, old.resizeModeOrDefault());
        assertEquals(Interpolation.BILINEAR, old.interpolationOrDefault());
        assertEquals(ResizeMode.STRETCH.name(), classifier.getManifest().input().resizeMode(), "new models record it");
    }

    @Test
    void manyThreadsShareOneClassifierAndGetWhatOneThreadGets() throws Exception {
        final List<byte[]> contents = new ArrayList<>(images.values());
        final List<RgbImage> prepared = new ArrayList<>();
        for (final byte[] content : contents) {
            prepared.add(classifier.prepare(content, "x.png"));
        }
        final List<Classification> alone = classifier.classify(prepared);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final List<Future<List<Classification>>> answers = new ArrayList<>();
            for (int task = 0; task < 8; task++) {
                answers.add(pool.submit(() -> {
                    final List<Classification> all = new ArrayList<>();
                    for (int start = 0; start < prepared.size(); start += 6) {
                        all.addAll(classifier.classify(prepared.subList(start, Math.min(start + 6, prepared.size()))));
                    }
                    return all;
                }));
            }
            for (final Future<List<Classification>> answer : answers) {
                final List<Classification> together = answer.get();
                for (int i = 0; i < alone.size(); i++) {
                    assertArrayEquals(alone.get(i).probabilities(), together.get(i).probabilities(), 1e-5f);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anImageDatasetIsScoredWholeIntoAPredictionsCsv() throws Exception {
        final Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        files.put("horizontal/a.png", images.get("horizontal/img0.png"));
        files.put("vertical/b.png", images.get("vertical/img0.png"));
        files.put("vertical/broken.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00});
        files.put("unknown/c.png", images.get("vertical/img1.png"));
        final ByteArrayOutputStream csv = new ByteArrayOutputStream();
        final ImageClassifier.DatasetResult result = classifier.classifyDataset(new ByteArrayInputStream(imageDataset(files,
                List.of("horizontal", "vertical", "unknown"))), csv, 2, Cancellation.NONE);
        assertEquals(3, result.classified());
        assertEquals(2, result.labelled(), "an image of a class the model does not know is classified but not counted as right or wrong");
        assertEquals(1, result.skipped().size());
        assertEquals("vertical/broken.jpg", result.skipped().getFirst().file());
        final String[] lines = csv.toString(StandardCharsets.UTF_8).split("\r\n");
        assertEquals(4, lines.length);
        assertEquals("file,true_class,predicted_class,probability,correct,p_horizontal,p_vertical", lines[0]);
        assertTrue(lines[1].startsWith("horizontal/a.png,horizontal,"), lines[1]);
        assertTrue(lines[3].startsWith("unknown/c.png,,"), lines[3]);
        final String[] unknown = lines[3].split(",");
        assertEquals("", unknown[4]);
        final Classification direct = classifier.classify(images.get("vertical/img1.png"), "c.png");
        assertEquals(direct.probabilities()[1], Float.parseFloat(unknown[6]), 1e-6f);
    }

    @Test
    void aDatasetOfTensorsIsRefusedWithTheReason() {
        final DatasetFormatException error = assertThrows(DatasetFormatException.class, () -> classifier.classifyDataset(
                new ByteArrayInputStream(StripeDatasets.tensors("test", 2, SIZE, 3)), new ByteArrayOutputStream(), 4, Cancellation.NONE));
        assertTrue(error.getMessage().contains("image dataset"), error.getMessage());
    }

    @Test
    void undecodableContentSaysWhy() {
        final ImageDecodeException error = assertThrows(ImageDecodeException.class,
                () -> classifier.prepare("not an image".getBytes(StandardCharsets.UTF_8), "notes.txt"));
        assertFalse(error.getReason().isBlank());
        assertThrows(ImageDecodeException.class, () -> classifier.prepare(new byte[0], "empty.jpg"));
    }

    @Test
    void aSlotKeepsAReplacedClassifierOpenUntilItsLastLeaseIsClosed() throws Exception {
        try (ClassifierSlot slot = new ClassifierSlot()) {
            assertNull(slot.acquire(), "nothing installed yet");
            final ImageClassifier first = ImageClassifier.builder().setModelFile(modelFile).build();
            final ImageClassifier second = ImageClassifier.builder().setModelFile(modelFile).build();
            slot.install(first);
            final ClassifierSlot.Lease old = slot.acquire();
            slot.install(second);
            assertFalse(first.isClosed(), "a lease still uses it");
            assertEquals(2, old.classifier().classify(List.of(first.prepare(images.values().iterator().next(), "x.png"))).getFirst()
                    .probabilities().length);
            try (ClassifierSlot.Lease current = slot.acquire()) {
                assertSame(second, current.classifier());
            }
            old.close();
            old.close();
            assertTrue(first.isClosed(), "closed with its last lease");
            assertFalse(second.isClosed());
            assertThrows(IllegalStateException.class, old::classifier);
            slot.close();
            assertTrue(second.isClosed());
            assertNull(slot.acquire());
        }
    }

    @Test
    void theStoreInstallsAModelAtomicallyUnderItsHashAndRefusesWhatIsNoModel(@TempDir final Path directory) throws Exception {
        final ModelStore store = new ModelStore(directory.resolve("models"));
        final ModelStore.Installed installed;
        try (var in = Files.newInputStream(modelFile)) {
            installed = store.install(in);
        }
        assertEquals(Hashes.sha256(modelFile), installed.sha256());
        assertEquals(directory.resolve("models").resolve(installed.sha256() + ".tar"), installed.file());
        assertArrayEquals(Files.readAllBytes(modelFile), Files.readAllBytes(installed.file()));
        assertEquals(StripeDatasets.CLASSES, installed.manifest().classes());

        final DatasetFormatException error = assertThrows(DatasetFormatException.class,
                () -> store.install(new ByteArrayInputStream(PngEncoder.encode(RgbImage.blank(4, 4)))));
        assertTrue(error.getMessage().contains("not a model"), error.getMessage());
        try (Stream<Path> files = Files.list(store.getDirectory())) {
            assertEquals(List.of(installed.file()), files.toList(), "nothing left of the refused content");
        }
        Files.writeString(store.getDirectory().resolve("old.tar"), "an older model");
        store.removeAllBut(installed.file());
        try (Stream<Path> files = Files.list(store.getDirectory())) {
            assertEquals(List.of(installed.file()), files.toList());
        }
    }

    @Test
    void topClassesAreOrderedAndBounded() {
        final Classification answer = new Classification(List.of("a", "b", "c"), new float[] {0.2f, 0.5f, 0.3f});
        assertEquals("b", answer.bestClass());
        assertEquals(0.5f, answer.confidence());
        assertEquals(List.of(new Classification.Score("b", 0.5f), new Classification.Score("c", 0.3f)), answer.top(2));
        assertEquals(3, answer.top(10).size());
        assertEquals(1, answer.top(0).size());
        final Classification tie = new Classification(List.of("a", "b"), new float[] {0.5f, 0.5f});
        assertEquals("a", tie.top(1).getFirst().className(), "ties keep class order, as the best class does");
        assertEquals(tie.bestClass(), tie.top(1).getFirst().className());
        assertThrows(IllegalArgumentException.class, () -> new Classification(List.of("a"), new float[] {0.5f, 0.5f}));
        assertEquals(NormalizationPreset.ZERO_ONE.name(), classifier.getManifest().input().normalization().name());
    }

    /** {@code image} mirrored left to right. */
    private static RgbImage mirrored(final RgbImage image) {
        final byte[] data = new byte[image.getData().length];
        final int width = image.getWidth();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < width; x++) {
                System.arraycopy(image.getData(), (y * width + x) * 3, data, (y * width + width - 1 - x) * 3, 3);
            }
        }
        return new RgbImage(width, image.getHeight(), data);
    }

    @Test
    void withAFlipEachAnswerIsTheMeanOfTheImagesAndItsMirrorImagesAndExplainingGivesTheSame() throws Exception {
        final List<RgbImage> prepared = new ArrayList<>();
        final List<RgbImage> mirrors = new ArrayList<>();
        for (final byte[] content : images.values()) {
            prepared.add(classifier.prepare(content, "x.png"));
            mirrors.add(mirrored(prepared.getLast()));
        }
        final List<Classification> plain = classifier.classify(prepared);
        final List<Classification> ofMirrors = classifier.classify(mirrors);
        try (ImageClassifier flipping = ImageClassifier.builder().setModelFile(modelFile)
                .optTestTimeAugmentation(org.nifitransfer.core.model.TestTimeAugmentation.HORIZONTAL_FLIP).build()) {
            final List<Classification> averaged = flipping.classify(prepared);
            final List<ImageClassifier.Explained> explained = flipping.classifyAndExplain(prepared);
            boolean moved = false;
            for (int i = 0; i < prepared.size(); i++) {
                for (int k = 0; k < 2; k++) {
                    assertEquals((plain.get(i).probabilities()[k] + ofMirrors.get(i).probabilities()[k]) / 2, averaged.get(i).probabilities()[k],
                            1e-5);
                    assertEquals(averaged.get(i).probabilities()[k], explained.get(i).classification().probabilities()[k], 1e-5);
                }
                moved |= Math.abs(plain.get(i).probabilities()[0] - averaged.get(i).probabilities()[0]) > 1e-5;
            }
            assertTrue(moved, "the mirror images change some answers");
        }
    }
}
