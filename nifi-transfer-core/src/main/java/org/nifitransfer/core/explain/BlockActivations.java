package org.nifitransfer.core.explain;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.nifitransfer.core.image.ImageEncoder;
import org.nifitransfer.core.image.PngEncoder;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.TorchScriptBlocks;

/**
 * What the base sees in one image, block by block (Chollet's figure of intermediate activations): the feature maps of
 * its first, a middle and its last block, the most active channels of each, each channel scaled to its own mean and
 * spread. The inner blocks are read from a copy of a TorchScript base that returns their outputs
 * ({@link TorchScriptBlocks}); for a base whose blocks cannot be reached (an ONNX graph, a top level that is not a
 * Sequential) the figure says why instead.
 *
 * <pre>{@code
 * BlockActivations.Result figure = BlockActivations.render(model, Device.cpu(), image, "daisy/1.jpg: a daisy", work);
 * }</pre>
 */
public final class BlockActivations {

    /** Channels shown per block: two rows of eight. */
    static final int SHOWN = 16;
    private static final int ACROSS = 8;
    private static final int CELL = 80;
    private static final int GAP = 4;
    private static final int MARGIN = 10;
    private static final int TITLE = 48;
    private static final int LABEL = 24;
    /** The image is shown at least this large (pixels, its longer side). */
    private static final int SMALLEST = 160;

    private BlockActivations() {
    }

    /**
     * The figure.
     *
     * @param png the picture
     * @param blocks the blocks shown (their first child's index), empty when none could be reached
     * @param unavailable why no block is shown, or null
     * @param seconds the time it took, loading the base's copy included
     */
    public record Result(byte[] png, List<String> blocks, String unavailable, double seconds) {
    }

    /** One block's output for the image: {@code channels x height x width} values. */
    record Activations(String block, int lastChild, int channels, int height, int width, float[] values) {
    }

    /**
     * Draws the feature maps of the first, a middle and the last block of {@code model}'s base for {@code image}.
     *
     * @param image the image at the model's input size, as ResizeAndNormalize prepared it
     * @param caption what the image is, for the figure
     * @param work a folder for the base's copy
     */
    public static Result render(final ModelPackage model, final Device device, final RgbImage image, final String caption, final Path work) {
        final long start = System.nanoTime();
        final ModelManifest manifest = model.manifest();
        final String baseName = manifest.base().name();
        List<Activations> activations;
        String unavailable = null;
        try {
            activations = activations(model, device, image, work);
        } catch (final BaseModelException e) {
            activations = List.of();
            unavailable = e.getMessage();
        }
        final byte[] png = unavailable == null ? draw(image, caption, baseName, activations) : drawUnavailable(image, caption, unavailable);
        return new Result(png, activations.stream().map(Activations::block).toList(), unavailable, (System.nanoTime() - start) / 1e9);
    }

