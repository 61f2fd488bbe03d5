package org.nifitransfer.core.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Batches of in-memory feature vectors, reshuffled every epoch with a seed (when shuffling). */
public final class ArrayBatchSource implements BatchSource {

    private final float[] features;
    private final int[] labels;
    private final int dimension;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    /** The rows in the order of the last epoch uploaded, reused by every epoch (see forEachBatch). */
    private ByteBuffer upload;
    private long[] uploadedLabels;

    /**
     * @param features {@code n * dimension} floats
     * @param labels {@code n} labels
     */
    public ArrayBatchSource(final float[] features, final int[] labels, final int dimension, final int batchSize, final boolean shuffle,
                            final long seed) {
        if ((long) labels.length * dimension != features.length) {
            throw new IllegalArgumentException(labels.length + " labels do not match " + features.length + " features of dimension " + dimension);
        }
        this.features = features;
        this.labels = labels;
        this.dimension = dimension;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
    }

    @Override
    public void forEachBatch(final int epoch, final NDManager manager, final BatchHandler handler) throws IOException {
        final int count = labels.length;
        final int[] order = BatchSource.order(count, shuffle, seed, epoch);
        // One upload per epoch, of the rows in this epoch's order, written straight into the direct buffer the native
        // array uses (no copy on the Java heap); each batch is then a view of consecutive rows, not a new native array (an
        // allocation and a copy through a fresh direct buffer) per batch. The buffer is allocated once per source: a fresh
        // direct buffer an epoch (5 MB for 2,500 x 512 features) was zeroed, page-faulted and left to the garbage
        // collector every epoch, about a fifth of a head training's time. Unshuffled rows are written once.
        if (upload == null) {
            upload = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(count, dimension), Float.BYTES))
                    .order(ByteOrder.nativeOrder());
            uploadedLabels = new long[count];
            fill(order);
        } else if (shuffle) {
            fill(order);
        }
        final ByteBuffer buffer = upload;
        final long[] ordered = uploadedLabels;
        try (NDManager epochScope = manager.newSubManager()) {
            final NDArray allData = epochScope.create(buffer, new Shape(count, dimension), DataType.FLOAT32);
            final NDArray allLabels = epochScope.create(ordered);
            for (int start = 0; start < count; start += batchSize) {
                final NDIndex batch = new NDIndex().addSliceDim(start, Math.min(count, start + batchSize));
                try (NDManager scope = manager.newSubManager()) {
                    handler.accept(allData.get(scope, batch), allLabels.get(scope, batch));
                }
            }
        }
    }

    private void fill(final int[] order) {
        final FloatBuffer rows = upload.asFloatBuffer();
        for (int i = 0; i < order.length; i++) {
            rows.put(features, order[i] * dimension, dimension);
            uploadedLabels[i] = labels[order[i]];
        }
    }
}
