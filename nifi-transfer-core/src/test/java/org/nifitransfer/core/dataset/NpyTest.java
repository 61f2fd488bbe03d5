package org.nifitransfer.core.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NpyTest {

    @Test
    void headerIsPaddedToSixtyFourBytesAndReadsBack() throws IOException {
        final byte[] header = Npy.header(Npy.UINT8, 2, 3, 4, 3);
        assertEquals(0, header.length % 64);
        assertEquals('\n', header[header.length - 1]);
        final String text = new String(header, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4, 3), }"), text);
        assertEquals(new Npy.Header(Npy.UINT8, new long[] {2, 3, 4, 3}), Npy.readHeader(new ByteArrayInputStream(header)));
    }

    @Test
    void oneDimensionalShapeHasTrailingComma() {
        final String text = new String(Npy.header(Npy.INT32, 5), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("'shape': (5,)"), text);
    }

    @Test
    void arraysRoundTrip() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] bytes = {0, 1, (byte) 255, 7, 8, 9};
        Npy.writeUint8(out, bytes, 6, 2, 3);
        Npy.writeInt32(out, new int[] {-1, 0, 70000}, 3, 3);
        Npy.writeFloat32(out, new float[] {1.5f, -2.25f}, 2, 2);
        final ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertArrayEquals(bytes, Npy.readUint8(in, Npy.readHeader(in)));
        assertArrayEquals(new int[] {-1, 0, 70000}, Npy.readInt32(in, Npy.readHeader(in)));
        assertArrayEquals(new float[] {1.5f, -2.25f}, Npy.readFloat32(in, Npy.readHeader(in)));
        assertEquals(0, in.available());
    }

    @Test
    void rejectsWhatIsNotAnArrayOrHasTheWrongType() throws IOException {
        assertThrows(DatasetFormatException.class, () -> Npy.readHeader(new ByteArrayInputStream("hello world".getBytes(StandardCharsets.UTF_8))));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.writeInt32(out, new int[] {1}, 1, 1);
        final ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        final DatasetFormatException error = assertThrows(DatasetFormatException.class, () -> Npy.readUint8(in, Npy.readHeader(in)));
        assertTrue(error.getMessage().contains("<i4"), error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Npy.writeUint8(new ByteArrayOutputStream(), new byte[5], 5, 2, 3));
    }
}
