package org.nifitransfer.core.evaluate;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Objects;
import org.nifitransfer.core.image.PngEncoder;

/**
 * A confusion matrix as a PNG heat map: true classes down the left, predicted classes along the bottom (as
 * scikit-learn's {@code ConfusionMatrixDisplay}), the count written in every cell.
 *
 * <p>A cell's colour is its share of its row, from white (none of the true class) to dark blue (all of it), so a
 * small class's mistakes show as clearly as a large one's; a colour bar on the right gives the scale. Cells shrink
 * as classes are added: 160 pixels for two classes, 64 for ten, 24 (with small type) for fifty; long class names
 * are cut to {@value #MAXIMUM_LABEL_LENGTH} characters and predicted-class names turn vertical when they do not fit
 * under their column. Drawn with Java2D only, so it works with {@code java.awt.headless=true}.
 *
 * <pre>{@code
 * byte[] png = ConfusionMatrixPlot.builder().setMetrics(metrics).build().toPng();
 * }</pre>
 */
public final class ConfusionMatrixPlot {

    /** Class names longer than this are cut, with an ellipsis. */
    public static final int MAXIMUM_LABEL_LENGTH = 24;

    private static final Color[] PALETTE = {new Color(0xf7fbff), new Color(0xc6dbef), new Color(0x6baed6),
            new Color(0x2171b5), new Color(0x08306b)};
    private static final Color TEXT_COLOR = new Color(0x222222);
    private static final Color GRID_COLOR = new Color(0xbbbbbb);
    private static final String FONT_FAMILY = Font.SANS_SERIF;
    private static final int MARGIN = 16;
    private static final int GAP = 8;
    private static final int COLOR_BAR_WIDTH = 16;
    private static final int MINIMUM_COUNT_FONT_SIZE = 7;

    private final List<String> classes;
    private final long[][] confusionMatrix;
    private final String title;

    private ConfusionMatrixPlot(final Builder builder) {
        this.classes = builder.classes;
        this.confusionMatrix = builder.confusionMatrix;
        this.title = builder.title;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The plot as an image; its size follows the number of classes and the length of their names. */
    public BufferedImage toImage() {
        final int classCount = classes.size();
        final int cellSize = cellSize(classCount);
        final Font titleFont = new Font(FONT_FAMILY, Font.BOLD, 16);
        final Font axisFont = new Font(FONT_FAMILY, Font.PLAIN, 14);
        final Font labelFont = new Font(FONT_FAMILY, Font.PLAIN, classCount <= 20 ? 13 : 11);
        final Font scaleFont = new Font(FONT_FAMILY, Font.PLAIN, 11);
        final String[] labels = classes.stream().map(ConfusionMatrixPlot::shorten).toArray(String[]::new);

        // measure on a scratch image
        final BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        final Graphics2D measure = scratch.createGraphics();
        final FontMetrics labelMetrics = measure.getFontMetrics(labelFont);
        final FontMetrics axisMetrics = measure.getFontMetrics(axisFont);
        final FontMetrics titleMetrics = measure.getFontMetrics(titleFont);
        final FontMetrics scaleMetrics = measure.getFontMetrics(scaleFont);
        int widestLabel = 0;
        for (final String label : labels) {
            widestLabel = Math.max(widestLabel, labelMetrics.stringWidth(label));
        }
        final Font countFont = countFont(measure, cellSize);
        measure.dispose();

        final boolean verticalColumnLabels = widestLabel > cellSize - 4;
        final int columnLabelHeight = verticalColumnLabels ? widestLabel : labelMetrics.getHeight();
        final int gridSize = cellSize * classCount;
        final int gridLeft = MARGIN + axisMetrics.getHeight() + GAP + widestLabel + GAP;
        final int gridTop = MARGIN + titleMetrics.getHeight() + GAP;
        final int colorBarLeft = gridLeft + gridSize + 2 * GAP;
        final int width = Math.max(colorBarLeft + COLOR_BAR_WIDTH + 4 + scaleMetrics.stringWidth("100%") + MARGIN,
                MARGIN * 2 + titleMetrics.stringWidth(title));
        final int height = gridTop + gridSize + GAP + columnLabelHeight + GAP + axisMetrics.getHeight() + MARGIN;

        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            graphics.setColor(Color.WHITE);
            graphics.fillRect(0, 0, width, height);

            graphics.setColor(TEXT_COLOR);
            graphics.setFont(titleFont);
            graphics.drawString(title, (width - titleMetrics.stringWidth(title)) / 2, MARGIN + titleMetrics.getAscent());

            drawCells(graphics, gridLeft, gridTop, cellSize, countFont);
            drawLabels(graphics, labels, labelFont, gridLeft, gridTop, cellSize, verticalColumnLabels);
            drawAxisTitles(graphics, axisFont, gridLeft, gridTop, gridSize, columnLabelHeight);
            drawColorBar(graphics, scaleFont, colorBarLeft, gridTop, gridSize);
        } finally {
            graphics.dispose();
        }
        return image;
    }

