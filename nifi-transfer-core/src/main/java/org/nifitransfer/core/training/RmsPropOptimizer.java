package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
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
    private final Map<String, NDArray> meanSquares = new ConcurrentHashMap<>();

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
        // PyTorch refuses in-place changes of weights that require gradients while autograd records
        final boolean recording = weight instanceof PtNDArray && JniUtils.isGradMode();
        if (recording) {
            JniUtils.setGradMode(false);
        }
        try {
            apply(parameterId, weight, grad);
            if (weight instanceof PtNDArray array) {
                // backward adds onto the gradient: clear it for the next batch, as DJL's own optimizers do
                JniUtils.zeroGrad(array);
            }
        } finally {
            if (recording) {
                JniUtils.setGradMode(true);
            }
        }
    }

    private void apply(final String parameterId, final NDArray weight, final NDArray grad) {
        final float rate = learningRate.getNewValue(parameterId, updateCount(parameterId));
        // The state lives with the weight (freed when the model closes); DJL's withDefaultState would detach it onto
        // the engine's root manager, where nothing ever closes it. Every intermediate is closed here, so native
        // memory does not grow with the number of updates.
        final NDArray square = meanSquares.computeIfAbsent(parameterId, key -> weight.zerosLike());
        NDArray gradient = grad.mul(rescaleGrad);
        if (clipGrad > 0) {
            final NDArray clipped = gradient.clip(-clipGrad, clipGrad);
            gradient.close();
            gradient = clipped;
        }
        if (getWeightDecay() > 0) {
            try (NDArray decay = weight.mul(getWeightDecay())) {
                gradient.addi(decay);
            }
        }
        try (NDArray gradientSquared = gradient.square()) {
            square.muli(rho).addi(gradientSquared.muli(1 - rho));
        }
        try (NDArray denominator = square.sqrt()) {
            denominator.addi(epsilon);
            try (NDArray step = gradient.div(denominator)) {
                weight.subi(step.muli(rate));
            }
        }
        gradient.close();
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
