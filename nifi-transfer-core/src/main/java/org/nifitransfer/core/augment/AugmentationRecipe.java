package org.nifitransfer.core.augment;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.Objects;
import java.util.Optional;

/**
 * What to augment and by how much: the settings of Keras' {@code ImageDataGenerator} that change geometry
 * and brightness, as an immutable value that travels inside dataset manifests as JSON.
 *
 * <p>Every random parameter is a {@link ValueRange} drawn uniformly. The builder takes either Keras' single
 * number (a rotation range {@code 40} means {@code [-40, 40]}, a zoom range {@code 0.2} means {@code [0.8, 1.2]})
 * or an explicit {@code [min, max]} pair; a pair with {@code min == max} is a fixed value, so a rotation range
 * {@code [90, 90]} rotates every image by exactly 90 degrees.
 *
 * <pre>{@code
 * AugmentationRecipe recipe = AugmentationRecipe.builder()
 *         .optRotationRange(40)
 *         .optWidthShiftRange(0.2)
 *         .optHeightShiftRange(0.2)
 *         .optShearRange(20)
 *         .optZoomRange(0.2)
 *         .optHorizontalFlip(true)
 *         .build();
 * }</pre>
 *
 * <p>JSON fields (stable; ranges are {@code [min, max]} arrays, enums lower case; {@code brightness} is left
 * out when brightness is not changed; missing fields take the defaults):
 * <pre>
 * {"rotation": [-40.0, 40.0], "widthShift": [-0.2, 0.2], "heightShift": [-0.2, 0.2], "shear": [-20.0, 20.0],
 *  "zoom": [0.8, 1.2], "horizontalFlip": true, "verticalFlip": false, "brightness": [0.5, 1.5],
 *  "fillMode": "nearest", "fillValue": 0, "interpolation": "bilinear"}
 * </pre>
 * See {@link Augmenter} for the directions and the order in which parameters are drawn.
 */
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE, creatorVisibility = Visibility.NONE)
@JsonPropertyOrder({"rotation", "widthShift", "heightShift", "shear", "zoom", "horizontalFlip", "verticalFlip",
        "brightness", "fillMode", "fillValue", "interpolation"})
public final class AugmentationRecipe {

    private static final double MAXIMUM_SHEAR_DEGREES = 90;

    private static final String SYMMETRIC_HINT = " (a single value r means [-r, r], so it must not be negative)";

    @JsonProperty("rotation")
    private final ValueRange rotation;
    @JsonProperty("widthShift")
    private final ValueRange widthShift;
    @JsonProperty("heightShift")
    private final ValueRange heightShift;
    @JsonProperty("shear")
    private final ValueRange shear;
    @JsonProperty("zoom")
    private final ValueRange zoom;
    @JsonProperty("horizontalFlip")
    private final boolean horizontalFlip;
    @JsonProperty("verticalFlip")
    private final boolean verticalFlip;
    @JsonProperty("brightness")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    private final ValueRange brightness;
    @JsonProperty("fillMode")
    private final FillMode fillMode;
    @JsonProperty("fillValue")
    private final int fillValue;
    @JsonProperty("interpolation")
    private final WarpInterpolation interpolation;

    private AugmentationRecipe(final Builder builder) {
        this.rotation = builder.rotation;
        this.widthShift = builder.widthShift;
        this.heightShift = builder.heightShift;
        this.shear = builder.shear;
        this.zoom = builder.zoom;
        this.horizontalFlip = builder.horizontalFlip;
        this.verticalFlip = builder.verticalFlip;
        this.brightness = builder.brightness;
        this.fillMode = builder.fillMode;
        this.fillValue = builder.fillValue;
        this.interpolation = builder.interpolation;
    }

    /** A builder whose defaults are the identity recipe: no change, nearest fill, bilinear interpolation. */
    public static Builder builder() {
        return new Builder();
    }

    /** The recipe that changes nothing. */
    public static AugmentationRecipe identity() {
        return builder().build();
    }

