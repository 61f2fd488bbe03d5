package org.nifitransfer.core.training;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nifitransfer.core.model.EpochRecord;

/**
 * A training's state after its last finished epoch, kept in a folder so that a training that was stopped or whose
 * process died resumes after that epoch: the weights training changes, the kept best epoch's weights, the optimizer's
 * state, the counters and the history. Together with the per-epoch seeding of shuffling, augmentation and dropout, a
 * resumed training gives what an uninterrupted one would.
 *
 * <p>The file is written next to the last one and moved over it, so a crash while saving leaves the previous epoch's
 * checkpoint. A checkpoint carries the fingerprint of the training it belongs to (its inputs and settings); one with
 * another fingerprint is ignored.
 */
public final class TrainingCheckpoint {

    private static final int MAGIC = 0x4e544350;
    private static final int VERSION = 1;
    private static final String FILE = "checkpoint.bin";

    private final Path directory;
    private final String fingerprint;

    /**
     * @param directory where the checkpoint lives (created when first saved)
     * @param fingerprint what identifies the training: a checkpoint of another one is not resumed
     */
    public TrainingCheckpoint(final Path directory, final String fingerprint) {
        this.directory = directory;
        this.fingerprint = fingerprint;
    }

    public Path directory() {
        return directory;
    }

    /** A tensor's values and shape. */
    record Tensor(float[] values, long[] shape) {
    }

    /**
     * The state after an epoch.
     *
     * @param bestWeights the kept best epoch's weights, or null
     */
    record State(int epoch, List<EpochRecord> history, double bestLoss, double bestAccuracy, int bestEpoch, int sinceBest, long updates,
                 long batchesPerEpoch, boolean stoppedEarly, Map<String, Tensor> weights, Map<String, Tensor> bestWeights,
                 OptimizerState optimizer) {
    }

    /** The saved state of this training, when there is one. */
    Optional<State> load() throws IOException {
        final Path file = directory.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION || !in.readUTF().equals(fingerprint)) {
                return Optional.empty();
            }
            final int epoch = in.readInt();
            final List<EpochRecord> history = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                history.add(new EpochRecord(in.readInt(), in.readUTF(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
                        in.readDouble()));
            }
            final double bestLoss = in.readDouble();
            final double bestAccuracy = in.readDouble();
            final int bestEpoch = in.readInt();
            final int sinceBest = in.readInt();
            final long updates = in.readLong();
            final long batches = in.readLong();
            final boolean stoppedEarly = in.readBoolean();
            final Map<String, Tensor> weights = readTensors(in);
            final Map<String, Tensor> best = in.readBoolean() ? readTensors(in) : null;
            final Map<String, Integer> counts = new LinkedHashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                counts.put(in.readUTF(), in.readInt());
            }
            final int numUpdate = in.readInt();
            final List<OptimizerState.Array> arrays = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                final String field = in.readUTF();
                final String parameter = in.readUTF();
                final Tensor tensor = readTensor(in);
                arrays.add(new OptimizerState.Array(field, parameter, tensor.values(), tensor.shape()));
            }
            return Optional.of(new State(epoch, history, bestLoss, bestAccuracy, bestEpoch, sinceBest, updates, batches, stoppedEarly, weights,
                    best, new OptimizerState(counts, numUpdate, arrays)));
        }
    }

    /** Saves the state after an epoch, replacing the previous one only once it is complete on disk. */
    void save(final State state) throws IOException {
        Files.createDirectories(directory);
        final Path temporary = directory.resolve(FILE + ".tmp");
        try (OutputStream file = Files.newOutputStream(temporary); DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file))) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(fingerprint);
            out.writeInt(state.epoch());
            out.writeInt(state.history().size());
            for (final EpochRecord record : state.history()) {
                out.writeInt(record.epoch());
                out.writeUTF(record.phase());
                out.writeDouble(record.loss());
                out.writeDouble(record.accuracy());
                out.writeDouble(record.validationLoss());
                out.writeDouble(record.validationAccuracy());
                out.writeDouble(record.learningRate());
            }
            out.writeDouble(state.bestLoss());
            out.writeDouble(state.bestAccuracy());
            out.writeInt(state.bestEpoch());
            out.writeInt(state.sinceBest());
            out.writeLong(state.updates());
            out.writeLong(state.batchesPerEpoch());
            out.writeBoolean(state.stoppedEarly());
            writeTensors(out, state.weights());
            out.writeBoolean(state.bestWeights() != null);
            if (state.bestWeights() != null) {
                writeTensors(out, state.bestWeights());
            }
            out.writeInt(state.optimizer().updateCounts().size());
            for (final Map.Entry<String, Integer> count : state.optimizer().updateCounts().entrySet()) {
                out.writeUTF(count.getKey());
                out.writeInt(count.getValue());
            }
            out.writeInt(state.optimizer().numUpdate());
            out.writeInt(state.optimizer().arrays().size());
            for (final OptimizerState.Array array : state.optimizer().arrays()) {
                out.writeUTF(array.field());
                out.writeUTF(array.parameter());
                writeTensor(out, new Tensor(array.values(), array.shape()));
            }
        }
        Files.move(temporary, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the checkpoint folder (after the training's result is safely out). */
    public void delete() {
        org.nifitransfer.core.pipeline.Folders.deleteQuietly(directory);
    }

    /** The epoch a saved checkpoint of this training finished last, if there is one: its header only, not its tensors. */
    public Optional<Integer> savedEpoch() {
        final Path file = directory.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            return in.readInt() == MAGIC && in.readInt() == VERSION && in.readUTF().equals(fingerprint) ? Optional.of(in.readInt())
                    : Optional.empty();
        } catch (final IOException e) {
            return Optional.empty();
        }
    }

    private static void writeTensors(final DataOutputStream out, final Map<String, Tensor> tensors) throws IOException {
        out.writeInt(tensors.size());
        for (final Map.Entry<String, Tensor> tensor : tensors.entrySet()) {
            out.writeUTF(tensor.getKey());
            writeTensor(out, tensor.getValue());
        }
    }

    private static Map<String, Tensor> readTensors(final DataInputStream in) throws IOException {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = in.readInt(); i > 0; i--) {
            tensors.put(in.readUTF(), readTensor(in));
        }
        return tensors;
    }

    private static void writeTensor(final DataOutputStream out, final Tensor tensor) throws IOException {
        out.writeInt(tensor.shape().length);
        for (final long size : tensor.shape()) {
            out.writeLong(size);
        }
        out.writeInt(tensor.values().length);
        final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(tensor.values().length * Float.BYTES);
        bytes.asFloatBuffer().put(tensor.values());
        out.write(bytes.array());
    }

    private static Tensor readTensor(final DataInputStream in) throws IOException {
        final long[] shape = new long[in.readInt()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = in.readLong();
        }
        final float[] values = new float[in.readInt()];
        final byte[] bytes = in.readNBytes(values.length * Float.BYTES);
        if (bytes.length != values.length * Float.BYTES) {
            throw new IOException("checkpoint ends inside a tensor");
        }
        java.nio.ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
        return new Tensor(values, shape);
    }
}
