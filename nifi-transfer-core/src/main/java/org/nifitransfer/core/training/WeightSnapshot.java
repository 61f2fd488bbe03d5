package org.nifitransfer.core.training;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        final Map<String, Parameter> trainable = trainable(block);
        final List<float[]> values = new ArrayList<>();
        trainable.values().forEach(parameter -> values.add(parameter.getArray().toFloatArray()));
        return new WeightSnapshot(new ArrayList<>(trainable.values()), values);
    }

    /** The parameters of {@code block} that training changes, by name, in the block's order. */
    static Map<String, Parameter> trainable(final Block block) {
        final Map<String, Parameter> parameters = new LinkedHashMap<>();
        for (final Pair<String, Parameter> pair : block.getParameters()) {
            if (pair.getValue().requiresGradient()) {
                parameters.put(pair.getKey(), pair.getValue());
            }
        }
        return parameters;
    }

    /** A snapshot of the given parameters holding saved values (from a checkpoint), by name. */
    static WeightSnapshot of(final Map<String, Parameter> parameters, final Map<String, TrainingCheckpoint.Tensor> saved) {
        final List<Parameter> list = new ArrayList<>();
        final List<float[]> values = new ArrayList<>();
        parameters.forEach((name, parameter) -> {
            final TrainingCheckpoint.Tensor tensor = saved.get(name);
            if (tensor == null || tensor.values().length != parameter.getArray().size()) {
                throw new IllegalStateException("The checkpoint has no values of the size of parameter " + name + ": it belongs to another model");
            }
            list.add(parameter);
            values.add(tensor.values());
        });
        return new WeightSnapshot(list, values);
    }

    /** The values by parameter name, with their shapes, for a checkpoint. */
    Map<String, TrainingCheckpoint.Tensor> tensors(final Map<String, Parameter> names) {
        final Map<String, TrainingCheckpoint.Tensor> tensors = new LinkedHashMap<>();
        names.forEach((name, parameter) -> {
            final int index = parameters.indexOf(parameter);
            if (index >= 0) {
                tensors.put(name, new TrainingCheckpoint.Tensor(values.get(index), parameter.getArray().getShape().getShape()));
            }
        });
        return tensors;
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
