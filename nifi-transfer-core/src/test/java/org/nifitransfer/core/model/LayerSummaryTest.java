package org.nifitransfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LayerSummaryTest {

    @Test
    void squeezeNetWithTopTwoBlocksUnfrozen() {
        final List<ParameterInfo> base = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.TOP_BLOCKS)
                .optTopBlocks(2).build().apply(TestParameters.squeezeNet());
        final String summary = LayerSummary.format(base, TestParameters.head(true), "squeezenet1_1", "global average");
        final List<String> lines = summary.lines().toList();

        assertEquals("Model: squeezenet1_1 + global average pooling + head", lines.getFirst());
        assertTrue(summary.contains("Base: squeezenet1_1 (722,496 params, 386,176 trainable)\n"), summary);
        assertTrue(summary.contains("Pooling: global average (no parameters)\n"), summary);
        assertTrue(summary.contains("Head (2,565 params, 2,565 trainable)\n"), summary);
        assertEquals(List.of("Total params: 725,061", "Trainable params: 388,741", "Non-trainable params: 336,320"),
                lines.subList(lines.size() - 3, lines.size()));

        assertTrue(row(lines, "0").matches("0 +weight \\[64, 3, 3, 3], bias \\[64] +1,792  no"), row(lines, "0"));
        assertTrue(row(lines, "12.expand3x3").matches(
                "12\\.expand3x3 +weight \\[256, 64, 3, 3], bias \\[256] +147,712  yes"), row(lines, "12.expand3x3"));
        assertTrue(row(lines, "head.0").matches("head\\.0 +weight \\[5, 512], bias \\[5] +2,565  yes"));
        assertEquals(25 + 1, lines.stream().filter(line -> line.startsWith("  ")).count());
    }

    @Test
    void columnsAreAligned() {
        final String summary = LayerSummary.format(TestParameters.squeezeNet(), TestParameters.head(true), "squeezenet1_1",
                "global average");
        final List<String> lines = summary.lines().toList();
        final String header = lines.get(2);
        final int countEnd = header.indexOf("Count") + "Count".length();
        final int trainableStart = header.indexOf("Trainable");
        assertEquals(lines.get(1).length(), header.length());
        for (final String line : lines) {
            if (line.startsWith("  ")) {
                assertEquals(' ', line.charAt(countEnd), line);
                assertTrue(Character.isDigit(line.charAt(countEnd - 1)), line);
                assertTrue(line.substring(trainableStart).matches("yes|no|partly"), line);
            }
        }
    }

    @Test
    void runningStatisticsCountAsNonTrainable() {
        final List<ParameterInfo> base = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.ALL).build()
                .apply(TestParameters.batchNormBase());
        final String summary = LayerSummary.format(base, List.of(), null, null);
        final List<String> lines = summary.lines().toList();

        assertEquals("Model: base", lines.getFirst());
        assertTrue(summary.contains("\nBase (5,232 params, 5,136 trainable)\n"), summary);
        assertTrue(summary.contains("Head: none yet\n"), summary);
        // conv 16*3*3*3 + bn 4*16 + conv 32*16*3*3 + bn 4*32; running statistics 2*16 + 2*32
        assertTrue(summary.contains("Total params: 5,232\nTrainable params: 5,136\nNon-trainable params: 96\n"), summary);
        assertTrue(row(lines, "0.bn").matches(
                "0\\.bn +weight \\[16], bias \\[16], running_mean \\[16], running_var \\[16] +64  yes"), row(lines, "0.bn"));
        assertTrue(lines.getLast().contains("running_mean and running_var are never trained"), summary);
    }

    @Test
    void partlyTrainableLayer() {
        final List<ParameterInfo> base = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.PATTERN)
                .optPattern("\\.weight$").build().apply(TestParameters.squeezeNet());
        final List<String> lines = LayerSummary.format(base, TestParameters.head(false), "squeezenet1_1", "")
                .lines().toList();
        assertTrue(row(lines, "3.squeeze").endsWith("  partly"), row(lines, "3.squeeze"));
        assertTrue(row(lines, "head.0").endsWith("  no"), row(lines, "head.0"));
    }

    private static String row(final List<String> lines, final String layer) {
        for (final String line : lines) {
            if (line.startsWith("  " + layer + " ")) {
                return line.strip();
            }
        }
        throw new AssertionError("no row for " + layer + " in\n" + String.join("\n", lines));
    }
}
