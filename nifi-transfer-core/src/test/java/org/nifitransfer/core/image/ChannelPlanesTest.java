package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ChannelPlanesTest {

    @Test
    void looksUpTheSameFloatsAsTheJavaLoop() {
        final Random random = new Random(11);
        final float[][] tables = new float[3][256];
        for (final float[] table : tables) {
            for (int v = 0; v < 256; v++) {
                table[v] = random.nextFloat() * 8 - 4;
            }
        }
        final int[][] orders = {{0, 1, 2}, {2, 1, 0}, {1, 1, 1}};
        for (final int plane : new int[] {1, 7, 224 * 224, 299 * 299}) {
            final byte[] pixels = new byte[5 + plane * 3 + 4];
            random.nextBytes(pixels);
            for (final int[] order : orders) {
                final float[] expected = new float[3 + plane * 3];
                final float[] actual = new float[3 + plane * 3];
                // planes in a shuffled order inside the output, after a 3-float offset
                ChannelPlanes.lookupInJava(tables, pixels, 5, plane, order, expected, 3 + plane, 3 + 2 * plane, 3);
                ChannelPlanes.lookup(tables, pixels, 5, plane, order, actual, 3 + plane, 3 + 2 * plane, 3);
                assertArrayEquals(expected, actual, plane + " pixels, order " + order[0] + order[1] + order[2]);
                assertEquals(tables[0][pixels[5 + order[0]] & 0xFF], actual[3 + plane]);
                assertEquals(tables[2][pixels[5 + 3 * (plane - 1) + order[2]] & 0xFF], actual[3 + plane - 1]);
            }
        }
    }

    @Test
    void refusesRangesOutsideTheArrays() {
        final float[][] tables = new float[3][256];
        final int[] order = {0, 1, 2};
        final byte[] pixels = new byte[30];
        final float[] out = new float[30];
        assertThrows(IndexOutOfBoundsException.class, () -> ChannelPlanes.lookup(tables, pixels, 1, 10, order, out, 0, 10, 20));
        assertThrows(IndexOutOfBoundsException.class, () -> ChannelPlanes.lookup(tables, pixels, 0, 10, order, out, 0, 10, 21));
        assertThrows(IllegalArgumentException.class, () -> ChannelPlanes.lookup(tables, pixels, 0, 10, new int[] {0, 1, 3}, out, 0, 10, 20));
        assertThrows(IllegalArgumentException.class, () -> ChannelPlanes.lookup(new float[][] {new float[256], new float[256], new float[255]},
                pixels, 0, 10, order, out, 0, 10, 20));
        ChannelPlanes.lookup(tables, pixels, 0, 10, order, out, 0, 10, 20);
    }
}
