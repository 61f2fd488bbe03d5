package org.nifitransfer.core.explain;

/**
 * Perceptually uniform colour maps from matplotlib (van der Walt and Smith), as 9 stops each, interpolated linearly:
 * dark for 0, bright for 1, readable in grey and by most colour-blind readers.
 */
public enum Colormap {
    VIRIDIS(new int[] {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725}),
    INFERNO(new int[] {0x000004, 0x1F0C48, 0x550F6D, 0x88226A, 0xBA3655, 0xE35933, 0xF98E09, 0xF8C932, 0xFCFFA4});

    private final int[] stops;
    private final int[] table;

    Colormap(final int[] stops) {
        this.stops = stops;
        this.table = new int[256];
        for (int i = 0; i < table.length; i++) {
            table[i] = rgb(i / 255.0);
        }
    }

    /** The colour of {@code level / 255} as {@code 0xRRGGBB}, from a table: for colouring every pixel of a picture. */
    public int rgbOfLevel(final int level) {
        return table[level];
    }

    /** The colour of {@code value} in [0, 1] (clamped) as {@code 0xRRGGBB}. */
    public int rgb(final double value) {
        final double position = Math.max(0, Math.min(1, value)) * (stops.length - 1);
        final int low = Math.min((int) Math.floor(position), stops.length - 2);
        final double fraction = position - low;
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            final int from = stops[low] >> shift & 0xFF;
            final int to = stops[low + 1] >> shift & 0xFF;
            rgb |= (int) Math.round(from + (to - from) * fraction) << shift;
        }
        return rgb;
    }
}
