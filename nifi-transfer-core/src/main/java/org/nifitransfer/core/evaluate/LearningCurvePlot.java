package org.nifitransfer.core.evaluate;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nifitransfer.core.image.PngEncoder;
import org.nifitransfer.core.model.EpochRecord;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The learning curves of a training history as one PNG, as the TensorFlow transfer-learning tutorial plots them:
 * a panel of training and validation accuracy beside a panel of training and validation loss, over all epochs of
 * both phases, with a vertical line labelled "Start Fine Tuning" at the first {@link EpochRecord#FINE_TUNE} epoch
 * when the history has one.
 *
 * <pre>{@code
 * byte[] png = LearningCurvePlot.builder().setHistory(history).build().toPng();
 * }</pre>
 *
 * <p>Epochs are drawn in epoch order whatever the order of the list; a non-finite value (a validation loss of a
 * run without validation data, say) is left out of its curve. Accuracy panels end at 1; loss panels start at 0.
 * Renders with Java2D only, so it works with {@code java.awt.headless=true}.
 */
public final class LearningCurvePlot {

    /** The colour of the training curves (matplotlib's first colour, as in the tutorial). */
    public static final Color TRAINING_COLOR = new Color(0x1f77b4);
    /** The colour of the validation curves (matplotlib's second colour). */
    public static final Color VALIDATION_COLOR = new Color(0xff7f0e);
    /** The colour of the "Start Fine Tuning" line (matplotlib's third colour). */
    public static final Color FINE_TUNE_MARKER_COLOR = new Color(0x2ca02c);
    /** The label of the line where fine-tuning starts, as in the tutorial. */
    public static final String FINE_TUNE_LABEL = "Start Fine Tuning";

    private static final int MAXIMUM_EPOCHS_WITH_MARKERS = 40;
    private static final Color GRID_COLOR = new Color(0xdddddd);

    private final List<EpochRecord> history;
    private final int width;
    private final int height;

    private LearningCurvePlot(final Builder builder) {
        this.history = builder.history.stream().sorted(Comparator.comparingInt(EpochRecord::epoch)).toList();
        this.width = builder.width;
        this.height = builder.height;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The first fine-tuning epoch, or -1 when the history has none. */
    public int fineTuneStartEpoch() {
        return history.stream()
                .filter(record -> EpochRecord.FINE_TUNE.equals(record.phase()))
                .mapToInt(EpochRecord::epoch)
                .min()
                .orElse(-1);
    }

    /** The plot as an image of the configured size: accuracy on the left half, loss on the right. */
    public BufferedImage toImage() {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        try {
            graphics.setColor(Color.WHITE);
            graphics.fillRect(0, 0, width, height);
            final int leftWidth = width / 2;
            final XYChart accuracy = chart("Training and Validation Accuracy", "Accuracy", EpochRecord::accuracy,
                    EpochRecord::validationAccuracy, true);
            final XYChart loss = chart("Training and Validation Loss", "Loss", EpochRecord::loss,
                    EpochRecord::validationLoss, false);
            final Graphics2D left = (Graphics2D) graphics.create(0, 0, leftWidth, height);
            try {
                accuracy.paint(left, leftWidth, height);
            } finally {
                left.dispose();
            }
            final Graphics2D right = (Graphics2D) graphics.create(leftWidth, 0, width - leftWidth, height);
            try {
                loss.paint(right, width - leftWidth, height);
            } finally {
                right.dispose();
            }
        } finally {
            graphics.dispose();
        }
        return image;
    }

    /** The plot as PNG bytes. */
    public byte[] toPng() {
        return PngEncoder.encode(toImage());
    }

    private XYChart chart(final String title, final String metric, final ToDoubleFunction<EpochRecord> training,
                          final ToDoubleFunction<EpochRecord> validation, final boolean isAccuracy) {
        final int panelWidth = isAccuracy ? width / 2 : width - width / 2;
        final XYChart chart = new XYChart(panelWidth, height);
        chart.setTitle(title);
        chart.setXAxisTitle("Epoch");
        chart.setYAxisTitle(metric);
        final XYStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.GRAY);
        styler.setPlotGridLinesColor(GRID_COLOR);
        styler.setLegendPosition(isAccuracy ? LegendPosition.InsideSE : LegendPosition.InsideNE);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setXAxisDecimalPattern("0");
        styler.setYAxisDecimalPattern(isAccuracy ? "0.00" : "0.0##");
        styler.setMarkerSize(5);
        styler.setSeriesColors(new Color[] {TRAINING_COLOR, VALIDATION_COLOR, FINE_TUNE_MARKER_COLOR});

        final double firstEpoch = history.getFirst().epoch();
        final double lastEpoch = history.getLast().epoch();
        // one epoch either side of a single epoch, so the axis has whole-epoch ticks to label
        final double margin = lastEpoch == firstEpoch ? 1 : Math.max(0.25, (lastEpoch - firstEpoch) * 0.03);
        styler.setXAxisMin(firstEpoch - margin);
        styler.setXAxisMax(lastEpoch + margin);

        final double[] range = isAccuracy ? accuracyRange(training, validation) : lossRange(training, validation);
        styler.setYAxisMin(range[0]);
        styler.setYAxisMax(range[1]);

        addCurve(chart, "Training " + metric, training, TRAINING_COLOR);
        addCurve(chart, "Validation " + metric, validation, VALIDATION_COLOR);
        final int fineTuneStart = fineTuneStartEpoch();
        if (fineTuneStart >= 0) {
            final XYSeries marker = chart.addSeries(FINE_TUNE_LABEL, new double[] {fineTuneStart, fineTuneStart}, range);
            marker.setMarker(SeriesMarkers.NONE);
            marker.setLineColor(FINE_TUNE_MARKER_COLOR);
            marker.setLineWidth(2f);
        }
        return chart;
    }

    private void addCurve(final XYChart chart, final String name, final ToDoubleFunction<EpochRecord> metric,
                          final Color color) {
        final List<Double> epochs = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        for (final EpochRecord record : history) {
            final double value = metric.applyAsDouble(record);
            if (Double.isFinite(value)) {
                epochs.add((double) record.epoch());
                values.add(value);
            }
        }
        if (values.isEmpty()) {
            return;
        }
        final XYSeries series = chart.addSeries(name, epochs, values);
        series.setLineColor(color);
        series.setMarkerColor(color);
        series.setLineWidth(2f);
        series.setMarker(history.size() <= MAXIMUM_EPOCHS_WITH_MARKERS || values.size() == 1
                ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    /** From a twentieth below the lowest accuracy down to 0, up to 1 (or the highest value if above 1). */
    private double[] accuracyRange(final ToDoubleFunction<EpochRecord> training,
                                   final ToDoubleFunction<EpochRecord> validation) {
        final double[] extremes = extremes(training, validation);
        final double upper = Math.max(1, extremes[1]);
        if (Double.isNaN(extremes[0])) {
            return new double[] {0, upper};
        }
        double lower = Math.max(0, Math.floor((extremes[0] - 0.02) * 20) / 20);
        if (lower >= upper) {
            lower = upper - 0.1;
        }
        return new double[] {lower, upper};
    }

    /** From 0 (or the lowest value if below 0) to a tenth above the highest loss. */
    private double[] lossRange(final ToDoubleFunction<EpochRecord> training,
                               final ToDoubleFunction<EpochRecord> validation) {
        final double[] extremes = extremes(training, validation);
        if (Double.isNaN(extremes[0])) {
            return new double[] {0, 1};
        }
        final double lower = Math.min(0, extremes[0]);
        double upper = extremes[1] * 1.1;
        if (upper <= lower) {
            upper = lower + 1;
        }
        return new double[] {lower, upper};
    }

    /** The lowest and highest finite value of both metrics, or NaNs when there is none. */
    private double[] extremes(final ToDoubleFunction<EpochRecord> training, final ToDoubleFunction<EpochRecord> validation) {
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (final EpochRecord record : history) {
            for (final double value : new double[] {training.applyAsDouble(record), validation.applyAsDouble(record)}) {
                if (Double.isFinite(value)) {
                    lowest = Math.min(lowest, value);
                    highest = Math.max(highest, value);
                }
            }
        }
        return lowest > highest ? new double[] {Double.NaN, Double.NaN} : new double[] {lowest, highest};
    }

    /** Configures a {@link LearningCurvePlot}; the history is required. */
    public static final class Builder {

        private List<EpochRecord> history;
        private int width = 1000;
        private int height = 450;

        private Builder() {
        }

        /** The epochs to plot, both phases, in any order; at least one. */
        public Builder setHistory(final List<EpochRecord> history) {
            this.history = List.copyOf(Objects.requireNonNull(history, "history"));
            return this;
        }

        /** The image width in pixels, both panels together; 1000 by default. */
        public Builder optWidth(final int width) {
            this.width = width;
            return this;
        }

        /** The image height in pixels; 450 by default. */
        public Builder optHeight(final int height) {
            this.height = height;
            return this;
        }

        public LearningCurvePlot build() {
            if (history == null || history.isEmpty()) {
                throw new IllegalArgumentException("A learning curve needs at least one epoch");
            }
            if (width < 200 || height < 150) {
                throw new IllegalArgumentException("A learning curve needs at least 200x150 pixels, not " + width + "x"
                        + height);
            }
            return new LearningCurvePlot(this);
        }
    }
}
