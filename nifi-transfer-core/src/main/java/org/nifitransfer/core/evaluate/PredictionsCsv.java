package org.nifitransfer.core.evaluate;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes one CSV row per test image as predictions arrive, so a whole test split never has to be held.
 *
 * <p>Columns: {@code file,true_class,predicted_class,probability,correct} and then one {@code p_<class>} column
 * per class in class order. {@code probability} is the probability of the predicted class, {@code correct} is
 * {@code true} or {@code false} ({@code true_class} and {@code correct} are empty for an image of no known class), and probabilities are written as Java writes a {@code float} (the shortest
 * decimal that reads back as the same float, e.g. {@code 0.9731}, {@code 1.0E-5}).
 *
 * <p>The text is UTF-8 without a byte-order mark, and follows RFC 4180: records end with CRLF, and a field that
 * holds a comma, a double quote, a carriage return or a line feed is enclosed in double quotes with each inner
 * double quote doubled; every other field, spaces and non-ASCII letters included, is written as it is.
 *
 * <pre>{@code
 * try (PredictionsCsv csv = new PredictionsCsv(out, classes)) {
 *     for (Prediction prediction : predictions) {
 *         csv.write(prediction);
 *     }
 * }
 * }</pre>
 */
public final class PredictionsCsv implements Closeable, Flushable {

    /** The columns before the per-class probabilities. */
    public static final List<String> FIXED_COLUMNS = List.of("file", "true_class", "predicted_class", "probability", "correct");

    /** The prefix of each per-class probability column. */
    public static final String PROBABILITY_COLUMN_PREFIX = "p_";

    private static final String RECORD_END = "\r\n";

    private final Writer writer;
    private final List<String> classes;
    private long rows;

    /**
     * Starts a CSV on a stream and writes its header; closing the writer closes the stream.
     *
     * @param output where the UTF-8 text goes
     * @param classes the class names, index order
     */
    public PredictionsCsv(final OutputStream output, final List<String> classes) throws IOException {
        this(new OutputStreamWriter(Objects.requireNonNull(output, "output"), StandardCharsets.UTF_8), classes);
    }

    /**
     * Starts a CSV on a character stream and writes its header; closing the writer closes the stream.
     *
     * @param writer where the text goes
     * @param classes the class names, index order
     */
    public PredictionsCsv(final Writer writer, final List<String> classes) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(classes, "classes");
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("A predictions CSV needs at least one class");
        }
        this.writer = writer instanceof BufferedWriter ? writer : new BufferedWriter(writer);
        this.classes = List.copyOf(classes);
        writeRecord(header(this.classes));
    }

    /** The header row's column names for these classes. */
    public static List<String> header(final List<String> classes) {
        final List<String> header = new ArrayList<>(FIXED_COLUMNS);
        for (final String name : classes) {
            header.add(PROBABILITY_COLUMN_PREFIX + name);
        }
        return header;
    }

    /**
     * Appends one image's row.
     *
     * @throws IllegalArgumentException if the prediction has not one probability per class or its true label is
     *                                  neither a class nor {@link Prediction#UNKNOWN}
     */
    public void write(final Prediction prediction) throws IOException {
        final float[] probabilities = prediction.probabilities();
        if (probabilities.length != classes.size()) {
            throw new IllegalArgumentException("Prediction for " + prediction.file() + " has " + probabilities.length
                    + " probabilities but there are " + classes.size() + " classes");
        }
        final int trueLabel = prediction.trueLabel();
        if (trueLabel < Prediction.UNKNOWN || trueLabel >= classes.size()) {
            throw new IllegalArgumentException("Prediction for " + prediction.file() + " has true label " + trueLabel
                    + ", not one of the " + classes.size() + " classes");
        }
        final int predictedLabel = prediction.predictedLabel();
        final List<String> fields = new ArrayList<>(FIXED_COLUMNS.size() + classes.size());
        fields.add(prediction.file());
        fields.add(trueLabel == Prediction.UNKNOWN ? "" : classes.get(trueLabel));
        fields.add(classes.get(predictedLabel));
        fields.add(Float.toString(probabilities[predictedLabel]));
        fields.add(trueLabel == Prediction.UNKNOWN ? "" : Boolean.toString(predictedLabel == trueLabel));
        for (final float probability : probabilities) {
            fields.add(Float.toString(probability));
        }
        writeRecord(fields);
        rows++;
    }

    /** The number of image rows written, the header not counted. */
    public long rows() {
        return rows;
    }

    /**
     * One field as RFC 4180 writes it: enclosed in double quotes, inner quotes doubled, when it holds a comma, a
     * double quote, CR or LF; unchanged otherwise.
     */
    public static String quote(final String field) {
        final String text = field == null ? "" : field;
        boolean needsQuotes = false;
        for (int i = 0; i < text.length() && !needsQuotes; i++) {
            final char character = text.charAt(i);
            needsQuotes = character == ',' || character == '"' || character == '\r' || character == '\n';
        }
        return needsQuotes ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    @Override
    public void flush() throws IOException {
        writer.flush();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    private void writeRecord(final List<String> fields) throws IOException {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                writer.write(',');
            }
            writer.write(quote(fields.get(i)));
        }
        writer.write(RECORD_END);
    }
}