    /** The plot as PNG bytes. */
    public byte[] toPng() {
        return PngEncoder.encode(toImage());
    }

    private static int cellSize(final int classCount) {
        final int minimum = classCount <= 60 ? 24 : 12;
        return Math.max(minimum, Math.min(160, 640 / classCount));
    }

    /** The largest font, up to 28 points, in which the largest count fits its cell; null when even 7 points do not. */
    private Font countFont(final Graphics2D measure, final int cellSize) {
        long largest = 0;
        for (final long[] row : confusionMatrix) {
            for (final long count : row) {
                largest = Math.max(largest, count);
            }
        }
        final String widest = Long.toString(largest);
        for (int size = Math.min(28, cellSize * 3 / 10 + 4); size >= MINIMUM_COUNT_FONT_SIZE; size--) {
            final Font font = new Font(FONT_FAMILY, Font.PLAIN, size);
            final FontMetrics metrics = measure.getFontMetrics(font);
            if (metrics.stringWidth(widest) <= cellSize - 4 && metrics.getAscent() <= cellSize - 4) {
                return font;
            }
        }
        return null;
    }

    private void drawCells(final Graphics2D graphics, final int gridLeft, final int gridTop, final int cellSize,
                           final Font countFont) {
        final int classCount = classes.size();
        final FontMetrics countMetrics = countFont == null ? null : graphics.getFontMetrics(countFont);
        for (int trueLabel = 0; trueLabel < classCount; trueLabel++) {
            long rowTotal = 0;
            for (final long count : confusionMatrix[trueLabel]) {
                rowTotal += count;
            }
            for (int predictedLabel = 0; predictedLabel < classCount; predictedLabel++) {
                final long count = confusionMatrix[trueLabel][predictedLabel];
                final double share = rowTotal == 0 ? 0 : (double) count / rowTotal;
                final int x = gridLeft + predictedLabel * cellSize;
                final int y = gridTop + trueLabel * cellSize;
                graphics.setColor(color(share));
                graphics.fillRect(x, y, cellSize, cellSize);
                if (countMetrics != null) {
                    final String text = Long.toString(count);
                    graphics.setFont(countFont);
                    graphics.setColor(share > 0.5 ? Color.WHITE : TEXT_COLOR);
                    graphics.drawString(text, x + (cellSize - countMetrics.stringWidth(text)) / 2,
                            y + (cellSize - countMetrics.getHeight()) / 2 + countMetrics.getAscent());
                }
            }
        }
        graphics.setColor(GRID_COLOR);
        graphics.setStroke(new BasicStroke(1f));
        for (int line = 0; line <= classCount; line++) {
            graphics.drawLine(gridLeft + line * cellSize, gridTop, gridLeft + line * cellSize, gridTop + classCount * cellSize);
            graphics.drawLine(gridLeft, gridTop + line * cellSize, gridLeft + classCount * cellSize, gridTop + line * cellSize);
        }
    }

    private static void drawLabels(final Graphics2D graphics, final String[] labels, final Font labelFont,
                                   final int gridLeft, final int gridTop, final int cellSize,
                                   final boolean verticalColumnLabels) {
        graphics.setFont(labelFont);
        graphics.setColor(TEXT_COLOR);
        final FontMetrics metrics = graphics.getFontMetrics();
        final int columnLabelTop = gridTop + labels.length * cellSize + GAP;
        for (int label = 0; label < labels.length; label++) {
            final String text = labels[label];
            final int rowCentre = gridTop + label * cellSize + cellSize / 2;
            graphics.drawString(text, gridLeft - GAP - metrics.stringWidth(text),
                    rowCentre - metrics.getHeight() / 2 + metrics.getAscent());
            final int columnCentre = gridLeft + label * cellSize + cellSize / 2;
            if (verticalColumnLabels) {
                final AffineTransform saved = graphics.getTransform();
                graphics.translate(columnCentre - metrics.getHeight() / 2 + metrics.getAscent(), columnLabelTop);
                graphics.rotate(Math.PI / 2);
                graphics.drawString(text, 0, 0);
                graphics.setTransform(saved);
            } else {
                graphics.drawString(text, columnCentre - metrics.stringWidth(text) / 2, columnLabelTop + metrics.getAscent());
            }
        }
    }

