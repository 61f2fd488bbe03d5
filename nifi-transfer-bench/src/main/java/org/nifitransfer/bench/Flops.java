package org.nifitransfer.bench;

import java.util.List;
import java.util.Map;
import org.nifitransfer.core.model.ParameterInfo;

/**
 * Multiply-add FLOPs (2 per multiply-accumulate) of a headless convolutional base per image, from its
 * convolution weights and the spatial size each block works at. DJL does not expose a TorchScript module's
 * layer geometry, so the spatial sizes are known per architecture: SqueezeNet 1.1 {@code features} and the
 * fixture {@code tiny_base}, at the given input size. Unknown bases give null.
 */
final class Flops {

    private Flops() {
    }

    /** FLOPs per image, or null when the architecture is not one this class knows. */
    static Double perImage(final List<ParameterInfo> parameters, final int height, final int width) {
        final Map<Integer, int[]> spatial;
        if (has(parameters, "12.expand3x3.weight") && has(parameters, "0.weight")) {
            spatial = squeezeNet11(height, width);
        } else if (has(parameters, "4.weight") && parameters.stream().noneMatch(p -> p.name().startsWith("6."))) {
            // tiny_base: conv s2 p1, relu, conv s2 p1, relu, conv s1 p1, relu
            final int h1 = (height + 1) / 2;
            final int w1 = (width + 1) / 2;
            spatial = Map.of(0, new int[] {h1, w1}, 2, new int[] {(h1 + 1) / 2, (w1 + 1) / 2}, 4, new int[] {(h1 + 1) / 2, (w1 + 1) / 2});
        } else {
            return null;
        }
        double flops = 0;
        for (final ParameterInfo parameter : parameters) {
            final long[] shape = parameter.shape();
            if (shape.length != 4 || !parameter.name().endsWith("weight")) {
                continue;
            }
            final int block = Integer.parseInt(parameter.name().substring(0, parameter.name().indexOf('.')));
            final int[] size = spatial.get(block);
            if (size == null) {
                return null;
            }
            // weight [out, in/groups, kh, kw]: one multiply-add per weight per output pixel
            flops += 2.0 * shape[0] * shape[1] * shape[2] * shape[3] * size[0] * size[1];
        }
        return flops;
    }

    /**
     * SqueezeNet 1.1 features: conv 3x3 s2 (block 0), max-pool 3x3 s2 ceil (2), fire 3-4, pool (5), fire 6-7,
     * pool (8), fire 9-12; fire modules keep their input's size.
     */
    static Map<Integer, int[]> squeezeNet11(final int height, final int width) {
        final int h0 = (height - 3) / 2 + 1;
        final int w0 = (width - 3) / 2 + 1;
        final int h1 = pool(h0);
        final int w1 = pool(w0);
        final int h2 = pool(h1);
        final int w2 = pool(w1);
        final int h3 = pool(h2);
        final int w3 = pool(w2);
        return Map.of(0, new int[] {h0, w0}, 3, new int[] {h1, w1}, 4, new int[] {h1, w1}, 6, new int[] {h2, w2},
                7, new int[] {h2, w2}, 9, new int[] {h3, w3}, 10, new int[] {h3, w3}, 11, new int[] {h3, w3}, 12, new int[] {h3, w3});
    }

    private static int pool(final int size) {
        return (int) Math.ceil((size - 3) / 2.0) + 1;
    }

    private static boolean has(final List<ParameterInfo> parameters, final String name) {
        return parameters.stream().anyMatch(p -> p.name().equals(name));
    }
}
