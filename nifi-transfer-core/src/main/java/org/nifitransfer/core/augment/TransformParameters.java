package org.nifitransfer.core.augment;

/**
 * One draw of the random parameters of an {@link AugmentationRecipe}: what {@link Augmenter#drawParameters}
 * returns and {@link Augmenter#apply} applies, so a caller can log or replay the exact transform. The names
 * follow Keras' {@code apply_affine_transform}, with {@code x} the horizontal axis.
 *
 * @param theta the rotation in degrees; positive turns the content counter-clockwise as displayed
 * @param tx the horizontal shift as a fraction of the image width (Keras' {@code width_shift_range} unit);
 *     positive moves the content left
 * @param ty the vertical shift as a fraction of the image height; positive moves the content up
 * @param shear the shear angle in degrees
 * @param zx the horizontal zoom factor; above 1 shrinks the content
 * @param zy the vertical zoom factor; above 1 shrinks the content
 * @param flipH whether the image is mirrored left-right (after the affine warp)
 * @param flipV whether the image is mirrored top-bottom (after the affine warp and the horizontal flip)
 * @param brightness the brightness multiplier, 1 for none
 */
public record TransformParameters(double theta, double tx, double ty, double shear, double zx, double zy,
        boolean flipH, boolean flipV, double brightness) {

    /** The parameters that change nothing. */
    public static final TransformParameters IDENTITY = new TransformParameters(0, 0, 0, 0, 1, 1, false, false, 1);

    /**
     * The inverse map about the image centre, composed as Keras composes it:
     * {@code rotation · translation · shear · zoom}, with the shifts converted to pixels of this image.
     *
     * @param width the image width in pixels
     * @param height the image height in pixels
     * @return the matrix for {@link AffineWarp#warp}
     */
    public AffineMatrix toMatrix(final int width, final int height) {
        AffineMatrix matrix = AffineMatrix.identity();
        if (theta != 0) {
            matrix = matrix.multiply(AffineMatrix.rotation(theta));
        }
        if (tx != 0 || ty != 0) {
            matrix = matrix.multiply(AffineMatrix.translation(tx * width, ty * height));
        }
        if (shear != 0) {
            matrix = matrix.multiply(AffineMatrix.shear(shear));
        }
        if (zx != 1 || zy != 1) {
            matrix = matrix.multiply(AffineMatrix.zoom(zx, zy));
        }
        return matrix;
    }

    /** Whether these parameters leave every image unchanged. */
    public boolean isIdentity() {
        return theta == 0 && tx == 0 && ty == 0 && shear == 0 && zx == 1 && zy == 1 && !flipH && !flipV && brightness == 1;
    }
}
