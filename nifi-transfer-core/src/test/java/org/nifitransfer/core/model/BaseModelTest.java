package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.pipeline.Hashes;
import org.nifitransfer.core.training.StripeDatasets;

class BaseModelTest {

    @Test
    void modelZooUrlsAreRefusedClearlyWhileOffline() {
        assertEquals("true", System.getProperty("ai.djl.offline"));
        final BaseModelException error = assertThrows(BaseModelException.class,
                () -> BaseModel.builder().setLocation("djl://ai.djl.pytorch/resnet").load());
        assertTrue(error.getMessage().startsWith("Base model djl://ai.djl.pytorch/resnet is a URL, but DJL runs offline"), error.getMessage());
    }

    @Test
    void fileUrlsFoldersAndEnginesResolveLikePlainFiles(@TempDir final Path folder) throws Exception {
        final Path fixture = StripeDatasets.fixture("tiny_base.pt");
        Files.copy(fixture, folder.resolve("tiny_base.pt"));
        for (final String location : new String[] {fixture.toUri().toString(), folder.toString()}) {
            try (BaseModel base = BaseModel.builder().setLocation(location).load()) {
                assertEquals(BaseModel.PYTORCH, base.getEngine());
                assertEquals(Hashes.sha256(fixture), base.getSha256());
                assertArrayEquals(new long[] {16, 8, 8}, base.probeOutputShape(3, 32, 32));
            }
        }
        assertEquals(BaseModel.ONNX_RUNTIME, BaseLocations.engineForFile("x.ONNX"));
        assertTrue(BaseLocations.isUrl("https://example.invalid/model.zip") && !BaseLocations.isUrl("/data/model.pt"));
    }

    @Test
    void emptyFilesAndEmptyFoldersAreNamed(@TempDir final Path folder) throws Exception {
        final Path empty = Files.createFile(folder.resolve("empty.pt"));
        assertEquals("Base model file " + empty + " is empty (0 bytes)",
                assertThrows(BaseModelException.class, () -> BaseModel.builder().setLocation(empty.toString()).load()).getMessage());
        final Path none = Files.createDirectory(folder.resolve("none"));
        assertEquals("Folder " + none + " holds no .pt or .onnx model file",
                assertThrows(BaseModelException.class, () -> BaseModel.builder().setLocation(none.toString()).load()).getMessage());
    }

    /** The base's output for {@code images} through {@link BaseModel#predict}, and through its predictor on a plain NCHW array. */
    private static float[][] outputs(final BaseModel base, final float[] images, final int count) throws TranslateException {
        try (NDManager scope = NDManager.newBaseManager(base.getDevice(), base.getEngine());
             Predictor<NDList, NDList> predictor = base.newPredictor()) {
            final float[] viaPredict = base.predict(predictor, scope, ImageBatch.nchw(images, count, 3, 32, 32)).head().toFloatArray();
            final float[] plain = predictor.predict(new NDList(scope.create(FloatBuffer.wrap(images), new Shape(count, 3, 32, 32))))
                    .head().toFloatArray();
            return new float[][] {viaPredict, plain};
        }
    }

