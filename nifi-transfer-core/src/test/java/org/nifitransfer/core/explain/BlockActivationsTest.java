package org.nifitransfer.core.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.model.TorchScriptBlocks;
import org.nifitransfer.core.training.StripeDatasets;
import org.nifitransfer.core.training.StripeModels;

/** The feature maps of a base's inner blocks, read from a copy of a TorchScript Sequential, and the bases that cannot show them. */
class BlockActivationsTest {

    private static final int SIZE = 32;

    @TempDir
    static Path work;

    private static byte[] train;
    private static byte[] validation;

    @BeforeAll
    static void data() {
        train = StripeDatasets.tensors("train", 20, SIZE, 1);
        validation = StripeDatasets.tensors("validation", 10, SIZE, 2);
    }

    private static ModelPackage model(final String base) throws Exception {
        return StripeModels.headModel(base, train, validation, Files.createDirectories(work.resolve(base + "-model")));
    }

    /** Horizontal stripes (class 0) over the whole image. */
    private static RgbImage horizontal() {
        return StripeDatasets.stripes(0, SIZE, new Random(5));
    }

    @Test
    void theBlocksOfASequentialAreItsChildrenWithParametersAndWhatFollowsThem() throws Exception {
        final ModelPackage model = model("tiny_base.pt");
        final TorchScriptBlocks blocks = TorchScriptBlocks.open(model.baseFile());
        assertEquals(6, blocks.children(), "conv, relu, conv, relu, conv, relu");
        assertEquals(Map.of("0", 1, "2", 3, "4", 5), blocks.blockEnds(model.manifest().baseParameters()));
        assertEquals(List.of("0", "2", "4"), List.copyOf(blocks.blockEnds(model.manifest().baseParameters()).keySet()));
    }

    @Test
    void theLastBlocksOutputIsTheBasesOwnOutputAndTheFirstBlockSeesTheStripesEdges() throws Exception {
        final ModelPackage model = model("tiny_base.pt");
        final List<BlockActivations.Activations> activations = BlockActivations.activations(model, ai.djl.Device.cpu(), horizontal(),
                Files.createDirectories(work.resolve("tapped")));
        assertEquals(List.of("0", "2", "4"), activations.stream().map(BlockActivations.Activations::block).toList());
        final BlockActivations.Activations first = activations.getFirst();
        assertEquals(List.of(12, 16, 16), List.of(first.channels(), first.height(), first.width()), "stride 2, 12 edge detectors");
        for (final float value : first.values()) {
            assertTrue(value >= 0, "the first block ends with its ReLU");
        }
        // the hand-set first convolution: four edge detectors per colour projection (+d/dy, -d/dy, +d/dx, -d/dx);
        // horizontal stripes light the six d/dy channels, not the d/dx ones
        final List<Integer> active = BlockActivations.mostActive(first);
        assertEquals(java.util.Set.of(0, 1, 4, 5, 8, 9), java.util.Set.copyOf(active.subList(0, 6)), "most active: " + active);

        final BlockActivations.Activations last = activations.getLast();
        final ModelManifest.InputSpec input = model.manifest().input();
        final float[] normalised = new float[3 * SIZE * SIZE];
        input.normalization().normalize(horizontal().getData(), 0, 1, SIZE, SIZE, normalised, 0);
        try (ModelRunner runner = ModelRunner.open(model, ai.djl.Device.cpu())) {
            final ModelRunner.FeatureMaps base = runner.featureMaps(normalised, 1);
            assertEquals(List.of(base.channels(), base.height(), base.width()), List.of(last.channels(), last.height(), last.width()));
            for (int i = 0; i < base.values().length; i++) {
                assertEquals(base.values()[i], last.values()[i], 1e-5, "the copy computes what the base computes, at " + i);
            }
        }
    }

    @Test
    void theFigureShowsThreeBlocksOfSixteenChannels() throws Exception {
        final BlockActivations.Result figure = BlockActivations.render(model("tiny_base.pt"), ai.djl.Device.cpu(), horizontal(),
                "horizontal/0.png: true horizontal, said horizontal 0.99", Files.createDirectories(work.resolve("figure")));
        assertNull(figure.unavailable());
        assertEquals(List.of("0", "2", "4"), figure.blocks());
        final java.awt.image.BufferedImage png = ImageIO.read(new ByteArrayInputStream(figure.png()));
        assertTrue(png.getHeight() > 3 * 2 * 80, "three sections of two rows of cells: " + png.getHeight());
        assertTrue(figure.seconds() > 0);
    }

    @Test
    void aChannelIsScaledToItsOwnSpreadAndColouredWithViridis() {
        final float[] values = new float[2 * 4];
        values[4 + 3] = 10;
        final BlockActivations.Activations block = new BlockActivations.Activations("0", 0, 2, 2, 2, values);
        final RgbImage flat = BlockActivations.channel(block, 0);
        assertEquals(Colormap.VIRIDIS.rgbOfLevel(128) >> 16 & 0xFF, flat.get(0, 0, 0), "a constant channel is the middle colour");
        final RgbImage peak = BlockActivations.channel(block, 1);
        // mean 2.5, standard deviation sqrt(18.75): the peak is 7.5 / 4.33 x 64 above the middle
        final int level = (int) (7.5 / Math.sqrt(18.75) * 64 + 128);
        assertEquals(Colormap.VIRIDIS.rgbOfLevel(level) >> 16 & 0xFF, peak.get(79, 79, 0), "the bottom-right cell is the peak");
        assertEquals(Colormap.VIRIDIS.rgbOfLevel((int) (-2.5 / Math.sqrt(18.75) * 64 + 128)) >> 16 & 0xFF, peak.get(0, 0, 0));
        assertEquals(List.of(1, 0), BlockActivations.mostActive(block));
    }

    @Test
    void basesWhoseBlocksCannotBeReachedSaySoInTheFigure() throws Exception {
        for (final String base : List.of("tiny_base.onnx", "tiny_base_flat.pt")) {
            final BlockActivations.Result figure = BlockActivations.render(model(base), ai.djl.Device.cpu(), horizontal(), "an image",
                    Files.createDirectories(work.resolve("no-" + base)));
            assertEquals(List.of(), figure.blocks());
            assertTrue(figure.unavailable().contains(base.endsWith(".onnx") ? "ONNX Runtime runs the base" : "not a Sequential"),
                    figure.unavailable());
            assertTrue(ImageIO.read(new ByteArrayInputStream(figure.png())).getWidth() > SIZE, "the figure still says why");
        }
        assertThrows(BaseModelException.class, () -> TorchScriptBlocks.open(StripeDatasets.fixture("not_a_model.pt")));
    }
}
