package org.nifitransfer.core.explain;

import java.util.Optional;
import org.nifitransfer.core.model.ModelRunner;

/**
 * Class activation maps of a packaged model, over the last feature map of its base.
 *
 * <p>{@link Method#CAM}: for a head that is linear in the average-pooled features (the default head: standardisation,
 * then one dense layer), the map is the class's weights applied to the feature map at each location — exact, no
 * gradients, so it works for ONNX bases too. {@link Method#GRAD_CAM}: for any head, each channel is weighted by the mean
 * gradient of the class's logit with respect to it (the PyTorch engine's autograd through pooling and head). For a
 * linear head on average pooling both give the same map up to a constant factor.
 *
 * <pre>{@code
 * ClassActivationMaps maps = new ClassActivationMaps(runner);
 * ModelRunner.FeatureMaps features = runner.featureMaps(normalisedImages, count);
 * ClassActivationMaps.Explanation why = maps.explain(features, 0, predictedClass);
 * }</pre>
 */
public final class ClassActivationMaps {

    /** How a map is computed. */
    public enum Method {
        CAM("CAM (Zhou et al., 2016)"),
        GRAD_CAM("Grad-CAM (Selvaraju et al., 2017)");

        private final String description;

        Method(final String description) {
            this.description = description;
        }

        /** The method and its paper, for captions. */
        public String getDescription() {
            return description;
        }
    }

    /**
     * A map and how it was made.
     *
     * @param map the raw map (see {@link ActivationMap#normalized()} to draw it)
     * @param method CAM or Grad-CAM
     * @param layer which layer's activations it weighs, for captions
     */
    public record Explanation(ActivationMap map, Method method, String layer) {
    }

    private final ModelRunner runner;
    private final Optional<float[][]> weights;
    private final String layer;

    public ClassActivationMaps(final ModelRunner runner) {
        this.runner = runner;
        this.weights = runner.classChannelWeights();
        this.layer = "the last feature map of " + runner.getManifest().base().name();
    }

    /** The method {@link #explain} uses: CAM when the head allows it, else Grad-CAM. */
    public Method method() {
        return weights.isPresent() ? Method.CAM : Method.GRAD_CAM;
    }

    /** The map of class {@code classIndex} for image {@code image} of a batch's feature maps, by {@link #method()}. */
    public Explanation explain(final ModelRunner.FeatureMaps maps, final int image, final int classIndex) {
        final ActivationMap map = method() == Method.CAM ? cam(maps, image, classIndex) : gradCam(maps, image, classIndex);
        return new Explanation(map, method(), layer + " (" + maps.channels() + "x" + maps.height() + "x" + maps.width() + ")");
    }

    /**
     * CAM: the class's channel weights applied at each location.
     *
     * @throws IllegalStateException when the head is not linear in average-pooled features
     */
    public ActivationMap cam(final ModelRunner.FeatureMaps maps, final int image, final int classIndex) {
        final float[] classWeights = weights.orElseThrow(() -> new IllegalStateException(
                "CAM needs a head that is linear in average-pooled features; use Grad-CAM"))[classIndex];
        // read in place: an evaluation works out the map of every image its gallery might show
        return weighted(maps.values(), image * maps.channels() * maps.height() * maps.width(), classWeights, maps.channels(), maps.height(),
                maps.width());
    }

    /** Grad-CAM: each channel weighted by the mean gradient of the class's logit with respect to it. */
    public ActivationMap gradCam(final ModelRunner.FeatureMaps maps, final int image, final int classIndex) {
        final float[] map = maps.image(image);
        final int plane = maps.height() * maps.width();
        final float[] gradient = runner.logitGradient(map, maps.channels(), maps.height(), maps.width(), classIndex);
        final float[] channelWeights = new float[maps.channels()];
        for (int c = 0; c < maps.channels(); c++) {
            double sum = 0;
            for (int i = 0; i < plane; i++) {
                sum += gradient[c * plane + i];
            }
            channelWeights[c] = (float) (sum / plane);
        }
        return weighted(map, 0, channelWeights, maps.channels(), maps.height(), maps.width());
    }

    /** The sum over channels of each channel's weight times its plane, the planes starting at {@code offset} of {@code map}. */
    private static ActivationMap weighted(final float[] map, final int offset, final float[] channelWeights, final int channels, final int height,
                                          final int width) {
        final int plane = height * width;
        final float[] values = new float[plane];
        for (int c = 0; c < channels; c++) {
            final float weight = channelWeights[c];
            final int from = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                values[i] += weight * map[from + i];
            }
        }
        return new ActivationMap(height, width, values);
    }
}