    /** The outputs of the first, a middle and the last block for the image. */
    static List<Activations> activations(final ModelPackage model, final Device device, final RgbImage image, final Path work)
            throws BaseModelException {
        final ModelManifest manifest = model.manifest();
        if (BaseModel.ONNX_RUNTIME.equals(manifest.base().engine())) {
            throw new BaseModelException("ONNX Runtime runs the base " + manifest.base().name()
                    + " as one graph, so the feature maps of its inner blocks cannot be read; a TorchScript (.pt) base shows them");
        }
        final TorchScriptBlocks blocks = TorchScriptBlocks.open(model.baseFile());
        final LinkedHashMap<String, Integer> ends = blocks.blockEnds(manifest.baseParameters());
        if (ends.isEmpty()) {
            IntStream.range(0, blocks.children()).forEach(child -> ends.put(String.valueOf(child), child));
        }
        final List<String> names = new ArrayList<>(ends.keySet());
        final List<String> chosen = new ArrayList<>();
        for (final String name : List.of(names.getFirst(), names.get(names.size() / 2), names.getLast())) {
            if (!chosen.contains(name)) {
                chosen.add(name);
            }
        }
        final Path copy = work.resolve("block-activations.pt");
        try {
            blocks.writeTapping(chosen.stream().map(ends::get).toList(), copy);
        } catch (final IOException e) {
            throw new BaseModelException("Cannot write a copy of " + manifest.base().name() + " that returns its blocks' outputs: "
                    + e.getMessage(), e);
        }
        final ModelManifest.InputSpec input = manifest.input();
        final float[] normalised = new float[3 * input.height() * input.width()];
        input.normalization().normalize(image.getData(), 0, 1, input.height(), input.width(), normalised, 0);
        final Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(copy)
                .optEngine(BaseModel.PYTORCH).optDevice(device).optTranslator(new NoopTranslator()).optOption("mapLocation", "true").build();
        try (ZooModel<NDList, NDList> tapped = criteria.loadModel(); Predictor<NDList, NDList> predictor = tapped.newPredictor();
             NDManager scope = NDManager.newBaseManager(device, BaseModel.PYTORCH)) {
            final NDList outputs = predictor.predict(new NDList(scope.create(normalised, new Shape(1, 3, input.height(), input.width()))));
            final List<Activations> result = new ArrayList<>();
            for (int i = 0; i < chosen.size(); i++) {
                final NDArray output = outputs.get(i);
                final long[] shape = output.getShape().getShape();
                if (shape.length != 4) {
                    throw new BaseModelException("Block " + chosen.get(i) + " of " + manifest.base().name() + " gives " + output.getShape()
                            + ", not a feature map [1, C, H, W]");
                }
                result.add(new Activations(chosen.get(i), ends.get(chosen.get(i)), (int) shape[1], (int) shape[2], (int) shape[3],
                        output.toFloatArray()));
            }
            outputs.close();
            return result;
        } catch (final IOException | ModelNotFoundException | MalformedModelException | TranslateException | RuntimeException e) {
            throw new BaseModelException("The blocks of " + manifest.base().name() + " cannot be run one by one: " + BaseModelException.firstLine(e), e);
        }
    }

    /** The channels of a block to show: the {@link #SHOWN} with the highest mean, most active first. */
    static List<Integer> mostActive(final Activations block) {
        final int plane = block.height() * block.width();
        final double[] means = new double[block.channels()];
        for (int c = 0; c < block.channels(); c++) {
            double sum = 0;
            for (int i = 0; i < plane; i++) {
                sum += block.values()[c * plane + i];
            }
            means[c] = sum / plane;
        }
        return IntStream.range(0, block.channels()).boxed().sorted(Comparator.comparingDouble((Integer c) -> -means[c]))
                .limit(SHOWN).toList();
    }

    /**
     * One channel as a {@code CELL x CELL} picture: scaled as Chollet does ((x - mean) / std x 64 + 128, clipped to 0..255),
     * coloured with viridis, each cell the nearest value of the map.
     */
    static RgbImage channel(final Activations block, final int channel) {
        final int plane = block.height() * block.width();
        final int from = channel * plane;
        double sum = 0;
        double squares = 0;
        for (int i = from; i < from + plane; i++) {
            sum += block.values()[i];
            squares += (double) block.values()[i] * block.values()[i];
        }
        final double mean = sum / plane;
        final double std = Math.sqrt(Math.max(0, squares / plane - mean * mean)) + 1e-5;
        final RgbImage cell = RgbImage.blank(CELL, CELL);
        for (int y = 0; y < CELL; y++) {
            final int row = y * block.height() / CELL;
            for (int x = 0; x < CELL; x++) {
                final double value = (block.values()[from + row * block.width() + x * block.width() / CELL] - mean) / std * 64 + 128;
                final int rgb = Colormap.VIRIDIS.rgbOfLevel((int) Math.max(0, Math.min(255, value)));
                cell.set(x, y, 0, rgb >> 16 & 0xFF);
                cell.set(x, y, 1, rgb >> 8 & 0xFF);
                cell.set(x, y, 2, rgb & 0xFF);
            }
        }
        return cell;
    }

