package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
        final int classes = (int) logits.getShape().get(1);
        final NDArray oneHot = labels.singletonOrThrow().oneHot(classes);
        final NDArray perSample = oneHot.mul(logits.logSoftmax(1)).sum(new int[] {1}).neg();
        if (classWeights == null) {
            return perSample.mean();
        }
        final NDArray weights = oneHot.mul(logits.getManager().create(classWeights)).sum(new int[] {1});
        return perSample.mul(weights).mean();
    }
}
