package org.nifitransfer.core.augment;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable 2x3 affine matrix {@code [[a, b, c], [d, e, f]]} (the implied third row is {@code [0, 0, 1]})
 * in image coordinates: {@code x} is the column, growing to the right, and {@code y} the row, growing down.
 *
 * <p>An {@link AffineWarp} uses it as an <em>inverse</em> map about the image centre, as Keras'
 * {@code apply_affine_transform} does: the output pixel at offset {@code (u, v)} from the centre reads the
 * input at offset {@code (a u + b v + c, d u + e v + f)} from the centre. The factories build the matrices
 * Keras builds, so with {@code y} pointing down:
 * <ul>
 *   <li>{@link #rotation(double)} with a positive angle turns the image content counter-clockwise as displayed;</li>
 *   <li>{@link #translation(double, double)} with a positive {@code tx} moves the content to the left (towards
 *       column 0) and with a positive {@code ty} moves it up (towards row 0);</li>
 *   <li>{@link #zoom(double, double)} with a factor above 1 shrinks the content (zooms out), below 1 enlarges it;</li>
 *   <li>{@link #shear(double)} shears along {@code x} by an amount growing with {@code y}.</li>
 * </ul>
 */
public final class AffineMatrix {

    private static final AffineMatrix IDENTITY = new AffineMatrix(1, 0, 0, 0, 1, 0);

    private final double a;
    private final double b;
    private final double c;
    private final double d;
    private final double e;
    private final double f;

    private AffineMatrix(final double a, final double b, final double c, final double d, final double e, final double f) {
        final double[] values = {a, b, c, d, e, f};
        for (final double value : values) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("Affine matrix entries must be finite, got " + Arrays.toString(values));
            }
        }
        this.a = a;
        this.b = b;
        this.c = c;
        this.d = d;
        this.e = e;
        this.f = f;
    }

    /** The matrix that leaves every pixel where it is. */
    public static AffineMatrix identity() {
        return IDENTITY;
    }

    /**
     * The matrix {@code [[a, b, c], [d, e, f]]}.
     *
     * @return the matrix
     */
    public static AffineMatrix of(final double a, final double b, final double c, final double d, final double e, final double f) {
        return new AffineMatrix(a, b, c, d, e, f);
    }

    /**
     * A matrix from its rows: 2x3, or 3x3 whose last row is {@code [0, 0, 1]}.
     *
     * @param rows the rows
     * @return the matrix
     * @throws IllegalArgumentException if the shape is wrong or a 3x3 matrix is not affine
     */
    public static AffineMatrix of(final double[][] rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.length != 2 && rows.length != 3) {
            throw new IllegalArgumentException("An affine matrix has 2 or 3 rows, got " + rows.length);
        }
        for (final double[] row : rows) {
            if (row == null || row.length != 3) {
                throw new IllegalArgumentException("Each row of an affine matrix has 3 entries, got " + Arrays.toString(row));
            }
        }
        if (rows.length == 3 && (rows[2][0] != 0 || rows[2][1] != 0 || rows[2][2] != 1)) {
            throw new IllegalArgumentException("The last row of a 3x3 affine matrix must be [0, 0, 1], got "
                    + Arrays.toString(rows[2]));
        }
        return new AffineMatrix(rows[0][0], rows[0][1], rows[0][2], rows[1][0], rows[1][1], rows[1][2]);
    }

    /**
     * Keras' rotation matrix {@code [[cos, -sin, 0], [sin, cos, 0]]}: a positive angle turns the content
     * counter-clockwise as displayed. Multiples of 90 degrees use exact sines and cosines.
     *
     * @param degrees the angle in degrees
     * @return the matrix
     */
    public static AffineMatrix rotation(final double degrees) {
        final double cosine;
        final double sine;
        final double quarterTurns = degrees / 90;
        if (quarterTurns == Math.rint(quarterTurns)) {
            final int quarter = (int) Math.floorMod((long) quarterTurns, 4L);
            cosine = new double[] {1, 0, -1, 0}[quarter];
            sine = new double[] {0, 1, 0, -1}[quarter];
        } else {
            final double radians = Math.toRadians(degrees);
            cosine = Math.cos(radians);
            sine = Math.sin(radians);
        }
        return new AffineMatrix(cosine, -sine, 0, sine, cosine, 0);
    }

    /**
     * Keras' shift matrix {@code [[1, 0, tx], [0, 1, ty]]}: the output reads the input {@code tx} pixels to the
     * right and {@code ty} pixels below, so positive values move the content left and up.
     *
     * @param tx the horizontal shift in pixels
     * @param ty the vertical shift in pixels
     * @return the matrix
     */
    public static AffineMatrix translation(final double tx, final double ty) {
        return new AffineMatrix(1, 0, tx, 0, 1, ty);
    }

    /**
     * Keras' shear matrix {@code [[1, -sin, 0], [0, cos, 0]]}.
     *
     * @param degrees the shear angle in degrees, strictly between -90 and 90
     * @return the matrix
     */
    public static AffineMatrix shear(final double degrees) {
        final double radians = Math.toRadians(degrees);
        return new AffineMatrix(1, degrees == 0 ? 0 : -Math.sin(radians), 0, 0, degrees == 0 ? 1 : Math.cos(radians), 0);
    }

    /**
     * Keras' zoom matrix {@code [[zx, 0, 0], [0, zy, 0]]}: factors above 1 shrink the content, below 1 enlarge it.
     *
     * @param zx the horizontal factor
     * @param zy the vertical factor
     * @return the matrix
     */
    public static AffineMatrix zoom(final double zx, final double zy) {
        return new AffineMatrix(zx, 0, 0, 0, zy, 0);
    }

    /**
     * The product {@code this · other}: as an inverse map, {@code other} is applied to the output coordinates
     * first, then {@code this}.
     *
     * @param other the right-hand factor
     * @return the product
     */
    public AffineMatrix multiply(final AffineMatrix other) {
        return new AffineMatrix(
                a * other.a + b * other.d,
                a * other.b + b * other.e,
                a * other.c + b * other.f + c,
                d * other.a + e * other.d,
                d * other.b + e * other.e,
                d * other.c + e * other.f + f);
    }

    /** Whether this is exactly the identity. */
    public boolean isIdentity() {
        return a == 1 && b == 0 && c == 0 && d == 0 && e == 1 && f == 0;
    }

    /**
     * One entry.
     *
     * @param row 0 or 1
     * @param column 0, 1 or 2
     * @return the entry
     */
    public double get(final int row, final int column) {
        if (row < 0 || row > 1 || column < 0 || column > 2) {
            throw new IndexOutOfBoundsException("No entry (" + row + ", " + column + ") in a 2x3 matrix");
        }
        return toArray()[row][column];
    }

    /** The rows {@code [[a, b, c], [d, e, f]]} as a new array. */
    public double[][] toArray() {
        return new double[][] {{a, b, c}, {d, e, f}};
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof AffineMatrix matrix
                && Double.compare(matrix.a, a) == 0 && Double.compare(matrix.b, b) == 0 && Double.compare(matrix.c, c) == 0
                && Double.compare(matrix.d, d) == 0 && Double.compare(matrix.e, e) == 0 && Double.compare(matrix.f, f) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new double[] {a, b, c, d, e, f});
    }

    @Override
    public String toString() {
        return "[[" + a + ", " + b + ", " + c + "], [" + d + ", " + e + ", " + f + "]]";
    }
}
