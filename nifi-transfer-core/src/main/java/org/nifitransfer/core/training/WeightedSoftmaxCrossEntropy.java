package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy on logits with a weight per class, as Keras' {@code class_weight}: each sample's loss is
 * multiplied by its class's weight and the batch mean is taken. Without weights it is plain cross-entropy.
 */
public final class WeightedSoftmaxCrossEntropy extends Loss {

    private final float[] classWeights;

    /**
     * @param classWeights one weight per class, or null for none
     */
    public WeightedSoftmaxCrossEntropy(final float[] classWeights) {
        super("loss");
        this.classWeights = classWeights == null ? null : classWeights.clone();
    }

    @Override
    public NDArray evaluate(final NDList labels, final NDList predictions) {
        final NDArray logits = predictions.singletonOrThrow();
        final NDArray label = labels.singletonOrThrow();
        if (classWeights == null) {
            // -log p(label), picked with one gather: the same values as the one-hot product below, in fewer operations
            return logits.logSoftmax(1).gather(label.toType(DataType.INT64, false).reshape(-1, 1), 1).neg().mean();
        }
        final int classes = (int) logits.getShape().get(1);
        final NDArray oneHot = label.oneHot(classes);
        final NDArray perSample = oneHot.mul(logits.logSoftmax(1)).sum(new int[] {1}).neg();
        final NDArray weights = oneHot.mul(logits.getManager().create(classWeights)).sum(new int[] {1});
        return perSample.mul(weights).mean();
    }
}
