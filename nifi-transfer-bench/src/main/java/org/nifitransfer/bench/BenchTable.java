package org.nifitransfer.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's result table: one row per stage and variant, our figure, the Python peer's figure, and the
 * ratio. The ratio is always oriented so that above 1 means we are better: ours / peer for rates (higher is
 * better, e.g. images/s), peer / ours for costs (lower is better, e.g. seconds, MB).
 */
public final class BenchTable {

    /** Whether a larger figure is better (a rate) or a smaller one (a time or a size). */
    public enum Direction {
        HIGHER_IS_BETTER,
        LOWER_IS_BETTER
    }

    /**
     * One row. {@code ours} and {@code peer} are null when not measured; {@code oursNote} and {@code peerNote}
     * then say why (or add context when measured).
     */
    public record Row(String stage, String unit, Direction direction, Double ours, String oursNote, Double peer, String peerNote) {

        /** Ours relative to the peer, above 1 when ours is better; null when either side is missing or zero. */
        public Double ratio() {
            if (ours == null || peer == null || ours <= 0 || peer <= 0) {
                return null;
            }
            return direction == Direction.HIGHER_IS_BETTER ? ours / peer : peer / ours;
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public BenchTable add(final Row row) {
        rows.add(row);
        return this;
    }

    /** A rate row: higher is better. */
    public BenchTable rate(final String stage, final String unit, final Double ours, final String oursNote, final Double peer,
                           final String peerNote) {
        return add(new Row(stage, unit, Direction.HIGHER_IS_BETTER, ours, oursNote, peer, peerNote));
    }

    /** A cost row: lower is better. */
    public BenchTable cost(final String stage, final String unit, final Double ours, final String oursNote, final Double peer,
                           final String peerNote) {
        return add(new Row(stage, unit, Direction.LOWER_IS_BETTER, ours, oursNote, peer, peerNote));
    }

    /** A row not measured yet. */
    public BenchTable todo(final String stage, final String unit) {
        return add(new Row(stage, unit, Direction.HIGHER_IS_BETTER, null, "not measured yet", null, "not measured yet"));
    }

    /** A line printed under the table. */
    public BenchTable note(final String note) {
        notes.add(note);
        return this;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** A figure with three significant digits at most, thousands grouped: 1,234, 98.7, 0.532. */
    static String number(final double value) {
        final double magnitude = Math.abs(value);
        if (magnitude >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (magnitude >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (magnitude >= 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3f", value);
    }

    static String cell(final Double value, final String note) {
        if (value == null) {
            return note == null ? "-" : note;
        }
        return note == null || note.isBlank() ? number(value) : number(value) + " (" + note + ")";
    }

    static String ratioCell(final Row row) {
        final Double ratio = row.ratio();
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    /** The table as Markdown-compatible text with aligned columns, then the notes. */
    public String format() {
        final List<String[]> lines = new ArrayList<>();
        lines.add(new String[] {"stage", "unit", "ours", "Python peer", "ratio"});
        for (final Row row : rows) {
            lines.add(new String[] {row.stage(), row.unit() + (row.direction() == Direction.LOWER_IS_BETTER ? " (lower is better)" : ""),
                    cell(row.ours(), row.oursNote()), cell(row.peer(), row.peerNote()), ratioCell(row)});
        }
        final int[] widths = new int[5];
        for (final String[] line : lines) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        final StringBuilder text = new StringBuilder();
        for (int l = 0; l < lines.size(); l++) {
            final String[] line = lines.get(l);
            text.append('|');
            for (int i = 0; i < widths.length; i++) {
                final boolean right = i == 4;
                text.append(' ').append(right ? pad(line[i], widths[i], true) : pad(line[i], widths[i], false)).append(" |");
            }
            text.append('\n');
            if (l == 0) {
                text.append('|');
                for (int i = 0; i < widths.length; i++) {
                    text.append(i == 4 ? "-".repeat(widths[i] + 1) + ":|" : "-".repeat(widths[i] + 2) + "|");
                }
                text.append('\n');
            }
        }
        text.append("\nratio: ours relative to the peer, above 1 = ours better (ours/peer for rates, peer/ours for times and sizes).\n");
        for (final String note : notes) {
            text.append("- ").append(note).append('\n');
        }
        return text.toString();
    }

    private static String pad(final String value, final int width, final boolean right) {
        final String spaces = " ".repeat(Math.max(0, width - value.length()));
        return right ? spaces + value : value + spaces;
    }
}
