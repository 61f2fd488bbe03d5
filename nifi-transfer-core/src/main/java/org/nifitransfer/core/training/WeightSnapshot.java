package org.nifitransfer.core.training;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/** A copy, on the Java heap, of the trainable weights of a block, that can be written back in place. */
final class WeightSnapshot {

    private final List<Parameter> parameters;
    private final List<float[]> values;

    private WeightSnapshot(final List<Parameter> parameters, final List<float[]> values) {
        this.parameters = parameters;
        this.values = values;
    }

    /** Copies every parameter of {@code block} that training changes. */
    static WeightSnapshot of(final Block block) {
        final List<Parameter> parameters = new ArrayList<>();
        final List<float[]> values = new ArrayList<>();
        for (final Pair<String, Parameter> pair : block.getParameters()) {
            if (pair.getValue().requiresGradient()) {
                parameters.add(pair.getValue());
                values.add(pair.getValue().getArray().toFloatArray());
            }
        }
        return new WeightSnapshot(parameters, values);
    }

    /** Writes the copied values back into the same parameters, without recording gradients. */
    void restore() {
        final boolean recording = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int i = 0; i < parameters.size(); i++) {
                parameters.get(i).getArray().set(FloatBuffer.wrap(values.get(i)));
            }
        } finally {
            JniUtils.setGradMode(recording);
        }
    }
}
