package org.nifitransfer.core.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RMSprop written with NDArray operations, because DJL's PyTorch engine does not implement the fused RMSprop
 * update ({@code PtNDArrayEx.rmspropUpdate} throws). Same rule as Keras' RMSprop:
 * {@code s = rho * s + (1 - rho) * g^2; w -= lr * g / (sqrt(s) + epsilon)}.
 */
public final class RmsPropOptimizer extends Optimizer {

    private final ParameterTracker learningRate;
    private final float rho;
    private final float epsilon;
    private final Map<String, Map<Device, NDArray>> meanSquares = new ConcurrentHashMap<>();

    private RmsPropOptimizer(final Builder builder) {
        super(builder);
        this.learningRate = builder.learningRate;
        this.rho = builder.rho;
        this.epsilon = builder.epsilon;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(final String parameterId, final NDArray weight, final NDArray grad) {
        final float rate = learningRate.getNewValue(parameterId, updateCount(parameterId));
        NDArray gradient = grad.mul(rescaleGrad);
        if (clipGrad > 0) {
            gradient = gradient.clip(-clipGrad, clipGrad);
        }
        if (getWeightDecay() > 0) {
            gradient = gradient.add(weight.mul(getWeightDecay()));
        }
        final NDArray square = withDefaultState(meanSquares, parameterId, weight.getDevice(), key -> weight.zerosLike());
        square.muli(rho).addi(gradient.square().muli(1 - rho));
        weight.subi(gradient.div(square.sqrt().addi(epsilon)).muli(rate));
    }

    /** Builds a {@link RmsPropOptimizer}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate = Tracker.fixed(1e-3f);
        private float rho = 0.9f;
        private float epsilon = 1e-7f;

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder optLearningRateTracker(final ParameterTracker value) {
            this.learningRate = value;
            return this;
        }

        /** Default 0.9, as Keras. */
        public Builder optRho(final float value) {
            this.rho = value;
            return this;
        }

        /** Default 1e-7, as Keras. */
        public Builder optEpsilon(final float value) {
            this.epsilon = value;
            return this;
        }

        public RmsPropOptimizer build() {
            return new RmsPropOptimizer(this);
        }
    }
}
