package org.nifitransfer.core.augment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import org.nifitransfer.core.pipeline.Described;

/**
 * How an {@link AffineWarp} fills output pixels whose source lies outside the input image, as
 * {@code scipy.ndimage} and Keras' {@code fill_mode} define them. For an input row {@code a b c d}:
 * <ul>
 *   <li>{@link #NEAREST}: {@code a a a a | a b c d | d d d d} (the edge pixel is repeated);</li>
 *   <li>{@link #REFLECT}: {@code d c b a | a b c d | d c b a} (mirrored about the edge, edge pixel repeated);</li>
 *   <li>{@link #WRAP}: {@code a b c d | a b c d | a b c d} (periodic);</li>
 *   <li>{@link #CONSTANT}: {@code k k k k | a b c d | k k k k} with {@code k} the fill value (Keras' {@code cval}).</li>
 * </ul>
 * In JSON a fill mode is written in lower case, as Keras spells it ({@code "nearest"}).
 */
public enum FillMode implements Described {
    NEAREST("Repeat the edge pixel: aaaa|abcd|dddd"),
    REFLECT("Mirror the image at its edge: dcba|abcd|dcba"),
    WRAP("Tile the image: abcd|abcd|abcd"),
    CONSTANT("A constant value (Fill Value): kkkk|abcd|kkkk");

    private final String description;

    FillMode(final String description) {
        this.description = description;
    }

    /** The lower-case name used in JSON and by Keras, as stored in configurations. */
    @JsonValue
    @Override
    public String getValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The Keras name. */
    @Override
    public String getDisplayName() {
        return getValue();
    }

    @Override
    public String getDescription() {
        return description;
    }

    /**
     * Parses a fill mode name, ignoring case.
     *
     * @param name a name such as {@code "reflect"} or {@code "REFLECT"}
     * @return the fill mode
     * @throws IllegalArgumentException if the name is not a fill mode
     */
    @JsonCreator
    public static FillMode fromName(final String name) {
        for (final FillMode mode : values()) {
            if (mode.name().equalsIgnoreCase(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("Unknown fill mode '" + name + "', expected one of nearest, reflect, wrap, constant");
    }

    /**
     * Maps an integer sample position onto {@code [0, size)}. {@link #CONSTANT} clamps: callers handle
     * positions outside the image before asking.
     */
    int mapIndex(final int index, final int size) {
        if (index >= 0 && index < size) {
            return index;
        }
        switch (this) {
            case REFLECT: {
                final int period = 2 * size;
                final int folded = Math.floorMod(index, period);
                return folded < size ? folded : period - 1 - folded;
            }
            case WRAP:
                return Math.floorMod(index, size);
            default:
                return index < 0 ? 0 : size - 1;
        }
    }
}
