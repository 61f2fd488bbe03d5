package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RMSprop, the rule of Keras and of {@code torch.optim.RMSprop} without momentum:
 * {@code s = rho * s + (1 - rho) * g^2; w -= lr * g / (sqrt(s) + epsilon)}.
 *
 * <p>DJL's PyTorch engine does not implement the fused RMSprop update ({@code PtNDArrayEx.rmspropUpdate} throws), but
 * RMSprop is Adam without momentum and without bias correction, so each update is one fused
 * {@link ai.djl.ndarray.internal.NDArrayEx#adamUpdate} with {@code beta1 = 0} (its first moment is then the gradient
 * itself) and the plain learning rate as the step size: one native call per parameter instead of a dozen small
 * operations, and it zeroes the parameter's gradient afterwards, as DJL's own optimizers do, so that the next batch's
 * backward pass does not add onto this one's.
 */
public final class RmsPropOptimizer extends Optimizer {

    private final ParameterTracker learningRate;
    private final float rho;
    private final float epsilon;
    private final Map<String, NDArray> meanSquares = new ConcurrentHashMap<>();
    private final Map<String, NDArray> firstMoments = new ConcurrentHashMap<>();

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
        // The state lives with the weight (freed when the model closes); DJL's withDefaultState would detach it onto
        // the engine's root manager, where nothing ever closes it. The first moment is scratch space that the fused
        // update overwrites with the gradient.
        final NDArray square = meanSquares.computeIfAbsent(parameterId, key -> weight.zerosLike());
        final NDArray scratch = firstMoments.computeIfAbsent(parameterId, key -> weight.zerosLike());
        if (clipGrad > 0) {
            // the fused update clips only from above (clamp_max): clip both ways here, after rescaling
            try (NDArray rescaled = grad.mul(rescaleGrad); NDArray clipped = rescaled.clip(-clipGrad, clipGrad)) {
                fusedUpdate(weight, clipped, scratch, square, rate, 1f);
            }
        } else {
            fusedUpdate(weight, grad, scratch, square, rate, rescaleGrad);
        }
    }

    private void fusedUpdate(final NDArray weight, final NDArray gradient, final NDArray scratch, final NDArray square, final float rate,
                             final float rescale) {
        // gradient = rescale * g + weightDecay * w; scratch = 0 * scratch + gradient; square = rho * square + (1 - rho) * gradient^2;
        // w -= rate * scratch / (sqrt(square) + epsilon); then the gradient of w is zeroed. A negative clip disables clipping.
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, gradient, scratch, square), new NDList(weight), rate, rate, getWeightDecay(),
                rescale, -1f, 0f, rho, epsilon, true, false);
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