    @JsonCreator
    static AugmentationRecipe fromJson(
            @JsonProperty("rotation") final ValueRange rotation,
            @JsonProperty("widthShift") final ValueRange widthShift,
            @JsonProperty("heightShift") final ValueRange heightShift,
            @JsonProperty("shear") final ValueRange shear,
            @JsonProperty("zoom") final ValueRange zoom,
            @JsonProperty("horizontalFlip") final Boolean horizontalFlip,
            @JsonProperty("verticalFlip") final Boolean verticalFlip,
            @JsonProperty("brightness") final ValueRange brightness,
            @JsonProperty("fillMode") final FillMode fillMode,
            @JsonProperty("fillValue") final Integer fillValue,
            @JsonProperty("interpolation") final WarpInterpolation interpolation) {
        final Builder builder = builder();
        if (rotation != null) {
            builder.optRotationRange(rotation.min(), rotation.max());
        }
        if (widthShift != null) {
            builder.optWidthShiftRange(widthShift.min(), widthShift.max());
        }
        if (heightShift != null) {
            builder.optHeightShiftRange(heightShift.min(), heightShift.max());
        }
        if (shear != null) {
            builder.optShearRange(shear.min(), shear.max());
        }
        if (zoom != null) {
            builder.optZoomRange(zoom.min(), zoom.max());
        }
        if (horizontalFlip != null) {
            builder.optHorizontalFlip(horizontalFlip);
        }
        if (verticalFlip != null) {
            builder.optVerticalFlip(verticalFlip);
        }
        if (brightness != null) {
            builder.optBrightnessRange(brightness.min(), brightness.max());
        }
        if (fillMode != null) {
            builder.optFillMode(fillMode);
        }
        if (fillValue != null) {
            builder.optFillValue(fillValue);
        }
        if (interpolation != null) {
            builder.optInterpolation(interpolation);
        }
        return builder.build();
    }

    /** The rotation angle range in degrees; a positive angle turns the content counter-clockwise as displayed. */
    public ValueRange getRotation() {
        return rotation;
    }

    /** The horizontal shift range as a fraction of the width; a positive shift moves the content left. */
    public ValueRange getWidthShift() {
        return widthShift;
    }

    /** The vertical shift range as a fraction of the height; a positive shift moves the content up. */
    public ValueRange getHeightShift() {
        return heightShift;
    }

    /** The shear angle range in degrees. */
    public ValueRange getShear() {
        return shear;
    }

    /** The zoom factor range; x and y factors are drawn from it independently. Above 1 zooms out. */
    public ValueRange getZoom() {
        return zoom;
    }

    /** Whether images are mirrored left-right with probability 0.5. */
    public boolean isHorizontalFlip() {
        return horizontalFlip;
    }

    /** Whether images are mirrored top-bottom with probability 0.5. */
    public boolean isVerticalFlip() {
        return verticalFlip;
    }

    /** The brightness multiplier range, if brightness is changed. */
    public Optional<ValueRange> getBrightness() {
        return Optional.ofNullable(brightness);
    }

    public FillMode getFillMode() {
        return fillMode;
    }

    /** The value 0..255 used by {@link FillMode#CONSTANT} (Keras' {@code cval}). */
    public int getFillValue() {
        return fillValue;
    }

    public WarpInterpolation getInterpolation() {
        return interpolation;
    }

    /** Whether every image comes out unchanged: no geometry change, no flip, no brightness change. */
    public boolean isIdentity() {
        return rotation.isFixedAt(0) && widthShift.isFixedAt(0) && heightShift.isFixedAt(0) && shear.isFixedAt(0)
                && zoom.isFixedAt(1) && !horizontalFlip && !verticalFlip && (brightness == null || brightness.isFixedAt(1));
    }

