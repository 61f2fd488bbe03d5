package org.nifitransfer.core.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

class PredictionsCsvTest {

    private static final List<String> CLASSES = List.of("cats", "dogs, big", "\"fish\"");

    /** A strict RFC 4180 reader: CRLF record ends, quoted fields with doubled quotes. */
    private static List<List<String>> parse(final String text) {
        final List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        final StringBuilder field = new StringBuilder();
        int position = 0;
        while (position < text.length()) {
            if (text.charAt(position) == '"') {
                position++;
                while (true) {
                    final char character = text.charAt(position++);
                    if (character == '"') {
                        if (position < text.length() && text.charAt(position) == '"') {
                            field.append('"');
                            position++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(character);
                    }
                }
            }
            final char next = text.charAt(position);
            if (next == ',') {
                record.add(field.toString());
                field.setLength(0);
                position++;
            } else if (next == '\r') {
                assertEquals('\n', text.charAt(position + 1), "a record must end with CRLF");
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
                position += 2;
            } else {
                assertTrue(next != '"' && next != '\n', "unquoted field holds " + next);
                field.append(next);
                position++;
            }
        }
        assertTrue(record.isEmpty() && field.isEmpty(), "the text must end with CRLF");
        return records;
    }

    @Test
    void roundTripsAwkwardNames() throws IOException {
        final List<String> files = List.of("cats/plain.jpg", "cats/with, comma.jpg", "dogs, big/say \"woof\".png",
                "\"fish\"/line\nbreak.jpg", "cats/ñandú 猫 .jpeg", " leading and trailing ");
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PredictionsCsv csv = new PredictionsCsv(output, CLASSES)) {
            for (int i = 0; i < files.size(); i++) {
                csv.write(new Prediction(files.get(i), i % 3, new float[] {0.7f, 0.2f, 0.1f}));
            }
            assertEquals(files.size(), csv.rows());
        }
        final List<List<String>> records = parse(output.toString(StandardCharsets.UTF_8));

        assertEquals(List.of("file", "true_class", "predicted_class", "probability", "correct", "p_cats", "p_dogs, big",
                "p_\"fish\""), records.getFirst());
        assertEquals(files.size() + 1, records.size());
        for (int i = 0; i < files.size(); i++) {
            final List<String> record = records.get(i + 1);
            assertEquals(List.of(files.get(i), CLASSES.get(i % 3), "cats", "0.7", Boolean.toString(i % 3 == 0), "0.7",
                    "0.2", "0.1"), record);
        }
    }

    @Test
    void writesUtf8WithoutByteOrderMarkAndQuotesOnlyWhenNeeded() throws IOException {
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PredictionsCsv csv = new PredictionsCsv(output, List.of("chats", "chiens"))) {
            csv.write(new Prediction("chiens/é t\u00e9.jpg", 1, new float[] {0.25f, 0.75f}));
        }
        final byte[] bytes = output.toByteArray();
        assertEquals('f', bytes[0]);
        assertEquals("file,true_class,predicted_class,probability,correct,p_chats,p_chiens\r\n"
                + "chiens/é t\u00e9.jpg,chiens,chiens,0.75,true,0.25,0.75\r\n", new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void quotesAsRfc4180() {
        assertEquals("plain text", PredictionsCsv.quote("plain text"));
        assertEquals("\"a,b\"", PredictionsCsv.quote("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", PredictionsCsv.quote("say \"hi\""));
        assertEquals("\"two\r\nlines\"", PredictionsCsv.quote("two\r\nlines"));
        assertEquals("", PredictionsCsv.quote(""));
    }

    @Test
    void rejectsPredictionsThatDoNotFit() throws IOException {
        try (PredictionsCsv csv = new PredictionsCsv(new ByteArrayOutputStream(), CLASSES)) {
            assertThrows(IllegalArgumentException.class, () -> csv.write(new Prediction("x", 0, new float[] {1f})));
            assertThrows(IllegalArgumentException.class,
                    () -> csv.write(new Prediction("x", -2, new float[] {0.5f, 0.25f, 0.25f})));
            assertThrows(IllegalArgumentException.class,
                    () -> csv.write(new Prediction("x", 3, new float[] {0.5f, 0.25f, 0.25f})));
        }
    }

    @Test
    void anImageOfNoKnownClassHasEmptyTrueClassAndCorrect() throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PredictionsCsv csv = new PredictionsCsv(bytes, List.of("a", "b"))) {
            csv.write(new Prediction("new/x.jpg", Prediction.UNKNOWN, new float[] {0.25f, 0.75f}));
        }
        assertEquals("file,true_class,predicted_class,probability,correct,p_a,p_b\r\nnew/x.jpg,,b,0.75,,0.25,0.75\r\n",
                bytes.toString(StandardCharsets.UTF_8));
    }
}
