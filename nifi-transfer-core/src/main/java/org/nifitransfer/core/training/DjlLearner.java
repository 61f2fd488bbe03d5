package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A DJL {@link Trainer} as a {@link Learner}: forward, loss, backward and step for every training batch (under
 * {@link TrainingLock#LOCK}, each batch's random draws seeded), the trainer's evaluation for validation.
 */
final class DjlLearner implements Learner {

    private final Trainer trainer;
    private final BatchSource train;
    private final BatchSource validation;
    private final Optimizer optimizer;
    private final long seed;
    private final NDManager manager;
    private final Block block;
    private final Map<String, Parameter> trainable;

    /**
     * @param optimizer the optimizer the trainer updates with, for checkpoints; may be null when no checkpoint is kept
     */
    DjlLearner(final Trainer trainer, final BatchSource train, final BatchSource validation, final Optimizer optimizer, final long seed) {
        this.trainer = trainer;
        this.train = train;
        this.validation = validation;
        this.optimizer = optimizer;
        this.seed = seed;
        this.manager = trainer.getManager();
        this.block = trainer.getModel().getBlock();
        this.trainable = WeightSnapshot.trainable(block);
    }

    @Override
    public void trainEpoch(final int epoch, final EpochTotals totals, final Runnable beforeBatch, final Runnable afterBatch)
            throws IOException {
        train.forEachBatch(epoch, manager, (data, labels) -> {
            beforeBatch.run();
            synchronized (TrainingLock.LOCK) {
                manager.getEngine().setRandomSeed(TrainingLock.batchSeed(seed, epoch, totals.batches()));
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    final NDList predictions = trainer.forward(new NDList(data), new NDList(labels));
                    final NDArray loss = trainer.getLoss().evaluate(new NDList(labels), predictions);
                    collector.backward(loss);
                    add(totals, loss, predictions.head(), labels);
                }
                trainer.step();
            }
            afterBatch.run();
        });
    }

    @Override
    public void validate(final int epoch, final EpochTotals totals, final Runnable beforeBatch) throws IOException {
        validation.forEachBatch(epoch, manager, (data, labels) -> {
            beforeBatch.run();
            final NDList predictions = trainer.evaluate(new NDList(data));
            add(totals, trainer.getLoss().evaluate(new NDList(labels), predictions), predictions.head(), labels);
        });
    }

    /** Each batch costs two small reads (the loss and the logits), rather than a chain of NDArray operations. */
    private static void add(final EpochTotals totals, final NDArray loss, final NDArray logits, final NDArray labels) {
        totals.add(loss.toType(DataType.FLOAT32, false).toFloatArray()[0], logits.toType(DataType.FLOAT32, false).toFloatArray(),
                labels.toType(DataType.INT64, false).toLongArray());
    }

    @Override
    public Snapshot snapshot() {
        return wrap(WeightSnapshot.of(block));
    }

    @Override
    public Snapshot snapshot(final Map<String, TrainingCheckpoint.Tensor> saved) {
        return wrap(WeightSnapshot.of(trainable, saved));
    }

    private Snapshot wrap(final WeightSnapshot weights) {
        return new Snapshot() {
            @Override
            public void restore() {
                weights.restore();
            }

            @Override
            public Map<String, TrainingCheckpoint.Tensor> tensors() {
                return weights.tensors(trainable);
            }
        };
    }

    @Override
    public OptimizerState optimizerState() {
        final Map<String, String> names = new HashMap<>();
        block.getParameters().forEach(pair -> names.put(pair.getValue().getId(), pair.getKey()));
        return OptimizerState.capture(optimizer, names);
    }

    @Override
    public void restoreOptimizer(final OptimizerState state) {
        final Map<String, String> ids = new HashMap<>();
        final Map<String, NDArray> arrays = new HashMap<>();
        block.getParameters().forEach(pair -> {
            ids.put(pair.getKey(), pair.getValue().getId());
            arrays.put(pair.getKey(), pair.getValue().getArray());
        });
        state.restore(optimizer, ids, arrays);
    }
}
