package org.nifitransfer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Dropout as Keras and {@code torch.nn.Dropout} define it: while training, each element is kept with probability
 * {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}; at inference the input passes through unchanged.
 *
 * <p>It replaces DJL's {@link ai.djl.nn.norm.Dropout} in the head for speed only: that block calls PyTorch's
 * dropout, whose Bernoulli draw cost more than the rest of a head's training step together (docs/performance.md,
 * stage 3). Here the keep mask is a uniform draw compared with the rate: the same distribution, drawn faster. The draw
 * comes from the engine's generator, so a seed set before the batch reproduces it.
 */
public final class InvertedDropout extends AbstractBlock {

    private final float rate;

    /**
     * @param rate the fraction of elements dropped while training, in [0, 1)
     */
    public InvertedDropout(final float rate) {
        super((byte) 1);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("Dropout must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    public float rate() {
        return rate;
    }

    @Override
    protected NDList forwardInternal(final ParameterStore parameterStore, final NDList inputs, final boolean training,
                                     final PairList<String, Object> params) {
        final NDArray input = inputs.singletonOrThrow();
        if (!training || rate == 0) {
            return new NDList(input);
        }
        // u ~ U[0, 1): P(u >= rate) = 1 - rate; the mask never needs a gradient
        final NDArray uniform = input.getManager().randomUniform(0f, 1f, input.getShape(), DataType.FLOAT32, input.getDevice());
        final NDArray mask = uniform.gte(rate).toType(input.getDataType(), false).muli(1f / (1f - rate));
        return new NDList(input.mul(mask));
    }

    @Override
    public Shape[] getOutputShapes(final Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    public String toString() {
        return "InvertedDropout(" + rate + ")";
    }
}
