package org.nifitransfer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchTableTest {

    @Test
    void ratioIsAboveOneWhenOursIsBetterInBothDirections() {
        final BenchTable table = new BenchTable()
                .rate("extract", "images/s", 400.0, null, 100.0, null)
                .cost("pipeline", "s", 20.0, null, 40.0, null)
                .rate("slow", "images/s", 50.0, null, 100.0, null);
        assertEquals(4.0, table.rows().get(0).ratio(), 1e-12);
        assertEquals(2.0, table.rows().get(1).ratio(), 1e-12);
        assertEquals(0.5, table.rows().get(2).ratio(), 1e-12);
    }

    @Test
    void missingFiguresGiveNoRatioAndSayWhy() {
        final BenchTable table = new BenchTable()
                .todo("6. memory", "MB")
                .rate("1. decode", "images/s", 900.0, null, null, "python3-pil not installed");
        assertNull(table.rows().get(0).ratio());
        assertNull(table.rows().get(1).ratio());
        final String text = table.format();
        assertTrue(text.contains("| 6. memory "), text);
        assertTrue(text.contains("not measured yet"), text);
        assertTrue(text.contains("python3-pil not installed"), text);
    }

    @Test
    void formatsAnAlignedTableWithNotes() {
        final String text = new BenchTable()
                .rate("2. extraction", "images/s", 456.789, "61% of ceiling", 104.6, "torch")
                .cost("5. pipeline", "s wall", 12.345, null, 20.0, null)
                .note("threads: 2")
                .format();
        final String[] lines = text.split("\n");
        assertEquals(lines[0].length(), lines[1].length(), text);
        assertEquals(lines[0].length(), lines[2].length(), text);
        assertEquals(lines[0].length(), lines[3].length(), text);
        assertTrue(lines[2].contains("457 (61% of ceiling)"), text);
        assertTrue(lines[2].contains("105 (torch)"), text);
        assertTrue(lines[2].endsWith("4.37x |"), text);
        assertTrue(lines[3].contains("s wall (lower is better)"), text);
        assertTrue(lines[3].contains("12.3"), text);
        assertTrue(lines[3].endsWith("1.62x |"), text);
        assertTrue(text.contains("- threads: 2"), text);
    }

    @Test
    void numbersKeepThreeSignificantDigits() {
        assertEquals("1,235", BenchTable.number(1234.5));
        assertEquals("98.7", BenchTable.number(98.71));
        assertEquals("5.43", BenchTable.number(5.432));
        assertEquals("0.532", BenchTable.number(0.5321));
    }
}