    /** The image's size in the figure: as it is, or enlarged to {@link #SMALLEST} pixels on its longer side. */
    private static int[] shownSize(final RgbImage image) {
        final double scale = Math.max(1, (double) SMALLEST / Math.max(image.getWidth(), image.getHeight()));
        return new int[] {(int) Math.round(scale * image.getWidth()), (int) Math.round(scale * image.getHeight())};
    }

    private static void drawImage(final Graphics2D graphics, final RgbImage image, final int[] size) {
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        graphics.drawImage(ImageEncoder.toBufferedImage(image), MARGIN, TITLE, size[0], size[1], null);
    }

    private static byte[] draw(final RgbImage image, final String caption, final String baseName, final List<Activations> blocks) {
        final int[] shown = shownSize(image);
        final int gridWidth = ACROSS * (CELL + GAP) - GAP;
        final int width = 2 * MARGIN + Math.max(gridWidth, shown[0]);
        final int section = LABEL + 2 * (CELL + GAP);
        final int height = TITLE + shown[1] + MARGIN + blocks.size() * section + MARGIN;
        final BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = canvas.createGraphics();
        try {
            begin(graphics, width, height, "Feature maps of blocks " + String.join(", ", blocks.stream().map(Activations::block).toList())
                    + " of " + baseName, caption);
            drawImage(graphics, image, shown);
            int y = TITLE + shown[1] + MARGIN;
            for (final Activations block : blocks) {
                final List<Integer> channels = mostActive(block);
                graphics.setColor(Color.DARK_GRAY);
                graphics.drawString(String.format(Locale.ROOT, "block %s (through child %d): %d channels of %dx%d; the %d most active",
                        block.block(), block.lastChild(), block.channels(), block.height(), block.width(), channels.size()), MARGIN, y + 16);
                for (int i = 0; i < channels.size(); i++) {
                    graphics.drawImage(ImageEncoder.toBufferedImage(channel(block, channels.get(i))), MARGIN + i % ACROSS * (CELL + GAP),
                            y + LABEL + i / ACROSS * (CELL + GAP), null);
                }
                y += section;
            }
        } finally {
            graphics.dispose();
        }
        return PngEncoder.encode(canvas);
    }

    private static byte[] drawUnavailable(final RgbImage image, final String caption, final String reason) {
        final int[] shown = shownSize(image);
        final int width = 2 * MARGIN + Math.max(ACROSS * (CELL + GAP), shown[0]);
        final List<String> lines = wrap(reason, 90);
        final int height = TITLE + shown[1] + MARGIN + lines.size() * 18 + MARGIN;
        final BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = canvas.createGraphics();
        try {
            begin(graphics, width, height, "Feature maps of inner blocks: not available", caption);
            drawImage(graphics, image, shown);
            graphics.setColor(new Color(0xB2182B));
            for (int i = 0; i < lines.size(); i++) {
                graphics.drawString(lines.get(i), MARGIN, TITLE + shown[1] + MARGIN + 14 + 18 * i);
            }
        } finally {
            graphics.dispose();
        }
        return PngEncoder.encode(canvas);
    }

    private static void begin(final Graphics2D graphics, final int width, final int height, final String title, final String caption) {
        graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        graphics.setColor(Color.WHITE);
        graphics.fillRect(0, 0, width, height);
        graphics.setColor(Color.DARK_GRAY);
        graphics.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        graphics.drawString(title, MARGIN, 20);
        graphics.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        graphics.drawString(caption, MARGIN, 38);
    }

    private static List<String> wrap(final String text, final int columns) {
        final List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (final String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > columns) {
                lines.add(line.toString());
                line = new StringBuilder();
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
    }
}