    /** {@code images} (NCHW, 32 x 32) transposed to NHWC, through {@link BaseModel#predict} as an NHWC {@link ImageBatch}. */
    private static float[] interleavedOutput(final BaseModel base, final float[] images, final int count) throws TranslateException {
        final int plane = 32 * 32;
        final float[] nhwc = new float[images.length];
        for (int n = 0; n < count; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < plane; i++) {
                    nhwc[(n * plane + i) * 3 + c] = images[(n * 3 + c) * plane + i];
                }
            }
        }
        try (NDManager scope = NDManager.newBaseManager(base.getDevice(), base.getEngine());
             Predictor<NDList, NDList> predictor = base.newPredictor()) {
            return base.predict(predictor, scope, ImageBatch.nhwc(nhwc, count, 3, 32, 32)).head().toFloatArray();
        }
    }

    @Test
    void anImageBatchHoldsItsImagesAndSaysItsLayout() {
        final ImageBatch batch = ImageBatch.nhwc(new float[2 * 3 * 4 * 5 + 7], 2, 3, 4, 5);
        assertEquals(ImageBatch.Layout.NHWC, batch.layout());
        assertEquals(60, batch.imageFloats());
        assertEquals(ImageBatch.Layout.NCHW, ImageBatch.nchw(new float[60], 1, 3, 4, 5).layout(), "a buffer longer than the batch is fine");
        assertThrows(IllegalArgumentException.class, () -> ImageBatch.nchw(new float[59], 1, 3, 4, 5), "too few floats");
        assertThrows(IllegalArgumentException.class, () -> ImageBatch.nchw(new float[60], 0, 3, 4, 5), "no image");
    }

    private static float[] randomImages(final int count) {
        final Random random = new Random(7);
        final float[] images = new float[count * 3 * 32 * 32];
        for (int i = 0; i < images.length; i++) {
            images[i] = random.nextFloat();
        }
        return images;
    }

    @Test
    void channelsLastInputGivesTheNchwOutputWithinRoundingAndCanBeTurnedOff() throws Exception {
        final float[] images = randomImages(4);
        final String fixture = StripeDatasets.fixture("tiny_base.pt").toString();
        try (BaseModel channelsLast = BaseModel.builder().setLocation(fixture).load();
             BaseModel nchw = BaseModel.builder().setLocation(fixture).optChannelsLast(false).load()) {
            assertTrue(channelsLast.isChannelsLast());
            assertFalse(nchw.isChannelsLast());
            final float[][] fast = outputs(channelsLast, images, 4);
            final float[][] plain = outputs(nchw, images, 4);
            assertArrayEquals(plain[1], plain[0], "optChannelsLast(false): exactly the plain NCHW output");
            assertArrayEquals(plain[1], fast[1], "the same weights");
            assertEquals(4 * 16 * 8 * 8, fast[0].length);
            float largest = 0;
            for (final float value : plain[1]) {
                largest = Math.max(largest, Math.abs(value));
            }
            assertArrayEquals(plain[1], fast[0], 1e-5f * largest, "channels-last: the NCHW output within float rounding");
            assertTrue(channelsLast.isChannelsLast(), "the base accepted channels-last input");
            assertArrayEquals(fast[0], interleavedOutput(channelsLast, images, 4), "NHWC data: the same channels-last input");
            assertThrows(IllegalStateException.class, () -> interleavedOutput(nchw, images, 4));
        }
        try (BaseModel onnx = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.onnx").toString()).load()) {
            assertFalse(onnx.isChannelsLast(), "ONNX Runtime takes NCHW");
            final float[][] output = outputs(onnx, images, 4);
            assertArrayEquals(output[1], output[0]);
        }
    }

    @Test
    void channelsLastBatchesLargerThanThePixelBudgetRunInSeveralPassesWithTheSameOutput() throws Exception {
        final float[] images = randomImages(5);
        final String fixture = StripeDatasets.fixture("tiny_base.pt").toString();
        try (BaseModel whole = BaseModel.builder().setLocation(fixture).load();
             BaseModel split = BaseModel.builder().setLocation(fixture).optMaxPixelsPerForward(2 * 32 * 32 + 5).load();
             BaseModel nchw = BaseModel.builder().setLocation(fixture).optChannelsLast(false).optMaxPixelsPerForward(1).load()) {
            assertEquals(2, split.imagesPerForward(32, 32));
            assertEquals(1, split.imagesPerForward(64, 64));
            assertEquals(Integer.MAX_VALUE, whole.imagesPerForward(32, 32), "by default the whole batch in one pass");
            assertEquals(Integer.MAX_VALUE, nchw.imagesPerForward(32, 32), "NCHW batches run whole");
            final float[] expected = outputs(whole, images, 5)[0];
            assertArrayEquals(expected, outputs(split, images, 5)[0], "3 passes (2 + 2 + 1 images)");
            assertArrayEquals(expected, interleavedOutput(split, images, 5), "3 passes of NHWC data");
            final float[][] plain = outputs(nchw, images, 5);
            assertArrayEquals(plain[1], plain[0], "NCHW: one pass, the plain output");
        }
        try (BaseModel onnx = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.onnx").toString()).optMaxPixelsPerForward(1)
                .load()) {
            assertEquals(Integer.MAX_VALUE, onnx.imagesPerForward(32, 32), "ONNX Runtime runs the batch as it is");
        }
        assertThrows(IllegalArgumentException.class, () -> BaseModel.builder().optMaxPixelsPerForward(0));
    }

    @Test
    void aBaseThatRefusesChannelsLastRunsInNchwAndOtherErrorsStayTheBases() throws Exception {
        try (BaseModel flat = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base_flat.pt").toString()).load()) {
            assertTrue(flat.isChannelsLast());
            assertArrayEquals(new long[] {16 * 8 * 8}, flat.probeOutputShape(3, 32, 32), "view() refuses channels-last: NCHW");
            assertFalse(flat.isChannelsLast());
            final float[][] output = outputs(flat, randomImages(2), 2);
            assertArrayEquals(output[1], output[0]);
            assertArrayEquals(output[1], interleavedOutput(flat, randomImages(2), 2), "NHWC data transposed for the NCHW base");
        }
        try (BaseModel flat = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base_flat.pt").toString()).load()) {
            final float[] images = randomImages(2);
            assertArrayEquals(outputs(flat, images, 2)[1], interleavedOutput(flat, images, 2), "the first batch falls back too");
            assertFalse(flat.isChannelsLast());
        }
        try (BaseModel base = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.pt").toString()).load();
             NDManager scope = NDManager.newBaseManager(base.getDevice(), base.getEngine());
             Predictor<NDList, NDList> predictor = base.newPredictor()) {
            final Exception error = assertThrows(Exception.class, () -> base.predict(predictor, scope, ImageBatch.nchw(new float[4 * 32 * 32], 1, 4,
                    32, 32)));
            assertTrue(error instanceof TranslateException || error instanceof EngineException, error.toString());
            assertTrue(base.isChannelsLast(), "a batch the base refuses in NCHW too does not turn channels-last off");
        }
    }

    @Test
    void onnxRuntimeReusesItsDirectInputBuffersWithoutMixingUpConcurrentBatches() throws Exception {
        final float[] first = randomImages(4);
        final float[] second = new float[first.length];
        for (int i = 0; i < second.length; i++) {
            second[i] = 1 - first[i];
        }
        try (BaseModel onnx = BaseModel.builder().setLocation(StripeDatasets.fixture("tiny_base.onnx").toString()).load()) {
            final float[][] expectedFirst = outputs(onnx, first, 4);
            assertArrayEquals(expectedFirst[1], expectedFirst[0], "through the pooled buffer, the plain array's output");
            final float[] expectedSecond = outputs(onnx, second, 4)[1];
            assertFalse(Arrays.equals(expectedFirst[1], expectedSecond));
            assertEquals(1, onnx.pooledInputBuffers(), "one batch at a time: one buffer, reused");
            final ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                final List<Future<Integer>> runs = new ArrayList<>();
                for (int thread = 0; thread < 3; thread++) {
                    final boolean odd = thread % 2 == 1;
                    runs.add(pool.submit(() -> {
                        int checked = 0;
                        try (NDManager scope = NDManager.newBaseManager(onnx.getDevice(), onnx.getEngine());
                             Predictor<NDList, NDList> predictor = onnx.newPredictor()) {
                            for (int i = 0; i < 40; i++) {
                                final boolean useFirst = (i % 2 == 0) != odd;
                                try (NDManager batch = scope.newSubManager()) {
                                    final float[] output = onnx.predict(predictor, batch, ImageBatch.nchw(useFirst ? first : second, 4, 3, 32, 32))
                                            .head().toFloatArray();
                                    assertArrayEquals(useFirst ? expectedFirst[1] : expectedSecond, output, "batch " + i);
                                    checked++;
                                }
                            }
                        }
                        return checked;
                    }));
                }
                for (final Future<Integer> run : runs) {
                    assertEquals(40, run.get());
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(onnx.pooledInputBuffers() >= 1 && onnx.pooledInputBuffers() <= 3, "at most one buffer per concurrent batch: "
                    + onnx.pooledInputBuffers());
        }
    }
}
