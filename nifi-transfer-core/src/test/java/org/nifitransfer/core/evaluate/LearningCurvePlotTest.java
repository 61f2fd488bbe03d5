package org.nifitransfer.core.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nifitransfer.core.model.EpochRecord;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

class LearningCurvePlotTest {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 450;

    /** Epochs {@code first..last} of one phase, with curves that improve as a real run does. */
    private static List<EpochRecord> epochs(final int first, final int last, final String phase) {
        final List<EpochRecord> records = new ArrayList<>();
        for (int epoch = first; epoch <= last; epoch++) {
            final double progress = 1 - Math.exp(-epoch / 4.0);
            records.add(new EpochRecord(epoch, phase, 0.7 - 0.5 * progress, 0.55 + 0.42 * progress,
                    0.65 - 0.45 * progress + 0.02 * Math.sin(epoch), 0.6 + 0.35 * progress, 1e-4));
        }
        return records;
    }

    private static BufferedImage render(final List<EpochRecord> history) {
        final byte[] png = LearningCurvePlot.builder().setHistory(history).build().toPng();
        final BufferedImage image = PlotImages.decodeRichPng(png);
        assertEquals(WIDTH, image.getWidth());
        assertEquals(HEIGHT, image.getHeight());
        return image;
    }

    /** The number of pixels of the "Start Fine Tuning" colour in each column from {@code left} to {@code right}. */
    private static int[] markerPixelsPerColumn(final BufferedImage image, final int left, final int right) {
        final int[] counts = new int[right - left];
        for (int x = left; x < right; x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                if (PlotImages.isNear(image.getRGB(x, y), LearningCurvePlot.FINE_TUNE_MARKER_COLOR, 40)) {
                    counts[x - left]++;
                }
            }
        }
        return counts;
    }

    private static int tallestColumn(final int[] counts) {
        int tallest = 0;
        for (int x = 1; x < counts.length; x++) {
            if (counts[x] > counts[tallest]) {
                tallest = x;
            }
        }
        return tallest;
    }

    @Test
    void headAndFineTuneDrawsTheMarkerWhereFineTuningStarts() {
        final List<EpochRecord> history = new ArrayList<>(epochs(1, 10, EpochRecord.HEAD));
        history.addAll(epochs(11, 20, EpochRecord.FINE_TUNE));
        final LearningCurvePlot plot = LearningCurvePlot.builder().setHistory(history).build();
        assertEquals(11, plot.fineTuneStartEpoch());

        final BufferedImage image = render(history);
        final int half = WIDTH / 2;
        for (final int left : new int[] {0, half}) {
            final int[] counts = markerPixelsPerColumn(image, left, left + half);
            final int column = tallestColumn(counts);
            assertTrue(counts[column] > HEIGHT / 2, "no vertical marker line in the panel at " + left + ": tallest run "
                    + counts[column]);
            // epoch 11 of 1..20 lies just past the middle of the plot area, which starts after the y axis labels
            assertTrue(column > half * 0.45 && column < half * 0.65, "marker line at x " + column + " of " + half);
        }
    }

    @Test
    void headOnlyHasNoMarker() {
        final BufferedImage image = render(epochs(1, 10, EpochRecord.HEAD));
        final int[] counts = markerPixelsPerColumn(image, 0, WIDTH);
        assertTrue(counts[tallestColumn(counts)] < 20, "a head-only history must not draw the fine-tuning line");
        assertEquals(-1, LearningCurvePlot.builder().setHistory(epochs(1, 3, EpochRecord.HEAD)).build().fineTuneStartEpoch());
    }

    @Test
    void fineTuneOnlyRenders() {
        render(epochs(11, 20, EpochRecord.FINE_TUNE));
    }

    @Test
    void singleEpochRenders() {
        render(epochs(1, 1, EpochRecord.HEAD));
        render(epochs(5, 5, EpochRecord.FINE_TUNE));
    }

    @Test
    void unorderedHistoryWithMissingValidationRenders() {
        final List<EpochRecord> history = new ArrayList<>();
        history.add(new EpochRecord(3, EpochRecord.FINE_TUNE, 0.2, 0.9, Double.NaN, Double.NaN, 1e-5));
        history.add(new EpochRecord(1, EpochRecord.HEAD, 0.6, 0.7, Double.NaN, Double.NaN, 1e-3));
        history.add(new EpochRecord(2, EpochRecord.HEAD, 0.4, 0.8, Double.NaN, Double.NaN, 1e-3));
        render(history);
    }

    @Test
    void customSize() {
        final byte[] png = LearningCurvePlot.builder().setHistory(epochs(1, 4, EpochRecord.HEAD)).optWidth(640)
                .optHeight(300).build().toPng();
        final BufferedImage image = PlotImages.decodeRichPng(png);
        assertEquals(640, image.getWidth());
        assertEquals(300, image.getHeight());
    }

    @Test
    void rejectsEmptyHistory() {
        assertThrows(IllegalArgumentException.class, () -> LearningCurvePlot.builder().setHistory(List.of()).build());
        assertThrows(IllegalArgumentException.class, () -> LearningCurvePlot.builder().build());
    }
}
