package org.nifitransfer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nifitransfer.core.dataset.DatasetFormatException;

/**
 * A head's weights outside any engine: the parameters' names, shapes and {@code .npy} entries, and their values.
 *
 * @param parameters in the block's order
 * @param values by entry name
 */
public record HeadWeights(List<ModelManifest.HeadParameter> parameters, Map<String, float[]> values) {

    /** Copies the weights out of an initialised block. */
    public static HeadWeights of(final Block block) {
        final List<ModelManifest.HeadParameter> parameters = new ArrayList<>();
        final Map<String, float[]> values = new LinkedHashMap<>();
        int index = 0;
        for (final Pair<String, Parameter> pair : block.getParameters()) {
            final NDArray array = pair.getValue().getArray();
            final String entry = ModelPackage.headEntry(index++);
            parameters.add(new ModelManifest.HeadParameter(pair.getKey(), array.getShape().getShape(), entry));
            values.put(entry, array.toFloatArray());
        }
        return new HeadWeights(parameters, values);
    }

    /**
     * Initialises {@code block} (built from the same {@link HeadSpec}) for {@code inputDimension} features and
     * loads these weights into it.
     */
    public void loadInto(final Block block, final NDManager manager, final int inputDimension) {
        if (!block.isInitialized()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(1, inputDimension));
        }
        copyInto(block);
    }

    /** Loads these weights into an initialised block of the same architecture. */
    public void copyInto(final Block block) {
        int index = 0;
        for (final Pair<String, Parameter> pair : block.getParameters()) {
            if (index >= parameters.size()) {
                throw new DatasetFormatException("The head has more parameters than the model stores (" + parameters.size() + ")");
            }
            final ModelManifest.HeadParameter stored = parameters.get(index++);
            final NDArray array = pair.getValue().getArray();
            if (!new Shape(stored.shape()).equals(array.getShape())) {
                throw new DatasetFormatException("Head parameter " + stored.name() + " has shape " + new Shape(stored.shape())
                        + " in the model, but the head built from model.json has " + array.getShape());
            }
            array.set(java.nio.FloatBuffer.wrap(values.get(stored.entry())));
        }
        if (index != parameters.size()) {
            throw new DatasetFormatException("The model stores " + parameters.size() + " head parameters, the head has " + index);
        }
    }
}
