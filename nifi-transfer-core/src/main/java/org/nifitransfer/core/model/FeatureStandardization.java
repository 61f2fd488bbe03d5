package org.nifitransfer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * The first layer of a head: {@code (x - mean) * scale} per feature, with the mean and the inverse standard
 * deviation of the training features, fixed (never trained), like Keras' {@code Normalization} layer. Pretrained
 * bases output features on very different scales (a Caffe-preprocessed base gives values in the hundreds); without
 * this a linear head turns overconfident and its loss explodes. The two vectors are stored with the head's weights.
 */
public final class FeatureStandardization extends AbstractBlock {

    private final Parameter mean;
    private final Parameter scale;

    public FeatureStandardization(final int dimension) {
        super((byte) 1);
        this.mean = addParameter(Parameter.builder().setName("mean").setType(Parameter.Type.OTHER).optShape(new Shape(dimension))
                .optInitializer(new ConstantInitializer(0f)).optRequiresGrad(false).build());
        this.scale = addParameter(Parameter.builder().setName("scale").setType(Parameter.Type.OTHER).optShape(new Shape(dimension))
                .optInitializer(new ConstantInitializer(1f)).optRequiresGrad(false).build());
    }

    /** Sets the statistics from {@code count} training vectors ({@code count * dimension} floats). */
    public void fit(final float[] features, final int count) {
        final float[][] statistics = statistics(features, count, (int) mean.getArray().getShape().get(0));
        mean.getArray().set(java.nio.FloatBuffer.wrap(statistics[0]));
        scale.getArray().set(java.nio.FloatBuffer.wrap(statistics[1]));
    }

    /**
     * The statistics {@link #fit} sets, from {@code count} vectors of {@code dimension} floats: the means, then the
     * scales (the inverse standard deviations; 1 where a feature does not vary).
     */
    public static float[][] statistics(final float[] features, final int count, final int dimension) {
        final double[] sum = new double[dimension];
        final double[] squares = new double[dimension];
        for (int i = 0; i < count; i++) {
            for (int d = 0; d < dimension; d++) {
                final double value = features[i * dimension + d];
                sum[d] += value;
                squares[d] += value * value;
            }
        }
        final float[] means = new float[dimension];
        final float[] scales = new float[dimension];
        for (int d = 0; d < dimension; d++) {
            means[d] = (float) (sum[d] / count);
            final double variance = Math.max(0, squares[d] / count - means[d] * (double) means[d]);
            scales[d] = (float) (variance > 1e-12 ? 1 / Math.sqrt(variance) : 1);
        }
        return new float[][] {means, scales};
    }

    @Override
    protected NDList forwardInternal(final ParameterStore parameterStore, final NDList inputs, final boolean training,
                                     final PairList<String, Object> params) {
        final NDArray input = inputs.singletonOrThrow();
        final NDArray shift = parameterStore.getValue(mean, input.getDevice(), training);
        final NDArray factor = parameterStore.getValue(scale, input.getDevice(), training);
        return new NDList(input.sub(shift).mul(factor));
    }

    @Override
    public Shape[] getOutputShapes(final Shape[] inputShapes) {
        return inputShapes;
    }
}
