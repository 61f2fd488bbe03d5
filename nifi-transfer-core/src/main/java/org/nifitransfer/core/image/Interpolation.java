package org.nifitransfer.core.image;

import org.nifitransfer.core.pipeline.Described;

/**
 * The resampling filter of {@link Resizer}. The filters and their support match PIL's {@code Image.resize}: when
 * downscaling, the support is widened by the scale factor, so every filter except {@link #NEAREST} averages
 * all the source pixels an output pixel covers (antialiasing).
 */
public enum Interpolation implements Described {
    NEAREST("Nearest Neighbor", "Takes the source pixel under each output pixel's centre. Fastest; blocky, aliases "
            + "when downscaling.", 0) {
        @Override
        double weight(final double distance) {
            return 0;
        }
    },
    BILINEAR("Bilinear", "Triangle filter, widened when downscaling (PIL BILINEAR). Smooth and fast.", 1) {
        @Override
        double weight(final double distance) {
            final double absolute = Math.abs(distance);
            return absolute < 1 ? 1 - absolute : 0;
        }
    },
    BICUBIC("Bicubic", "Cubic filter with a = -0.5, widened when downscaling (PIL BICUBIC). Sharper than bilinear.",
            2) {
        @Override
        double weight(final double distance) {
            final double a = -0.5;
            final double absolute = Math.abs(distance);
            if (absolute < 1) {
                return ((a + 2) * absolute - (a + 3)) * absolute * absolute + 1;
            }
            if (absolute < 2) {
                return (((absolute - 5) * absolute + 8) * absolute - 4) * a;
            }
            return 0;
        }
    },
    AREA("Area (Box)", "Averages the source pixels each output pixel covers (PIL BOX, like OpenCV INTER_AREA). "
            + "Best for large reductions.", 0.5) {
        @Override
        double weight(final double distance) {
            return distance > -0.5 && distance <= 0.5 ? 1 : 0;
        }
    },
    LANCZOS("Lanczos", "Windowed sinc with three lobes (PIL LANCZOS). Sharpest, slowest.", 3) {
        @Override
        double weight(final double distance) {
            if (distance < -3 || distance >= 3) {
                return 0;
            }
            return sinc(distance) * sinc(distance / 3);
        }
    };

    private final String displayName;
    private final String description;
    private final double support;

    Interpolation(final String displayName, final String description, final double support) {
        this.displayName = displayName;
        this.description = description;
        this.support = support;
    }

    /** The name shown to users. */
    @Override
    public String getDisplayName() {
        return displayName;
    }

    /** One or two sentences for users. */
    @Override
    public String getDescription() {
        return description;
    }

    /** The filter's radius in source pixels at scale 1. */
    double getSupport() {
        return support;
    }

    /** The filter's weight at a distance, in source pixels at scale 1, from the sampling centre. */
    abstract double weight(double distance);

    private static double sinc(final double value) {
        if (value == 0) {
            return 1;
        }
        final double angle = value * Math.PI;
        return Math.sin(angle) / angle;
    }
}
