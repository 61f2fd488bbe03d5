package org.nifitransfer.core.training;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.Locale;
import org.nifitransfer.core.pipeline.Described;

/** The optimizers offered, as in the tutorials: RMSprop (Chollet, the TF tutorial), Adam, SGD with momentum. */
public enum OptimizerChoice implements Described {
    RMSPROP("rmsprop", "RMSprop", "RMSprop (rho 0.9), as in the Keras and TensorFlow transfer-learning tutorials"),
    ADAM("adam", "Adam", "Adam (beta1 0.9, beta2 0.999)"),
    SGD("sgd", "SGD with Momentum", "Stochastic gradient descent with momentum 0.9");

    private final String value;
    private final String displayName;
    private final String description;

    OptimizerChoice(final String value, final String displayName, final String description) {
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

    public static OptimizerChoice fromValue(final String value) {
        for (final OptimizerChoice choice : values()) {
            if (choice.value.equals(value.toLowerCase(Locale.ROOT))) {
                return choice;
            }
        }
        throw new IllegalArgumentException("Unknown optimizer '" + value + "': expected rmsprop, adam or sgd");
    }

    /** A DJL optimizer following {@code learningRate}. */
    public Optimizer create(final Tracker learningRate) {
        return switch (this) {
            // DJL's PyTorch engine lacks the fused RMSprop update: use ours
            case RMSPROP -> RmsPropOptimizer.builder().optLearningRateTracker(learningRate).build();
            case ADAM -> Optimizer.adam().optLearningRateTracker(learningRate).build();
            case SGD -> Optimizer.sgd().setLearningRateTracker(learningRate).optMomentum(0.9f).build();
        };
    }
}
