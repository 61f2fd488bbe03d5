package org.nifitransfer.core.explain;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nifitransfer.core.image.ImageEncoder;
import org.nifitransfer.core.image.PngEncoder;
import org.nifitransfer.core.image.RgbImage;

/** A grid of heatmaps, each captioned with its true class, predicted class and probability; wrong ones in red. */
public final class GalleryPlot {

    private static final int CAPTION = 34;
    private static final int TITLE = 56;
    private static final int GAP = 8;
    /** Tiles are drawn at least this large (pixels, their longer side). */
    static final int SMALLEST = 160;
    private static final Color WRONG = new Color(0xB2182B);
    private static final Color RIGHT = new Color(0x1B7837);

    private GalleryPlot() {
    }

    /**
     * One picture of the gallery.
     *
     * @param overlay the image with its heatmap
     * @param trueClass its class
     * @param predictedClass what the model said
     * @param probability the predicted class's probability
     */
    public record Tile(RgbImage overlay, String trueClass, String predictedClass, float probability) {
    }

    /**
     * The gallery as a PNG: {@code columns} tiles a row, the title and a line under it above. Tiles smaller than
     * {@value #SMALLEST} pixels are drawn enlarged, and every column is as wide as its widest caption.
     */
    public static byte[] png(final List<Tile> tiles, final String title, final String subtitle, final int columns) {
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("A gallery needs at least one image");
        }
        final int largest = tiles.stream().mapToInt(tile -> Math.max(tile.overlay().getWidth(), tile.overlay().getHeight())).max().orElseThrow();
        final double scale = Math.max(1, (double) SMALLEST / largest);
        final int tileWidth = (int) Math.round(scale * tiles.stream().mapToInt(tile -> tile.overlay().getWidth()).max().orElseThrow());
        final int tileHeight = (int) Math.round(scale * tiles.stream().mapToInt(tile -> tile.overlay().getHeight()).max().orElseThrow());
        final List<String[]> captions = tiles.stream().map(tile -> new String[] {"true: " + tile.trueClass(),
                String.format(Locale.ROOT, "said: %s %.2f", tile.predictedClass(), tile.probability())}).toList();
        final Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        final Font textFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        final BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        final Graphics2D measure = scratch.createGraphics();
        final int captionWidth;
        final int headingWidth;
        try {
            final FontMetrics text = measure.getFontMetrics(textFont);
            captionWidth = captions.stream().flatMap(Arrays::stream).mapToInt(text::stringWidth).max().orElseThrow();
            headingWidth = Math.max(measure.getFontMetrics(titleFont).stringWidth(title), text.stringWidth(subtitle));
        } finally {
            measure.dispose();
        }
        final int cellWidth = Math.max(tileWidth, captionWidth + GAP);
        final int across = Math.min(columns, tiles.size());
        final int rows = (tiles.size() + across - 1) / across;
        final int width = Math.max(across * (cellWidth + GAP) + GAP, headingWidth + 2 * GAP);
        final int height = TITLE + rows * (tileHeight + CAPTION + GAP) + GAP;
        final BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final int[] pixels = ((DataBufferInt) canvas.getRaster().getDataBuffer()).getData();
        final Graphics2D graphics = canvas.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            graphics.setColor(Color.WHITE);
            graphics.fillRect(0, 0, width, height);
            graphics.setColor(Color.DARK_GRAY);
            graphics.setFont(titleFont);
            graphics.drawString(title, GAP, 22);
            graphics.setFont(textFont);
            graphics.drawString(subtitle, GAP, 42);
            for (int i = 0; i < tiles.size(); i++) {
                final Tile tile = tiles.get(i);
                final int x = GAP + (i % across) * (cellWidth + GAP);
                final int y = TITLE + (i / across) * (tileHeight + CAPTION + GAP);
                if (scale == 1) {
                    copy(tile.overlay(), pixels, width, x, y);
                } else {
                    graphics.drawImage(ImageEncoder.toBufferedImage(tile.overlay()), x, y, (int) Math.round(scale * tile.overlay().getWidth()),
                            (int) Math.round(scale * tile.overlay().getHeight()), null);
                }
                final boolean right = tile.trueClass().equals(tile.predictedClass());
                graphics.setColor(right ? RIGHT : WRONG);
                graphics.drawString(captions.get(i)[0], x, y + tileHeight + 14);
                graphics.drawString(captions.get(i)[1], x, y + tileHeight + 28);
            }
        } finally {
            graphics.dispose();
        }
        return PngEncoder.encode(canvas);
    }

    /** Copies an image into a canvas of {@code 0xRRGGBB} pixels, {@code width} a row, at ({@code left}, {@code top}). */
    private static void copy(final RgbImage image, final int[] canvas, final int width, final int left, final int top) {
        final byte[] data = image.getData();
        for (int y = 0, i = 0; y < image.getHeight(); y++) {
            final int row = (top + y) * width + left;
            for (int x = 0; x < image.getWidth(); x++, i += 3) {
                canvas[row + x] = (data[i] & 0xFF) << 16 | (data[i + 1] & 0xFF) << 8 | data[i + 2] & 0xFF;
            }
        }
    }
}
