package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.ImageDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.RgbImage;

class AugmentTest {

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    private TestRunner runner;

    @BeforeEach
    void setRunner() {
        runner = TestRunners.newTestRunner(Augment.class);
    }

    /** A tensor dataset of {@code split} made by ResizeAndNormalize from asymmetric 12x8 images. */
    private static byte[] tensors(final String split, final int count) {
        final TestRunner resize = TestRunners.newTestRunner(ResizeAndNormalize.class);
        resize.setProperty(ResizeAndNormalize.TARGET_WIDTH, "12");
        resize.setProperty(ResizeAndNormalize.TARGET_HEIGHT, "8");
        final Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            files.put((i % 2 == 0 ? "a" : "b") + "/img" + i + ".png", TestImages.stripes(i % 2, i, 12, 8, "png"));
        }
        resize.enqueue(TestDatasets.images(split, files), TestDatasets.attributes(split));
        resize.run();
        resize.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_SUCCESS, 1);
        return resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS).getFirst().toByteArray();
    }

    private MockFlowFile runOne(final byte[] content, final String split) {
        runner.enqueue(content, TestDatasets.attributes(split));
        runner.run();
        runner.assertAllFlowFilesTransferred(Augment.REL_SUCCESS, 1);
        return runner.getFlowFilesForRelationship(Augment.REL_SUCCESS).getFirst();
    }

    private static List<RgbImage> images(final byte[] content) throws IOException {
        final List<RgbImage> images = new ArrayList<>();
        for (final TensorShard shard : TestDatasets.shards(content)) {
            for (int i = 0; i < shard.count(); i++) {
                images.add(shard.image(i));
            }
        }
        return images;
    }

    private static RgbImage rotateCounterClockwise(final RgbImage image) {
        final int size = image.getWidth();
        final RgbImage rotated = RgbImage.blank(size, size);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (int c = 0; c < 3; c++) {
                    rotated.set(x, y, c, image.get(size - 1 - y, x, c));
                }
            }
        }
        return rotated;
    }

    @Test
    void onTheFlyAttachesTheRecipeToTrainOnly() throws IOException {
        final byte[] train = tensors("train", 3);
        final MockFlowFile output = runOne(train, "train");
        output.assertAttributeEquals(TransferAttributes.AUGMENTATION, "on-the-fly");
        final DatasetManifest manifest = TestDatasets.tensorManifest(output.toByteArray());
        assertTrue(manifest.augmentation().isOnTheFly());
        assertEquals(42, manifest.augmentation().seed());
        final AugmentationRecipe recipe = MAPPER.treeToValue(manifest.augmentation().recipe(), AugmentationRecipe.class);
        assertEquals(AugmentationRecipe.builder().optRotationRange(40).optWidthShiftRange(0.2).optHeightShiftRange(0.2)
                .optZoomRange(0.2).optHorizontalFlip(true).build(), recipe);
        assertEquals(images(train), images(output.toByteArray()), "on the fly leaves the stored pixels alone");
        assertEquals(ProvenanceEventType.CONTENT_MODIFIED, runner.getProvenanceEvents().getFirst().getEventType());

        runner.clearTransferState();
        final byte[] validation = tensors("validation", 2);
        final MockFlowFile passed = runOne(validation, "validation");
        assertArrayEquals(validation, passed.toByteArray());
        assertEquals(null, TestDatasets.tensorManifest(passed.toByteArray()).augmentation());
    }

    @Test
    void materialisedRotationOfNinetyDegreesIsExact() throws IOException {
        final TestRunner resize = TestRunners.newTestRunner(ResizeAndNormalize.class);
        resize.setProperty(ResizeAndNormalize.TARGET_WIDTH, "9");
        resize.setProperty(ResizeAndNormalize.TARGET_HEIGHT, "9");
        final Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a/x.png", TestImages.stripes(0, 5, 9, 9, "png"));
        files.put("b/y.png", TestImages.stripes(1, 6, 9, 9, "png"));
        resize.enqueue(TestDatasets.images("train", files));
        resize.run();
        final byte[] square = resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS).getFirst().toByteArray();

        runner.setProperty(Augment.MODE, Augment.Mode.MATERIALIZE);
        runner.setProperty(Augment.VARIANTS, "2");
        runner.setProperty(Augment.ROTATION, "90, 90");
        runner.setProperty(Augment.WIDTH_SHIFT, "0");
        runner.setProperty(Augment.HEIGHT_SHIFT, "0");
        runner.setProperty(Augment.ZOOM, "0");
        runner.setProperty(Augment.HORIZONTAL_FLIP, "false");
        final MockFlowFile output = runOne(square, "train");
        output.assertAttributeEquals(TransferAttributes.COUNT, "6");
        output.assertAttributeEquals("transfer.count.a", "3");
        output.assertAttributeEquals(TransferAttributes.AUGMENTATION, "materialized");
        final List<RgbImage> originals = images(square);
        final List<RgbImage> augmented = images(output.toByteArray());
        assertEquals(originals.get(0), augmented.get(0));
        assertEquals(rotateCounterClockwise(originals.get(0)), augmented.get(1));
        assertEquals(rotateCounterClockwise(originals.get(0)), augmented.get(2));
        assertEquals(originals.get(1), augmented.get(3));
        assertEquals(rotateCounterClockwise(originals.get(1)), augmented.get(4));
        assertEquals(List.of("a/x.png", "a/x.png#aug1", "a/x.png#aug2", "b/y.png", "b/y.png#aug1", "b/y.png#aug2"),
                TestDatasets.shards(output.toByteArray()).getFirst().files());
    }

    @Test
    void aSeedReproducesTheSameVariantsAndAnotherSeedDoesNot() throws IOException {
        final byte[] train = tensors("train", 4);
        runner.setProperty(Augment.MODE, Augment.Mode.MATERIALIZE);
        runner.setProperty(Augment.VARIANTS, "3");
        runner.setProperty(Augment.INCLUDE_ORIGINALS, "false");
        runner.setProperty(Augment.FILL_MODE, Augment.Fill.REFLECT);
        final byte[] first = runOne(train, "train").toByteArray();
        runner.clearTransferState();
        final byte[] second = runOne(train, "train").toByteArray();
        assertArrayEquals(first, second);
        assertEquals(12, images(first).size());
        assertFalse(images(first).contains(images(train).getFirst()), "every stored image is a variant");

        runner.clearTransferState();
        runner.setProperty(Augment.RANDOM_SEED, "43");
        final byte[] otherSeed = runOne(train, "train").toByteArray();
        assertNotEquals(images(first), images(otherSeed));
    }

    @Test
    void materialisingAnImageDatasetAddsPngVariants() throws Exception {
        final Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a/red.png", TestImages.solid("png", 10, 6, Color.RED));
        files.put("b/broken.jpg", TestImages.truncatedJpeg());
        runner.setProperty(Augment.MODE, Augment.Mode.MATERIALIZE);
        runner.setProperty(Augment.VARIANTS, "1");
        runner.setProperty(Augment.HORIZONTAL_FLIP, "false");
        runner.setProperty(Augment.ROTATION, "0");
        runner.setProperty(Augment.WIDTH_SHIFT, "0");
        runner.setProperty(Augment.HEIGHT_SHIFT, "0");
        runner.setProperty(Augment.ZOOM, "0");
        runner.setProperty(Augment.BRIGHTNESS, "0.5, 0.5");
        final MockFlowFile output = runOne(TestDatasets.images("train", files), "train");
        output.assertAttributeEquals(TransferAttributes.KIND, "image-dataset");
        output.assertAttributeEquals(TransferAttributes.COUNT, "2");
        output.assertAttributeEquals(TransferAttributes.SKIPPED_COUNT, "1");
        final ImageDecoder decoder = ImageDecoder.builder().build();
        try (ImageDatasetReader reader = ImageDatasetReader.open(new ByteArrayInputStream(output.toByteArray()))) {
            assertEquals("a/red.png", reader.next().displayName());
            final ImageDatasetReader.ImageEntry variant = reader.next();
            assertEquals("a/red.png.aug1.png", variant.displayName());
            assertEquals(RgbImage.solid(10, 6, 127, 0, 0), decoder.decode(variant.content(), variant.relativePath()));
        }
    }

    @Test
    void augmenterUsedByTheProcessorMatchesTheCoreForTheSameDraw() throws IOException {
        final byte[] train = tensors("train", 1);
        runner.setProperty(Augment.MODE, Augment.Mode.MATERIALIZE);
        runner.setProperty(Augment.VARIANTS, "1");
        runner.setProperty(Augment.INCLUDE_ORIGINALS, "false");
        runner.setProperty(Augment.RANDOM_SEED, "5");
        final List<RgbImage> variants = images(runOne(train, "train").toByteArray());
        final AugmentationRecipe recipe = MAPPER.treeToValue(TestDatasets.tensorManifest(runner.getFlowFilesForRelationship(Augment.REL_SUCCESS)
                .getFirst().toByteArray()).augmentation().recipe(), AugmentationRecipe.class);
        final RgbImage expected = new Augmenter(recipe).augment(images(train).getFirst(),
                new java.util.Random(org.nifitransfer.core.pipeline.DatasetAugmentation.variantSeed(5, 0, 0)));
        assertEquals(expected, variants.getFirst());
    }

    @Test
    void nonDatasetContentGoesToFailure() {
        runner.enqueue("hello".getBytes(StandardCharsets.UTF_8));
        runner.run();
        runner.assertAllFlowFilesTransferred(Augment.REL_FAILURE, 1);
        final MockFlowFile failure = runner.getFlowFilesForRelationship(Augment.REL_FAILURE).getFirst();
        assertTrue(failure.getAttribute(TransferAttributes.ERROR).startsWith("content is not a dataset"));
        failure.assertContentEquals("hello");
    }

    @Test
    void invalidRecipesAreInvalidConfiguration() {
        runner.setProperty(Augment.ROTATION, "abc");
        runner.assertNotValid();
        runner.setProperty(Augment.ROTATION, "10, 5");
        runner.assertNotValid();
        runner.setProperty(Augment.ROTATION, "-5, 10");
        runner.assertValid();
        runner.setProperty(Augment.ZOOM, "1.5");
        runner.assertNotValid();
        runner.setProperty(Augment.ZOOM, "0.5, 2");
        runner.assertValid();
        runner.setProperty(Augment.BRIGHTNESS, "1.2");
        runner.assertNotValid();
    }
}
