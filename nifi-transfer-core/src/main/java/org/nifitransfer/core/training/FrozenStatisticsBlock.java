package org.nifitransfer.core.training;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Runs a TorchScript base in inference mode even while training, so BatchNorm layers use and keep their running
 * statistics (as the TensorFlow fine-tuning guide advises), while gradients still flow to the unfrozen
 * parameters. DJL would otherwise switch the whole module to training mode, and the statistics of frozen
 * layers would drift.
 */
public final class FrozenStatisticsBlock extends AbstractBlock {

    private final PtSymbolBlock base;

    public FrozenStatisticsBlock(final PtSymbolBlock base) {
        super((byte) 1);
        this.base = addChildBlock("base", base);
    }

    @Override
    protected NDList forwardInternal(final ParameterStore parameterStore, final NDList inputs, final boolean training,
                                     final PairList<String, Object> params) {
        JniUtils.enableInferenceMode(base);
        return IValueUtils.forward(base, inputs, training);
    }

    @Override
    public Shape[] getOutputShapes(final Shape[] inputShapes) {
        return base.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(final NDManager manager, final DataType dataType, final Shape... inputShapes) {
        // the base is pretrained: nothing to initialise
    }
}
