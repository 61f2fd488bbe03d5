package org.nifitransfer.core.model;

import java.util.Arrays;

/**
 * One parameter of a model, as a layer summary lists it.
 *
 * @param name the parameter's name: for a TorchScript base its {@code named_parameters} name (e.g.
 *             {@code 12.expand3x3.weight}, whose first segment is the block index); for the head {@code head.<n>.weight}
 * @param shape the tensor shape
 * @param type {@code weight}, {@code bias}, {@code gamma}, {@code beta}, {@code running_mean}, {@code running_var} or {@code other}
 * @param trainable whether training updates it
 */
public record ParameterInfo(String name, long[] shape, String type, boolean trainable) {

    /** The number of values. */
    public long count() {
        long count = 1;
        for (final long dimension : shape) {
            count *= dimension;
        }
        return count;
    }

    /** The block (layer) the parameter belongs to: the name without its last segment. */
    public String layer() {
        final int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** True for BatchNorm running statistics, which are never trained by gradients. */
    public boolean isRunningStatistic() {
        return "running_mean".equals(type) || "running_var".equals(type);
    }

    /** A copy with another trainable flag. */
    public ParameterInfo withTrainable(final boolean value) {
        return new ParameterInfo(name, shape, type, value);
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof ParameterInfo info && info.name.equals(name) && Arrays.equals(info.shape, shape)
                && info.type.equals(type) && info.trainable == trainable;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + (trainable ? " trainable" : " frozen");
    }
}
