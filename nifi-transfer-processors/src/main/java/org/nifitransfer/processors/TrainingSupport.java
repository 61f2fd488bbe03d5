package org.nifitransfer.processors;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.components.state.StateManager;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.training.OptimizerChoice;
import org.nifitransfer.core.training.TrainingProgress;

/** What the model processors share: device choice, joins, progress in the processor's state, work folders. */
final class TrainingSupport {

    static final PropertyDescriptor DEVICE = new PropertyDescriptor.Builder()
            .name("Device")
            .description("Where to compute: 'auto' uses the first GPU when DJL sees one (a NAR built with the cuda profile), "
                    + "else the CPU; 'cpu'; or 'gpu' / 'gpu:N' for a given GPU")
            .required(true)
            .defaultValue("auto")
            .addValidator((subject, input, context) -> new ValidationResult.Builder().subject(subject).input(input)
                    .valid(input != null && input.strip().toLowerCase(Locale.ROOT).matches("auto|cpu|gpu(:\\d+)?"))
                    .explanation("must be auto, cpu, gpu or gpu:N").build())
            .build();
    static final PropertyDescriptor MAXIMUM_WAIT = new PropertyDescriptor.Builder()
            .name("Maximum Wait")
            .description("How long a flowfile waits in the queue for the other flowfiles of its run; after that its "
                    + "incomplete group is routed to 'timeout' with the reason")
            .required(true)
            .defaultValue("30 min")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();
    static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("Images or feature vectors per batch")
            .required(true)
            .defaultValue("32")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    static final PropertyDescriptor WORK_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Work Directory")
            .description("Where temporary files go while a model trains or runs (an unpacked base, tensor caches for "
                    + "shuffling); removed afterwards. Empty: the JVM's temporary directory.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    /** The Optimizer property of a training processor, with its default. */
    static PropertyDescriptor optimizer(final OptimizerChoice defaultChoice) {
        return new PropertyDescriptor.Builder()
                .name("Optimizer")
                .description("The optimizer")
                .required(true)
                .allowableValues(DescribedValues.of(OptimizerChoice.values(), OptimizerChoice::getValue, OptimizerChoice::getDisplayName,
                        OptimizerChoice::getDescription))
                .defaultValue(defaultChoice.getValue())
                .build();
    }

    /** The Learning Rate property of a training processor, with its default and description. */
    static PropertyDescriptor learningRate(final String defaultValue, final String description) {
        return new PropertyDescriptor.Builder()
                .name("Learning Rate")
                .description(description)
                .required(true)
                .defaultValue(defaultValue)
                .addValidator(StandardValidators.NUMBER_VALIDATOR)
                .build();
    }

    static final Relationship REL_ORIGINAL = new Relationship.Builder()
            .name("original")
            .description("The input flowfiles once they have been used (their content is part of the output's lineage)")
            .build();
    static final Relationship REL_UNUSED = new Relationship.Builder()
            .name("unused")
            .description("Datasets of a split this processor does not use, e.g. the test split when one connection carries "
                    + "every split; auto-terminate it when that is expected")
            .build();
    static final Relationship REL_TIMEOUT = new Relationship.Builder()
            .name("timeout")
            .description("Flowfiles whose run never completed within Maximum Wait; transfer.error names what was missing")
            .build();

    static final String DEVICE_ATTRIBUTE = "transfer.device";

    private TrainingSupport() {
    }

    /** The DJL device for a Device property value. */
    static Device device(final String value, final String engine) {
        final String choice = value.strip().toLowerCase(Locale.ROOT);
        if (choice.equals("cpu")) {
            return Device.cpu();
        }
        if (choice.startsWith("gpu")) {
            return choice.contains(":") ? Device.gpu(Integer.parseInt(choice.substring(choice.indexOf(':') + 1))) : Device.gpu();
        }
        return Engine.getEngine(engine).getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** A fresh work folder below the configured directory or the JVM's temporary directory. */
    static Path workDirectory(final String configured) throws IOException {
        final Path parent = configured == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(configured);
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, "nifi-transfer-");
    }

    /** Deletes a work folder and everything in it, quietly. */
    static void delete(final Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (final IOException e) {
            // best effort: the temporary directory is cleaned by the OS too
        }
    }

    /**
     * Acts on what a join found: waits (yields), routes flowfiles that belong to no group to {@code failure} and
     * incomplete groups that waited too long to {@code timeout}, and hands a complete group to {@code work}.
     */
    static void dispatch(final RunJoin.Outcome outcome, final org.apache.nifi.processor.ProcessContext context, final ProcessSession session,
                         final ComponentLog logger, final Relationship failure, final java.util.function.Consumer<RunJoin.Complete> work) {
        switch (outcome) {
            case RunJoin.Waiting waiting -> context.yield();
            case RunJoin.Unmatched unmatched -> routeOut(session, logger, unmatched.flowFiles(), failure, unmatched.reason());
            case RunJoin.Unused unused -> {
                for (final FlowFile flowFile : unused.flowFiles()) {
                    logger.debug("{} is {}", flowFile, unused.reason());
                    session.transfer(flowFile, REL_UNUSED);
                }
            }
            case RunJoin.TimedOut timedOut -> routeOut(session, logger, timedOut.flowFiles(), REL_TIMEOUT, "run " + timedOut.runId()
                    + ": no " + String.join(" or ", timedOut.missing()) + " arrived within " + context.getProperty(MAXIMUM_WAIT).getValue());
            case RunJoin.Complete complete -> work.accept(complete);
        }
    }

    /** Routes the flowfiles of a join that cannot go on, with the reason. */
    static void routeOut(final ProcessSession session, final ComponentLog logger, final List<FlowFile> flowFiles,
                         final Relationship relationship, final String reason) {
        for (final FlowFile flowFile : flowFiles) {
            logger.error("{} routed to {}: {}", flowFile, relationship.getName(), reason);
            session.transfer(session.putAttribute(flowFile, TransferAttributes.ERROR, reason), relationship);
        }
    }

    /**
     * Writes training progress into the processor's state (NiFi's View State) and the log: at every epoch's end, and
     * otherwise at most every two seconds.
     */
    static final class ProgressState implements java.util.function.Consumer<TrainingProgress> {
        private static final long INTERVAL_NANOS = 2_000_000_000L;
        private final StateManager state;
        private final ComponentLog logger;
        private final String runId;
        private long lastWrite;
        private int lastEpoch = -1;
        private TrainingProgress previous;

        ProgressState(final StateManager state, final ComponentLog logger, final String runId) {
            this.state = state;
            this.logger = logger;
            this.runId = runId;
        }

        @Override
        public void accept(final TrainingProgress progress) {
            final boolean newEpoch = previous != null && progress.epoch() != previous.epoch();
            if (newEpoch) {
                epochDone(previous);
            }
            previous = progress;
            final long now = System.nanoTime();
            if (now - lastWrite >= INTERVAL_NANOS) {
                write(progress, "training");
                lastWrite = now;
            }
        }

        /** Records the last epoch's end. */
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
            final Map<String, String> values = new HashMap<>();
            values.put("run.id", runId);
            values.put("status", status);
            values.put("phase", progress.phase());
            values.put("epoch", progress.epoch() + "/" + progress.lastEpoch());
            values.put("batch", progress.batch() + (progress.batches() > 0 ? "/" + progress.batches() : ""));
            values.put("loss", String.format(Locale.ROOT, "%.5f", progress.loss()));
            values.put("accuracy", String.format(Locale.ROOT, "%.4f", progress.accuracy()));
            values.put("updated", java.time.Instant.now().toString());
            try {
                state.setState(values, Scope.LOCAL);
            } catch (final IOException e) {
                logger.warn("Cannot record progress in the processor's state: {}", e.getMessage());
            }
        }
    }
}
