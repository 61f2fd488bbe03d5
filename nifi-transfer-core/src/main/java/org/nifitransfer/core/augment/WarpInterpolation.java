package org.nifitransfer.core.augment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;
import org.nifitransfer.core.pipeline.Described;

/**
 * How an {@link AffineWarp} reads a source point that falls between pixels: Keras' {@code interpolation_order}
 * 0 ({@link #NEAREST}) or 1 ({@link #BILINEAR}). In JSON it is written in lower case. Not to be confused with the
 * resizer's {@link org.nifitransfer.core.image.Interpolation}, which filters a whole image while scaling it.
 */
public enum WarpInterpolation implements Described {
    /** The nearest pixel, rounding half up. */
    NEAREST("The nearest source pixel"),
    /** The weighted mean of the four surrounding pixels, rounded half up to 0..255. */
    BILINEAR("Bilinear blend of the four nearest pixels");

    private final String description;

    WarpInterpolation(final String description) {
        this.description = description;
    }

    /** The lower-case name used in JSON, as stored in configurations. */
    @JsonValue
    @Override
    public String getValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The lower-case name. */
    @Override
    public String getDisplayName() {
        return getValue();
    }

    @Override
    public String getDescription() {
        return description;
    }

    /**
     * Parses an interpolation name, ignoring case.
     *
     * @param name a name such as {@code "bilinear"}
     * @return the interpolation
     * @throws IllegalArgumentException if the name is not an interpolation
     */
    @JsonCreator
    public static WarpInterpolation fromName(final String name) {
        for (final WarpInterpolation interpolation : values()) {
            if (interpolation.name().equalsIgnoreCase(name)) {
                return interpolation;
            }
        }
        throw new IllegalArgumentException("Unknown interpolation '" + name + "', expected nearest or bilinear");
    }
}
