package org.nifitransfer.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A human-readable table of a model's layers and parameters, like Keras' {@code model.summary()}:
 *
 * <pre>
 * Model: squeezenet1_1 + global average pooling + head
 * ======================================================================
 * Layer           Parameters                            Count  Trainable
 * ======================================================================
 * Base: squeezenet1_1 (722,496 params, 386,176 trainable)
 *   0             weight [64, 3, 3, 3], bias [64]       1,792  no
 *   3.squeeze     weight [16, 64, 1, 1], bias [16]      1,040  no
 *   ...
 *   12.expand3x3  weight [256, 64, 3, 3], bias [256]  147,712  yes
 * ----------------------------------------------------------------------
 * Pooling: global average (no parameters)
 * ----------------------------------------------------------------------
 * Head (2,565 params, 2,565 trainable)
 *   head.0        weight [5, 512], bias [5]             2,565  yes
 * ======================================================================
 * Total params: 725,061
 * Trainable params: 388,741
 * Non-trainable params: 336,320
 * </pre>
 *
 * <p>One row per layer ({@link ParameterInfo#layer()}) in order of first appearance. Trainable is {@code yes},
 * {@code no} or {@code partly}, judged on the parameters gradients can train; BatchNorm running statistics are
 * never trainable and count as non-trainable in the totals. Counts use a comma as thousands separator, as Keras
 * does. The text is plain ASCII (plus whatever the names contain) for a monospaced font, lines end with
 * {@code \n}.
 */
public final class LayerSummary {

    private static final String INDENT = "  ";
    private static final String COLUMN_GAP = "  ";
    private static final String LAYER_HEADER = "Layer";
    private static final String PARAMETERS_HEADER = "Parameters";
    private static final String COUNT_HEADER = "Count";
    private static final String TRAINABLE_HEADER = "Trainable";

    private LayerSummary() {
    }

    /**
     * Formats the summary of a base with its pooling and head.
     *
     * @param base the base's parameters in the base's order
     * @param head the head's parameters; empty or {@code null} when no head has been trained yet
     * @param baseName the base's name, e.g. {@code squeezenet1_1}; {@code null} or blank for {@code base}
     * @param pooling the pooling between base and head, e.g. {@code global average}; {@code null} or blank to
     *                leave the pooling line out
     * @return the table, ending with a line break
     */
    public static String format(final List<ParameterInfo> base, final List<ParameterInfo> head, final String baseName,
            final String pooling) {
        Objects.requireNonNull(base, "base");
        final List<ParameterInfo> headParameters = head == null ? List.of() : head;
        final boolean named = baseName != null && !baseName.isBlank();
        final String name = named ? baseName.strip() : "base";
        final boolean hasPooling = pooling != null && !pooling.isBlank();

        final List<Row> baseRows = rows(base);
        final List<Row> headRows = rows(headParameters);
        final List<Row> allRows = new ArrayList<>(baseRows);
        allRows.addAll(headRows);

        int layerWidth = LAYER_HEADER.length();
        int parametersWidth = PARAMETERS_HEADER.length();
        int countWidth = COUNT_HEADER.length();
        for (final Row row : allRows) {
            layerWidth = Math.max(layerWidth, INDENT.length() + row.layer.length());
            parametersWidth = Math.max(parametersWidth, row.parameters.length());
            countWidth = Math.max(countWidth, row.count.length());
        }
        final int width = layerWidth + parametersWidth + countWidth + TRAINABLE_HEADER.length()
                + 3 * COLUMN_GAP.length();
        final String doubleRule = "=".repeat(width);
        final String singleRule = "-".repeat(width);

        final StringBuilder text = new StringBuilder();
        text.append("Model: ").append(name);
        if (hasPooling) {
            text.append(" + ").append(pooling.strip()).append(" pooling");
        }
        text.append(headParameters.isEmpty() ? "" : " + head").append('\n');
        text.append(doubleRule).append('\n');
        appendRow(text, LAYER_HEADER, PARAMETERS_HEADER, padLeft(COUNT_HEADER, countWidth), TRAINABLE_HEADER,
                layerWidth, parametersWidth);
        text.append(doubleRule).append('\n');

        text.append(named ? "Base: " + name + " " : "Base ").append(subtotal(base)).append('\n');
        appendRows(text, baseRows, layerWidth, parametersWidth, countWidth);
        if (hasPooling) {
            text.append(singleRule).append('\n');
            text.append("Pooling: ").append(pooling.strip()).append(" (no parameters)").append('\n');
        }
        text.append(singleRule).append('\n');
        if (headParameters.isEmpty()) {
            text.append("Head: none yet").append('\n');
        } else {
            text.append("Head ").append(subtotal(headParameters)).append('\n');
            appendRows(text, headRows, layerWidth, parametersWidth, countWidth);
        }
        text.append(doubleRule).append('\n');

        final long total = total(base, false) + total(headParameters, false);
        final long trainable = total(base, true) + total(headParameters, true);
        text.append("Total params: ").append(number(total)).append('\n');
        text.append("Trainable params: ").append(number(trainable)).append('\n');
        text.append("Non-trainable params: ").append(number(total - trainable)).append('\n');
        if (hasRunningStatistics(base) || hasRunningStatistics(headParameters)) {
            text.append("(BatchNorm running_mean and running_var are never trained by gradients and count as "
                    + "non-trainable.)").append('\n');
        }
        return text.toString();
    }

    private static List<Row> rows(final List<ParameterInfo> parameters) {
        final Map<String, List<ParameterInfo>> layers = new LinkedHashMap<>();
        for (final ParameterInfo parameter : parameters) {
            layers.computeIfAbsent(parameter.layer(), key -> new ArrayList<>()).add(parameter);
        }
        final List<Row> rows = new ArrayList<>(layers.size());
        for (final Map.Entry<String, List<ParameterInfo>> layer : layers.entrySet()) {
            final List<String> shapes = new ArrayList<>();
            long count = 0;
            int learned = 0;
            int learnedTrainable = 0;
            for (final ParameterInfo parameter : layer.getValue()) {
                shapes.add(shortName(parameter) + ' ' + Arrays.toString(parameter.shape()));
                count += parameter.count();
                if (!parameter.isRunningStatistic()) {
                    learned++;
                    if (parameter.trainable()) {
                        learnedTrainable++;
                    }
                }
            }
            final String trainable;
            if (learnedTrainable == 0) {
                trainable = "no";
            } else if (learnedTrainable == learned) {
                trainable = "yes";
            } else {
                trainable = "partly";
            }
            rows.add(new Row(layer.getKey(), String.join(", ", shapes), number(count), trainable));
        }
        return rows;
    }

    private static String shortName(final ParameterInfo parameter) {
        final String name = parameter.name();
        final int dot = name.lastIndexOf('.');
        return dot < 0 ? parameter.type() : name.substring(dot + 1);
    }

    private static void appendRows(final StringBuilder text, final List<Row> rows, final int layerWidth,
            final int parametersWidth, final int countWidth) {
        for (final Row row : rows) {
            appendRow(text, INDENT + row.layer, row.parameters, padLeft(row.count, countWidth), row.trainable,
                    layerWidth, parametersWidth);
        }
    }

    private static void appendRow(final StringBuilder text, final String layer, final String parameters,
            final String count, final String trainable, final int layerWidth, final int parametersWidth) {
        text.append(padRight(layer, layerWidth)).append(COLUMN_GAP)
                .append(padRight(parameters, parametersWidth)).append(COLUMN_GAP)
                .append(count).append(COLUMN_GAP)
                .append(trainable).append('\n');
    }

    private static String subtotal(final List<ParameterInfo> parameters) {
        return "(" + number(total(parameters, false)) + " params, " + number(total(parameters, true)) + " trainable)";
    }

    private static long total(final List<ParameterInfo> parameters, final boolean trainableOnly) {
        long total = 0;
        for (final ParameterInfo parameter : parameters) {
            if (!trainableOnly || parameter.trainable() && !parameter.isRunningStatistic()) {
                total += parameter.count();
            }
        }
        return total;
    }

    private static boolean hasRunningStatistics(final List<ParameterInfo> parameters) {
        for (final ParameterInfo parameter : parameters) {
            if (parameter.isRunningStatistic()) {
                return true;
            }
        }
        return false;
    }

    private static String number(final long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String padRight(final String text, final int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }

    private static String padLeft(final String text, final int width) {
        return text.length() >= width ? text : " ".repeat(width - text.length()) + text;
    }

    private record Row(String layer, String parameters, String count, String trainable) {
    }
}