    private static void drawAxisTitles(final Graphics2D graphics, final Font axisFont, final int gridLeft,
                                       final int gridTop, final int gridSize, final int columnLabelHeight) {
        graphics.setFont(axisFont);
        graphics.setColor(TEXT_COLOR);
        final FontMetrics metrics = graphics.getFontMetrics();
        final String predicted = "Predicted class";
        graphics.drawString(predicted, gridLeft + (gridSize - metrics.stringWidth(predicted)) / 2,
                gridTop + gridSize + GAP + columnLabelHeight + GAP + metrics.getAscent());
        final String actual = "True class";
        final AffineTransform saved = graphics.getTransform();
        graphics.translate(MARGIN + metrics.getAscent(), gridTop + (gridSize + metrics.stringWidth(actual)) / 2);
        graphics.rotate(-Math.PI / 2);
        graphics.drawString(actual, 0, 0);
        graphics.setTransform(saved);
    }

    private static void drawColorBar(final Graphics2D graphics, final Font scaleFont, final int left, final int top,
                                     final int height) {
        for (int y = 0; y < height; y++) {
            graphics.setColor(color(1 - (double) y / Math.max(1, height - 1)));
            graphics.drawLine(left, top + y, left + COLOR_BAR_WIDTH - 1, top + y);
        }
        graphics.setColor(GRID_COLOR);
        graphics.drawRect(left, top, COLOR_BAR_WIDTH - 1, height - 1);
        graphics.setFont(scaleFont);
        graphics.setColor(TEXT_COLOR);
        final FontMetrics metrics = graphics.getFontMetrics();
        graphics.drawString("100%", left + COLOR_BAR_WIDTH + 4, top + metrics.getAscent());
        if (height >= 4 * metrics.getHeight()) {
            graphics.drawString("50%", left + COLOR_BAR_WIDTH + 4, top + height / 2 + metrics.getAscent() / 2);
        }
        graphics.drawString("0%", left + COLOR_BAR_WIDTH + 4, top + height - metrics.getDescent());
    }

    /** The palette colour of a share, 0..1, linearly between the palette's stops. */
    private static Color color(final double share) {
        final double position = Math.min(1, Math.max(0, share)) * (PALETTE.length - 1);
        final int lower = Math.min(PALETTE.length - 2, (int) Math.floor(position));
        final double fraction = position - lower;
        final Color from = PALETTE[lower];
        final Color to = PALETTE[lower + 1];
        return new Color(
                (int) Math.round(from.getRed() + (to.getRed() - from.getRed()) * fraction),
                (int) Math.round(from.getGreen() + (to.getGreen() - from.getGreen()) * fraction),
                (int) Math.round(from.getBlue() + (to.getBlue() - from.getBlue()) * fraction));
    }

    private static String shorten(final String name) {
        return name.length() <= MAXIMUM_LABEL_LENGTH ? name : name.substring(0, MAXIMUM_LABEL_LENGTH - 1) + "…";
    }

    /** Configures a {@link ConfusionMatrixPlot}; the classes and the matrix are required. */
    public static final class Builder {

        private List<String> classes;
        private long[][] confusionMatrix;
        private String title = "Confusion Matrix";

        private Builder() {
        }

        /** The class names, index order. */
        public Builder setClasses(final List<String> classes) {
            this.classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
            return this;
        }

        /** The counts, rows true class, columns predicted class, one row and column per class. */
        public Builder setConfusionMatrix(final long[][] confusionMatrix) {
            Objects.requireNonNull(confusionMatrix, "confusionMatrix");
            this.confusionMatrix = new long[confusionMatrix.length][];
            for (int row = 0; row < confusionMatrix.length; row++) {
                this.confusionMatrix[row] = confusionMatrix[row].clone();
            }
            return this;
        }

        /** The classes and confusion matrix of computed metrics. */
        public Builder setMetrics(final ClassificationMetrics metrics) {
            return setClasses(metrics.classes()).setConfusionMatrix(metrics.confusionMatrix());
        }

        /** The title above the matrix; "Confusion Matrix" by default. */
        public Builder optTitle(final String title) {
            this.title = Objects.requireNonNull(title, "title");
            return this;
        }

        public ConfusionMatrixPlot build() {
            if (classes == null || confusionMatrix == null) {
                throw new IllegalArgumentException("A confusion matrix plot needs the classes and the matrix");
            }
            if (classes.isEmpty()) {
                throw new IllegalArgumentException("A confusion matrix plot needs at least one class");
            }
            if (confusionMatrix.length != classes.size()) {
                throw new IllegalArgumentException("The confusion matrix has " + confusionMatrix.length
                        + " rows but there are " + classes.size() + " classes");
            }
            for (final long[] row : confusionMatrix) {
                if (row.length != classes.size()) {
                    throw new IllegalArgumentException("The confusion matrix has a row of " + row.length
                            + " counts but there are " + classes.size() + " classes");
                }
                for (final long count : row) {
                    if (count < 0) {
                        throw new IllegalArgumentException("The confusion matrix has a negative count: " + count);
                    }
                }
            }
            return new ConfusionMatrixPlot(this);
        }
    }
}
