package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link Resizer} with what Pillow computes ({@code Image.resize}, {@code ImageOps.fit},
 * {@code ImageOps.pad}) on a 13x11 pattern; the expected bytes were written by Pillow 12.3.0 into
 * {@code images/pil-resize-reference.txt}.
 */
class ResizerPillowParityTest {

    @Test
    void matchesPillow() throws IOException {
        final RgbImage pattern = RgbImage.blank(13, 11);
        for (int y = 0; y < 11; y++) {
            for (int x = 0; x < 13; x++) {
                pattern.set(x, y, 0, (x * 37 + y * 11) % 256);
                pattern.set(x, y, 1, (x * x * 3 + y * 29) % 256);
                pattern.set(x, y, 2, (x * y * 7 + 50) % 256);
            }
        }
        final List<String> mismatches = new ArrayList<>();
        int cases = 0;
        try (InputStream input = getClass().getResourceAsStream("/images/pil-resize-reference.txt");
                BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                final String[] fields = line.split(" ");
                final Resizer resizer = Resizer.builder()
                        .setSize(Integer.parseInt(fields[2]), Integer.parseInt(fields[3]))
                        .optMode(ResizeMode.valueOf(fields[0]))
                        .optInterpolation(Interpolation.valueOf(fields[1]))
                        .build();
                final byte[] expected = HexFormat.of().parseHex(fields[4]);
                final byte[] actual = resizer.resize(pattern).getData();
                cases++;
                int largest = 0;
                for (int i = 0; i < expected.length; i++) {
                    largest = Math.max(largest, Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF)));
                }
                if (largest > 0) {
                    mismatches.add(fields[0] + " " + fields[1] + " " + fields[2] + "x" + fields[3] + ": off by up to "
                            + largest);
                }
            }
        }
        assertEquals(75, cases);
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
    }
}
