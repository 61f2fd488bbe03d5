package org.nifitransfer.core.model;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import java.util.List;
import java.util.Locale;

/**
 * The new classifier head trained on the pooled features: optional hidden dense layers (with activation and
 * dropout), then a dense layer with one logit per class. Softmax is applied by the loss and by prediction.
 *
 * @param inputDimension D, the feature length
 * @param hiddenUnits the sizes of the hidden layers (empty: a linear classifier, the default)
 * @param dropout the dropout rate before each dense layer after the first hidden one, and before the output layer; 0 for none
 * @param activation {@code relu}, {@code gelu}, {@code tanh} or {@code sigmoid}
 * @param classes the number of classes
 * @param standardize whether the head starts with a fixed {@link FeatureStandardization} of the features
 */
public record HeadSpec(int inputDimension, List<Integer> hiddenUnits, double dropout, String activation, int classes,
                       boolean standardize) {

    public HeadSpec {
        hiddenUnits = hiddenUnits == null ? List.of() : List.copyOf(hiddenUnits);
        if (inputDimension < 1 || classes < 2) {
            throw new IllegalArgumentException("A head needs a feature dimension of at least 1 and at least two classes");
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("Dropout must be in [0, 1), got " + dropout);
        }
        for (final int units : hiddenUnits) {
            if (units < 1) {
                throw new IllegalArgumentException("Hidden layer sizes must be positive, got " + hiddenUnits);
            }
        }
        activation = activation == null ? "relu" : activation.toLowerCase(Locale.ROOT);
        if (!List.of("relu", "gelu", "tanh", "sigmoid").contains(activation)) {
            throw new IllegalArgumentException("Unknown activation '" + activation + "': expected relu, gelu, tanh or sigmoid");
        }
    }

    /** A new, uninitialised block of this architecture. */
    public Block newBlock() {
        final SequentialBlock block = new SequentialBlock();
        if (standardize) {
            block.add(new FeatureStandardization(inputDimension));
        }
        for (final int units : hiddenUnits) {
            if (dropout > 0) {
                block.add(new InvertedDropout((float) dropout));
            }
            block.add(Linear.builder().setUnits(units).build());
            block.add(switch (activation) {
                case "gelu" -> Activation.geluBlock();
                case "tanh" -> Activation.tanhBlock();
                case "sigmoid" -> Activation.sigmoidBlock();
                default -> Activation.reluBlock();
            });
        }
        if (dropout > 0) {
            block.add(new InvertedDropout((float) dropout));
        }
        block.add(Linear.builder().setUnits(classes).build());
        return block;
    }

    /**
     * The standardisation layer of a head {@link #newBlock} built with {@code standardize}: the layer whose statistics
     * are fitted to the training features before training.
     *
     * @throws IllegalArgumentException when the head has none
     */
    public static FeatureStandardization standardization(final Block head) {
        return head.getChildren().values().stream().filter(FeatureStandardization.class::isInstance).map(FeatureStandardization.class::cast)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("The head has no standardisation layer"));
    }

    /** A one-line description, e.g. {@code 512 -> dense 256 (relu) -> dropout 0.5 -> dense 5}. */
    public String describe() {
        final StringBuilder text = new StringBuilder().append(inputDimension);
        if (standardize) {
            text.append(" -> standardize");
        }
        for (final int units : hiddenUnits) {
            if (dropout > 0) {
                text.append(" -> dropout ").append(dropout);
            }
            text.append(" -> dense ").append(units).append(" (").append(activation).append(')');
        }
        if (dropout > 0) {
            text.append(" -> dropout ").append(dropout);
        }
        return text.append(" -> dense ").append(classes).toString();
    }
}
