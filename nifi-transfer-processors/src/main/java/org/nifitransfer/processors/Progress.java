package org.nifitransfer.processors;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.components.state.StateManager;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.logging.ComponentLog;
import org.nifitransfer.core.training.TrainingProgress;

/**
 * What a long-running processor is doing, in its state (NiFi's View State), in one shape for every processor:
 * {@code run.id}, {@code status} (working, training, done), {@code phase} and {@code updated}, then either the images of a
 * split ({@code split}, {@code images.done}, {@code images.total}) or the epochs of a training ({@code epoch},
 * {@code batch}, {@code loss}, {@code accuracy}, {@code checkpoint}). It is written at most every two seconds while work
 * goes on, at every finished epoch, and at the end; a training also logs each finished epoch.
 */
final class Progress {

    private static final long INTERVAL_NANOS = 2_000_000_000L;
    /** The state's keys. */
    static final String RUN_ID = "run.id";
    static final String STATUS = "status";
    static final String PHASE = "phase";
    static final String SPLIT = "split";
    static final String IMAGES_DONE = "images.done";
    static final String IMAGES_TOTAL = "images.total";
    static final String EPOCH = "epoch";

    private final StateManager state;
    private final ComponentLog logger;
    private final String runId;
    private final String phase;
    private long lastWrite;

    /**
     * The progress of a processor that works through the images of a split.
     *
     * @param phase what the processor does, as it appears in the state: resize, augment, extract, evaluate
     */
    Progress(final StateManager state, final ComponentLog logger, final String runId, final String phase) {
        this.state = state;
        this.logger = logger;
        this.runId = runId;
        this.phase = phase;
    }

    /**
     * Records that {@code done} images of a split are done; {@code total} may be null (unknown). At most every two seconds
     * unless {@code status} is {@code done}.
     */
    void images(final String split, final long done, final String total, final String status) {
        final long now = System.nanoTime();
        if (!"done".equals(status) && lastWrite != 0 && now - lastWrite < INTERVAL_NANOS) {
            return;
        }
        lastWrite = now;
        final Map<String, String> values = common(status, phase);
        values.put(SPLIT, String.valueOf(split));
        values.put(IMAGES_DONE, String.valueOf(done));
        if (total != null) {
            values.put(IMAGES_TOTAL, total);
        }
        write(values);
    }

    /** The split of a dataset flowfile, with its shard when the split has several: {@code train (shard 3 of 10)}. */
    static String part(final FlowFile flowFile) {
        final String split = flowFile.getAttribute(TransferAttributes.SPLIT);
        final String index = flowFile.getAttribute(TransferAttributes.FRAGMENT_INDEX);
        final String count = flowFile.getAttribute(TransferAttributes.FRAGMENT_COUNT);
        if (index == null || count == null || "1".equals(count.strip())) {
            return split;
        }
        try {
            return split + " (shard " + (Integer.parseInt(index.strip()) + 1) + " of " + count.strip() + ")";
        } catch (final NumberFormatException e) {
            return split;
        }
    }

    /**
     * A training's progress, for a trainer's {@code optProgress}, with the checkpoint folder it saves to; the phase comes
     * from the trainer's reports; {@link Training#finish} records the end.
     */
    static Training training(final StateManager state, final ComponentLog logger, final String runId, final Path checkpoint) {
        return new Progress(state, logger, runId, null).new Training(checkpoint);
    }

    /** The progress of one training: the epochs and batches, the running loss and accuracy, the checkpoint folder. */
    final class Training implements Consumer<TrainingProgress> {
        private final Path checkpoint;
        private int lastEpoch = -1;
        private TrainingProgress previous;

        private Training(final Path checkpoint) {
            this.checkpoint = checkpoint;
        }

        @Override
        public void accept(final TrainingProgress progress) {
            if (previous != null && progress.epoch() != previous.epoch()) {
                epochDone(previous);
            }
            previous = progress;
            final long now = System.nanoTime();
            if (now - lastWrite >= INTERVAL_NANOS) {
                write(progress, "training");
                lastWrite = now;
            }
        }

        /** Records the last epoch's end with {@code status}. */
        void finish(final String status) {
            if (previous != null) {
                epochDone(previous);
                write(previous, status);
            }
        }

        private void epochDone(final TrainingProgress progress) {
            if (progress.epoch() == lastEpoch) {
                return;
            }
            lastEpoch = progress.epoch();
            logger.info("Run {}: {} epoch {}/{} done: loss {}, accuracy {}", runId, progress.phase(), progress.epoch(), progress.lastEpoch(),
                    String.format(Locale.ROOT, "%.4f", progress.loss()), String.format(Locale.ROOT, "%.4f", progress.accuracy()));
            write(progress, "training");
        }

        private void write(final TrainingProgress progress, final String status) {
            final Map<String, String> values = common(status, progress.phase());
            values.put(EPOCH, progress.epoch() + "/" + progress.lastEpoch());
            values.put("batch", progress.batch() + (progress.batches() > 0 ? "/" + progress.batches() : ""));
            values.put("loss", String.format(Locale.ROOT, "%.5f", progress.loss()));
            values.put("accuracy", String.format(Locale.ROOT, "%.4f", progress.accuracy()));
            if (checkpoint != null) {
                values.put("checkpoint", checkpoint.toString());
            }
            Progress.this.write(values);
        }
    }

    private Map<String, String> common(final String status, final String currentPhase) {
        final Map<String, String> values = new HashMap<>();
        values.put(RUN_ID, String.valueOf(runId));
        values.put(STATUS, status);
        values.put(PHASE, currentPhase);
        values.put("updated", Instant.now().toString());
        return values;
    }

    private void write(final Map<String, String> values) {
        try {
            state.setState(values, Scope.LOCAL);
        } catch (final IOException e) {
            logger.warn("Cannot record progress in the processor's state: {}", e.getMessage());
        }
    }
}
