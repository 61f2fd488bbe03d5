package org.nifitransfer.core.evaluate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

class ConfusionMatrixPlotTest {

    private static List<String> classNames(final int count) {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("class " + i);
        }
        return names;
    }

    /** Mostly diagonal counts, with some confusion between neighbours. */
    private static long[][] matrix(final int classCount) {
        final long[][] matrix = new long[classCount][classCount];
        for (int row = 0; row < classCount; row++) {
            matrix[row][row] = 80 + row;
            matrix[row][(row + 1) % classCount] += 15;
            matrix[row][(row + 2) % classCount] += 5;
        }
        return matrix;
    }

    private static BufferedImage render(final List<String> classes, final long[][] matrix) {
        final byte[] png = ConfusionMatrixPlot.builder().setClasses(classes).setConfusionMatrix(matrix).build().toPng();
        return PlotImages.decodeRichPng(png);
    }

    @Test
    void twoClassesFromMetrics() {
        final ClassificationMetrics metrics = ClassificationMetrics.compute(List.of("cats", "dogs"), List.of(
                new Prediction("a", 0, new float[] {0.9f, 0.1f}), new Prediction("b", 0, new float[] {0.3f, 0.7f}),
                new Prediction("c", 1, new float[] {0.2f, 0.8f})));
        final BufferedImage image = PlotImages.decodeRichPng(ConfusionMatrixPlot.builder().setMetrics(metrics).build().toPng());
        assertTrue(image.getWidth() >= 320 && image.getWidth() < 800, "width " + image.getWidth());
        assertTrue(image.getHeight() >= 320 && image.getHeight() < 800, "height " + image.getHeight());
    }

    @Test
    void tenClasses() {
        final BufferedImage image = render(classNames(10), matrix(10));
        assertTrue(image.getWidth() >= 640 && image.getWidth() < 1200, "width " + image.getWidth());
    }

    @Test
    void fiftyClassesWithLongNamesStayBounded() {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            names.add("a rather long class name number " + i);
        }
        final BufferedImage image = render(names, matrix(50));
        assertTrue(image.getWidth() >= 1200 && image.getWidth() < 2000, "width " + image.getWidth());
        assertTrue(image.getHeight() >= 1200 && image.getHeight() < 2000, "height " + image.getHeight());
    }

    @Test
    void emptyRowsAndLargeCountsRender() {
        render(List.of("a", "b", "c"), new long[][] {{0, 0, 0}, {123456, 7, 0}, {0, 0, 999999}});
    }

    @Test
    void rejectsMatrixThatDoesNotFitTheClasses() {
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrixPlot.builder().setClasses(List.of("a", "b"))
                .setConfusionMatrix(new long[][] {{1, 2, 3}, {4, 5, 6}}).build());
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrixPlot.builder().setClasses(List.of("a"))
                .setConfusionMatrix(new long[][] {{-1}}).build());
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrixPlot.builder().setClasses(List.of("a")).build());
    }
}