    /** A builder holding this recipe's settings, to derive a changed copy. */
    public Builder toBuilder() {
        final Builder builder = builder()
                .optRotationRange(rotation.min(), rotation.max())
                .optWidthShiftRange(widthShift.min(), widthShift.max())
                .optHeightShiftRange(heightShift.min(), heightShift.max())
                .optShearRange(shear.min(), shear.max())
                .optZoomRange(zoom.min(), zoom.max())
                .optHorizontalFlip(horizontalFlip)
                .optVerticalFlip(verticalFlip)
                .optFillMode(fillMode)
                .optFillValue(fillValue)
                .optInterpolation(interpolation);
        builder.brightness = brightness;
        return builder;
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof AugmentationRecipe recipe
                && rotation.equals(recipe.rotation) && widthShift.equals(recipe.widthShift)
                && heightShift.equals(recipe.heightShift) && shear.equals(recipe.shear) && zoom.equals(recipe.zoom)
                && horizontalFlip == recipe.horizontalFlip && verticalFlip == recipe.verticalFlip
                && Objects.equals(brightness, recipe.brightness) && fillMode == recipe.fillMode
                && fillValue == recipe.fillValue && interpolation == recipe.interpolation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rotation, widthShift, heightShift, shear, zoom, horizontalFlip, verticalFlip, brightness,
                fillMode, fillValue, interpolation);
    }

    @Override
    public String toString() {
        return "AugmentationRecipe[rotation=" + rotation + ", widthShift=" + widthShift + ", heightShift=" + heightShift
                + ", shear=" + shear + ", zoom=" + zoom + ", horizontalFlip=" + horizontalFlip
                + ", verticalFlip=" + verticalFlip + ", brightness=" + brightness + ", fillMode=" + fillMode
                + ", fillValue=" + fillValue + ", interpolation=" + interpolation + "]";
    }

    /**
     * Builds an {@link AugmentationRecipe}. Every setting is optional; {@link #build()} checks them all and
     * names the offending one.
     */
    public static final class Builder {

        private ValueRange rotation = ValueRange.ZERO;
        private ValueRange widthShift = ValueRange.ZERO;
        private ValueRange heightShift = ValueRange.ZERO;
        private ValueRange shear = ValueRange.ZERO;
        private ValueRange zoom = ValueRange.ONE;
        private boolean horizontalFlip;
        private boolean verticalFlip;
        private ValueRange brightness;
        private FillMode fillMode = FillMode.NEAREST;
        private int fillValue;
        private WarpInterpolation interpolation = WarpInterpolation.BILINEAR;

        private Builder() {
        }

        /** Keras' {@code rotation_range}: angles in {@code [-degrees, degrees]}. */
        public Builder optRotationRange(final double degrees) {
            rotation = ValueRange.symmetric(degrees);
            return this;
        }

        /** Angles in {@code [minDegrees, maxDegrees]}; equal bounds give a fixed rotation. */
        public Builder optRotationRange(final double minDegrees, final double maxDegrees) {
            rotation = new ValueRange(minDegrees, maxDegrees);
            return this;
        }

        /** Keras' {@code width_shift_range} as a fraction of the width: shifts in {@code [-fraction, fraction]}. */
        public Builder optWidthShiftRange(final double fraction) {
            widthShift = ValueRange.symmetric(fraction);
            return this;
        }

        /** Horizontal shifts in {@code [minFraction, maxFraction]} of the width. */
        public Builder optWidthShiftRange(final double minFraction, final double maxFraction) {
            widthShift = new ValueRange(minFraction, maxFraction);
            return this;
        }

        /** Keras' {@code height_shift_range} as a fraction of the height: shifts in {@code [-fraction, fraction]}. */
        public Builder optHeightShiftRange(final double fraction) {
            heightShift = ValueRange.symmetric(fraction);
            return this;
        }

        /** Vertical shifts in {@code [minFraction, maxFraction]} of the height. */
        public Builder optHeightShiftRange(final double minFraction, final double maxFraction) {
            heightShift = new ValueRange(minFraction, maxFraction);
            return this;
        }

        /** Keras' {@code shear_range} in degrees: shear angles in {@code [-degrees, degrees]}. */
        public Builder optShearRange(final double degrees) {
            shear = ValueRange.symmetric(degrees);
            return this;
        }

        /** Shear angles in {@code [minDegrees, maxDegrees]}. */
        public Builder optShearRange(final double minDegrees, final double maxDegrees) {
            shear = new ValueRange(minDegrees, maxDegrees);
            return this;
        }

        /** Keras' float {@code zoom_range}: factors in {@code [1 - zoom, 1 + zoom]}. */
        public Builder optZoomRange(final double zoom) {
            this.zoom = new ValueRange(1 - zoom, 1 + zoom);
            return this;
        }

        /** Keras' {@code zoom_range=[low, high]}: factors in {@code [low, high]}, above 1 zooming out. */
        public Builder optZoomRange(final double low, final double high) {
            this.zoom = new ValueRange(low, high);
            return this;
        }

        /** Keras' {@code horizontal_flip}: mirror left-right with probability 0.5. */
        public Builder optHorizontalFlip(final boolean horizontalFlip) {
            this.horizontalFlip = horizontalFlip;
            return this;
        }

        /** Keras' {@code vertical_flip}: mirror top-bottom with probability 0.5. */
        public Builder optVerticalFlip(final boolean verticalFlip) {
            this.verticalFlip = verticalFlip;
            return this;
        }

        /** Keras' {@code brightness_range}: multiply every value by a factor in {@code [low, high]}. */
        public Builder optBrightnessRange(final double low, final double high) {
            this.brightness = new ValueRange(low, high);
            return this;
        }

        /** How points outside the image are filled; {@link FillMode#NEAREST} by default, as in Keras. */
        public Builder optFillMode(final FillMode fillMode) {
            this.fillMode = fillMode;
            return this;
        }

        /** The value 0..255 for {@link FillMode#CONSTANT} (Keras' {@code cval}); 0 by default. */
        public Builder optFillValue(final int fillValue) {
            this.fillValue = fillValue;
            return this;
        }

        /** How points between pixels are read; {@link WarpInterpolation#BILINEAR} by default. */
        public Builder optInterpolation(final WarpInterpolation interpolation) {
            this.interpolation = interpolation;
            return this;
        }

        /**
         * Checks the settings and builds the recipe.
         *
         * @return the recipe
         * @throws IllegalArgumentException naming the first setting that is out of range
         */
        public AugmentationRecipe build() {
            requireOrdered("rotationRange", rotation, SYMMETRIC_HINT);
            requireOrdered("widthShiftRange", widthShift, SYMMETRIC_HINT);
            requireWithin("widthShiftRange", widthShift, -1, 1, "fractions of the width, within [-1, 1]");
            requireOrdered("heightShiftRange", heightShift, SYMMETRIC_HINT);
            requireWithin("heightShiftRange", heightShift, -1, 1, "fractions of the height, within [-1, 1]");
            requireOrdered("shearRange", shear, SYMMETRIC_HINT);
            if (shear.min() <= -MAXIMUM_SHEAR_DEGREES || shear.max() >= MAXIMUM_SHEAR_DEGREES) {
                throw new IllegalArgumentException("shearRange " + shear
                        + " is out of range: shear angles are degrees strictly between -90 and 90");
            }
            requireOrdered("zoomRange", zoom, "");
            if (zoom.min() <= 0) {
                throw new IllegalArgumentException("zoomRange " + zoom
                        + " is out of range: zoom factors must be positive (a single value z means [1 - z, 1 + z], so z < 1)");
            }
            if (brightness != null) {
                requireOrdered("brightnessRange", brightness, "");
                if (brightness.min() < 0) {
                    throw new IllegalArgumentException("brightnessRange " + brightness
                            + " is out of range: brightness factors must not be negative");
                }
            }
            if (fillMode == null) {
                throw new IllegalArgumentException("fillMode must not be null");
            }
            if (interpolation == null) {
                throw new IllegalArgumentException("interpolation must not be null");
            }
            if (fillValue < 0 || fillValue > 255) {
                throw new IllegalArgumentException("fillValue must be in 0..255, got " + fillValue);
            }
            return new AugmentationRecipe(this);
        }

        private static void requireOrdered(final String name, final ValueRange range, final String hint) {
            if (range.min() > range.max()) {
                throw new IllegalArgumentException(name + " " + range + " is out of order: min must not exceed max" + hint);
            }
        }

        private static void requireWithin(final String name, final ValueRange range, final double low, final double high,
                final String meaning) {
            if (range.min() < low || range.max() > high) {
                throw new IllegalArgumentException(name + " " + range + " is out of range: shifts are " + meaning);
            }
        }
    }
}
