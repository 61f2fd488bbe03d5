package org.nifitransfer.core.model;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import org.nifitransfer.core.pipeline.Described;

/** How a base's feature map {@code [N, C, H, W]} becomes one vector per image. */
public enum Pooling implements Described {
    /** Mean over H and W: {@code [N, C]} (Keras' GlobalAveragePooling2D; the usual choice). */
    AVG("avg", "Global Average", "Mean of each channel over the feature map: C features (GlobalAveragePooling2D)"),
    /** Maximum over H and W: {@code [N, C]}. */
    MAX("max", "Global Max", "Maximum of each channel over the feature map: C features (GlobalMaxPooling2D)"),
    /** Every value: {@code [N, C * H * W]} (Keras' Flatten, as in Chollet's VGG16 example; large). */
    FLATTEN("flatten", "Flatten", "Every value of the feature map: C x H x W features (Flatten); large");

    private final String value;
    private final String displayName;
    private final String description;

    Pooling(final String value, final String displayName, final String description) {
        this.value = value;
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return value;
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }

    /** The pooling named {@code value}. */
    public static Pooling fromValue(final String value) {
        for (final Pooling pooling : values()) {
            if (pooling.value.equals(value.toLowerCase(Locale.ROOT))) {
                return pooling;
            }
        }
        throw new IllegalArgumentException("Unknown pooling '" + value + "': expected avg, max or flatten");
    }

    /** Applies the pooling to a batch; a 2-D output {@code [N, D]} is returned as it is. */
    public NDArray apply(final NDArray output) {
        if (output.getShape().dimension() <= 2) {
            return output;
        }
        final long batch = output.getShape().get(0);
        if (this == FLATTEN) {
            return output.reshape(batch, -1);
        }
        // engines reduce one axis at a time: [N, C, H, W] -> [N, C, H * W] -> [N, C]
        final NDArray spatial = output.reshape(batch, output.getShape().get(1), -1);
        return this == AVG ? spatial.mean(new int[] {2}) : spatial.max(new int[] {2});
    }

    /**
     * The pooled features of a batch as floats, row-major {@code [N, D]}. ONNX Runtime's arrays are pooled in Java
     * ({@link #apply(float[], long[])}): DJL hands their reductions to the PyTorch engine, which would load it into
     * NiFi for a mean. Other engines pool natively.
     */
    public float[] features(final NDArray output) {
        if (BaseModel.ONNX_RUNTIME.equals(output.getManager().getEngine().getEngineName())) {
            return apply(output.toFloatArray(), output.getShape().getShape());
        }
        try (NDArray pooled = apply(output)) {
            return pooled.toFloatArray();
        }
    }

    /**
     * Pools a batch given as row-major values of {@code shape} ({@code [N, C, ...]}) in Java, summing in double: for
     * engines whose arrays cannot reduce natively (ONNX Runtime's would borrow the PyTorch engine, loading it into
     * the process for a mean). A 2-D shape is returned as it is.
     */
    public float[] apply(final float[] values, final long[] shape) {
        if (shape.length <= 2 || this == FLATTEN) {
            return values;
        }
        final int batch = Math.toIntExact(shape[0]);
        final int channels = Math.toIntExact(shape[1]);
        final int spatial = values.length / (batch * channels);
        final float[] pooled = new float[batch * channels];
        for (int row = 0; row < pooled.length; row++) {
            final int from = row * spatial;
            if (this == AVG) {
                double sum = 0;
                for (int i = from; i < from + spatial; i++) {
                    sum += values[i];
                }
                pooled[row] = (float) (sum / spatial);
            } else {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = from; i < from + spatial; i++) {
                    max = Math.max(max, values[i]);
                }
                pooled[row] = max;
            }
        }
        return pooled;
    }

    /** The feature dimension for one image's base output shape (without the batch axis). */
    public long dimension(final long[] outputShape) {
        if (outputShape.length <= 1) {
            return outputShape.length == 0 ? 1 : outputShape[0];
        }
        if (this == FLATTEN) {
            long product = 1;
            for (final long dimension : outputShape) {
                product *= dimension;
            }
            return product;
        }
        return outputShape[0];
    }
}
