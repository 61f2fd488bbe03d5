package org.nifitransfer.core.model;

import java.util.ArrayList;
import java.util.List;

/** Parameter lists shaped like real bases, all frozen. */
final class TestParameters {

    private TestParameters() {
    }

    /**
     * SqueezeNet 1.1's {@code features} as TorchScript names them: a 3x3 convolution (block 0) and eight fire
     * modules (blocks 3, 4, 6, 7, 9, 10, 11, 12), 722,496 values in all.
     */
    static List<ParameterInfo> squeezeNet() {
        final List<ParameterInfo> parameters = new ArrayList<>();
        parameters.add(weight("0.weight", 64, 3, 3, 3));
        parameters.add(bias("0.bias", 64));
        fire(parameters, 3, 64, 16, 64);
        fire(parameters, 4, 128, 16, 64);
        fire(parameters, 6, 128, 32, 128);
        fire(parameters, 7, 256, 32, 128);
        fire(parameters, 9, 256, 48, 192);
        fire(parameters, 10, 384, 48, 192);
        fire(parameters, 11, 384, 64, 256);
        fire(parameters, 12, 512, 64, 256);
        return List.copyOf(parameters);
    }

    /** A small convolutional base with BatchNorm: blocks 0 and 1, each a convolution and a BatchNorm. */
    static List<ParameterInfo> batchNormBase() {
        final List<ParameterInfo> parameters = new ArrayList<>();
        parameters.add(weight("0.conv.weight", 16, 3, 3, 3));
        batchNorm(parameters, "0.bn", 16);
        parameters.add(weight("1.conv.weight", 32, 16, 3, 3));
        batchNorm(parameters, "1.bn", 32);
        return List.copyOf(parameters);
    }

    /** A head: one linear layer from 512 features to 5 classes. */
    static List<ParameterInfo> head(final boolean trainable) {
        return List.of(new ParameterInfo("head.0.weight", new long[] {5, 512}, "weight", trainable),
                new ParameterInfo("head.0.bias", new long[] {5}, "bias", trainable));
    }

    private static void fire(final List<ParameterInfo> parameters, final int block, final int inputs,
            final int squeeze, final int expand) {
        parameters.add(weight(block + ".squeeze.weight", squeeze, inputs, 1, 1));
        parameters.add(bias(block + ".squeeze.bias", squeeze));
        parameters.add(weight(block + ".expand1x1.weight", expand, squeeze, 1, 1));
        parameters.add(bias(block + ".expand1x1.bias", expand));
        parameters.add(weight(block + ".expand3x3.weight", expand, squeeze, 3, 3));
        parameters.add(bias(block + ".expand3x3.bias", expand));
    }

    private static void batchNorm(final List<ParameterInfo> parameters, final String layer, final long channels) {
        parameters.add(new ParameterInfo(layer + ".weight", new long[] {channels}, "gamma", false));
        parameters.add(new ParameterInfo(layer + ".bias", new long[] {channels}, "beta", false));
        parameters.add(new ParameterInfo(layer + ".running_mean", new long[] {channels}, "running_mean", false));
        parameters.add(new ParameterInfo(layer + ".running_var", new long[] {channels}, "running_var", false));
    }

    private static ParameterInfo weight(final String name, final long... shape) {
        return new ParameterInfo(name, shape, "weight", false);
    }

    private static ParameterInfo bias(final String name, final long... shape) {
        return new ParameterInfo(name, shape, "bias", false);
    }
}
