package org.nifitransfer.processors;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.dataset.DatasetShards;
import org.nifitransfer.core.model.BaseModelException;
import org.nifitransfer.core.pipeline.Folders;
import org.nifitransfer.core.training.OptimizerChoice;
import org.nifitransfer.core.training.TrainingCheckpoint;

/** What the model processors share: device choice, joins, progress in the processor's state, work folders. */
final class TrainingSupport {

    /** The Optimizer property's choices. */
    public enum Optimizer implements CoreChoice<OptimizerChoice> {
        RMSPROP, ADAM, SGD;

        @Override
        public OptimizerChoice core() {
            return OptimizerChoice.valueOf(name());
        }
    }

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
    static final PropertyDescriptor WARN_AFTER = new PropertyDescriptor.Builder()
            .name("Warn After")
            .description("How long part of a run may wait for the rest before a warning bulletin names the run, what has arrived "
                    + "and what is still missing (repeated at this interval while it waits)")
            .required(true)
            .defaultValue("1 min")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();
    static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("Images or feature vectors per batch")
            .required(true)
            .defaultValue("32")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();
    static final PropertyDescriptor PATIENCE = new PropertyDescriptor.Builder()
            .name("Early Stopping Patience")
            .description("Stop when the validation loss has not improved for this many epochs; 0 trains every epoch")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
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
    static PropertyDescriptor optimizer(final Optimizer defaultChoice) {
        return new PropertyDescriptor.Builder()
                .name("Optimizer")
                .description("The optimizer")
                .required(true)
                .allowableValues(Optimizer.class)
                .defaultValue(defaultChoice)
                .build();
    }

    /** The Learning Rate property of a training processor, with its default and description. */
    static PropertyDescriptor learningRate(final String defaultValue, final String description) {
        return new PropertyDescriptor.Builder()
                .name("Learning Rate")
                .description(description)
                .required(true)
                .defaultValue(defaultValue)
                .addValidator(TrainingSupport::positiveNumber)
                .build();
    }

    /** A finite number above 0 (a learning rate of 0 trains nothing; a negative one climbs the loss). */
    private static ValidationResult positiveNumber(final String subject, final String input, final ValidationContext context) {
        boolean valid;
        try {
            final double value = Double.parseDouble(input.strip());
            valid = value > 0 && Double.isFinite(value);
        } catch (final NumberFormatException | NullPointerException e) {
            valid = false;
        }
        return new ValidationResult.Builder().subject(subject).input(input).valid(valid).explanation("must be a number above 0").build();
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

    /**
     * The content of a role's flowfiles as one dataset: the shards of a split joined in {@code fragment.index} order
     * ({@link DatasetShards}), or the one flowfile as it is.
     */
    static InputStream read(final ProcessSession session, final List<FlowFile> shards) throws IOException {
        return DatasetShards.concatenate(shards.stream().<DatasetShards.Source>map(flowFile -> () -> session.read(flowFile)).toList());
    }

    /** The images of a role's shards together ({@code transfer.count} summed), or null when a shard does not say. */
    static String count(final List<FlowFile> shards) {
        long total = 0;
        for (final FlowFile shard : shards) {
            final String count = shard.getAttribute(TransferAttributes.COUNT);
            if (count == null || !count.strip().matches("\\d{1,18}")) {
                return null;
            }
            total += Long.parseLong(count.strip());
        }
        return String.valueOf(total);
    }

    /** The join of a training processor: its roles, with the processor's Maximum Wait and Warn After. */
    static RunJoin join(final ProcessContext context, final Set<String> usedKinds, final RunJoin.Role... roles) {
        return new RunJoin(List.of(roles), context.getProperty(MAXIMUM_WAIT).asTimePeriod(TimeUnit.MILLISECONDS),
                context.getProperty(WARN_AFTER).asTimePeriod(TimeUnit.MILLISECONDS), usedKinds);
    }

    /**
     * Acts on what a join found: waits (yields, warning about stalled groups), routes flowfiles that belong to no group
     * and groups that can never complete to {@code failure} and incomplete groups that waited too long to {@code timeout},
     * and hands a complete group to {@code work}.
     */
    private static void dispatch(final RunJoin.Outcome outcome, final ProcessContext context, final ProcessSession session, final ComponentLog logger,
                         final Relationship failure, final StallWarnings stalls, final Consumer<RunJoin.Complete> work) {
        switch (outcome) {
            case RunJoin.Waiting waiting -> {
                stalls.report(waiting.stalls(), context.getProperty(WARN_AFTER).asTimePeriod(TimeUnit.MILLISECONDS),
                        context.getProperty(MAXIMUM_WAIT).getValue(), logger);
                context.yield();
            }
            case RunJoin.Unmatched unmatched -> routeOut(session, logger, unmatched.flowFiles(), failure, unmatched.reason());
            case RunJoin.NeverComplete never -> routeOut(session, logger, never.flowFiles(), failure, never.reason());
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

    /** The work done on a complete group, in a fresh work folder that is deleted afterwards. */
    @FunctionalInterface
    interface GroupWork {
        void run(RunJoin.Complete group, Path work) throws IOException, BaseModelException;
    }

    /** Polls the join and acts on what it found ({@link #dispatch}), running the work on a complete group ({@link #runGroup}). */
    static void joinAndRun(final ProcessContext context, final ProcessSession session, final ComponentLog logger, final RunJoin join,
                           final Relationship failure, final StallWarnings stalls, final String what, final GroupWork work) {
        dispatch(join.poll(session), context, session, logger, failure, stalls, group -> runGroup(context, session, logger, group, failure, what, work));
    }

    /**
     * The checkpoint of a processor's training of a group: a folder below the Work Directory (or the JVM's temporary
     * directory) that outlives the processor and NiFi, named by the processor, the run and the identities of the group's
     * flowfiles (which survive a restart), and fingerprinted with the processor's properties, so that a changed setting
     * starts the training over.
     */
    static TrainingCheckpoint checkpoint(final ProcessContext context, final String processorId, final RunJoin.Complete group) {
        final String configured = context.getProperty(WORK_DIRECTORY).evaluateAttributeExpressions().getValue();
        final Path parent = configured == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(configured);
        final List<String> members = group.all().stream().map(flowFile -> flowFile.getAttribute(CoreAttributes.UUID.key())).sorted().toList();
        final String key = sha256(group.runId() + "/" + String.join(",", members));
        final StringBuilder settings = new StringBuilder(key);
        context.getProperties().forEach((descriptor, value) -> settings.append('\n').append(descriptor.getName()).append('=').append(value));
        return new TrainingCheckpoint(parent.resolve("nifi-transfer-checkpoints").resolve(processorId).resolve(key.substring(0, 32)),
                sha256(settings.toString()));
    }

    /** A training that may resume from a checkpoint. */
    @FunctionalInterface
    interface CheckpointedTraining<T> {
        T run() throws IOException, BaseModelException;
    }

    /**
     * Runs a training with its checkpoint: says so when it resumes from one, and removes the checkpoint once the training
     * has ended, with its result or with a failure; a stop request keeps it, so the group resumes when it runs again.
     */
    static <T> T withCheckpoint(final TrainingCheckpoint checkpoint, final ComponentLog logger, final String runId, final String what,
                                final CheckpointedTraining<T> training) throws IOException, BaseModelException {
        checkpoint.savedEpoch().ifPresent(epoch -> logger.info("Run {}: resuming {} after epoch {}, from its checkpoint in {}", runId, what,
                epoch, checkpoint.directory()));
        try {
            final T result = training.run();
            checkpoint.delete();
            return result;
        } catch (final IOException | RuntimeException | BaseModelException e) {
            if (!(ProcessorSupport.rootCause(e) instanceof CancellationException)) {
                checkpoint.delete();
            }
            throw e;
        }
    }

    private static String sha256(final String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (final java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the work on a complete group, the one way every joining processor does: what the work transfers commits with
     * the session; a stop request (a {@link CancellationException}) rolls the session back, so the group returns to its
     * queues; any failure rolls back everything the work did (flowfiles it created included), takes every member back
     * from whichever connection holds it, and routes them to {@code failure} with the reason.
     *
     * @param what what the work is, for messages: "head training", "fine-tuning", "evaluation"
     */
    private static void runGroup(final ProcessContext context, final ProcessSession session, final ComponentLog logger, final RunJoin.Complete group,
                         final Relationship failure, final String what, final GroupWork work) {
        Path directory = null;
        try {
            directory = workDirectory(context.getProperty(WORK_DIRECTORY).evaluateAttributeExpressions().getValue());
            work.run(group, directory);
        } catch (final IOException | RuntimeException | BaseModelException e) {
            final Throwable cause = ProcessorSupport.rootCause(e);
            session.rollback();
            if (cause instanceof CancellationException) {
                logger.info("Stopped during {} of run {}; its inputs return to their queues", what, group.runId());
                return;
            }
            final List<FlowFile> members = RunJoin.take(session, group.all());
            if (members.size() < group.all().size()) {
                logger.warn("Run {}: {} of its {} inputs left the queue while it was being rolled back", group.runId(),
                        group.all().size() - members.size(), group.all().size());
            }
            final String reason = ProcessorSupport.reason(what, cause);
            logger.error("Run {}: {} failed, its {} inputs go to {}: {}", group.runId(), what, members.size(), failure.getName(), reason, cause);
            routeOut(session, logger, members, failure, reason);
        } finally {
            Folders.deleteQuietly(directory);
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
     * Warns (a log line at WARN, which NiFi posts as a bulletin on the processor) about each group that has waited longer
     * than Warn After, once per Warn After for as long as it waits. It remembers only when it last warned about each
     * stalled run, never a flowfile.
     */
    static final class StallWarnings {
        private final Map<String, Long> lastWarned = new ConcurrentHashMap<>();

        void report(final List<RunJoin.Stall> stalls, final long warnAfterMillis, final String maximumWait, final ComponentLog logger) {
            final long now = System.currentTimeMillis();
            lastWarned.keySet().retainAll(stalls.stream().map(RunJoin.Stall::runId).toList());
            for (final RunJoin.Stall stall : stalls) {
                final Long last = lastWarned.get(stall.runId());
                if (last == null || now - last >= warnAfterMillis) {
                    logger.warn(message(stall, maximumWait));
                    lastWarned.put(stall.runId(), now);
                }
            }
        }

        static String message(final RunJoin.Stall stall, final String maximumWait) {
            final StringBuilder text = new StringBuilder("Run ").append(stall.runId());
            if (stall.directory() != null) {
                text.append(" (").append(stall.directory()).append(')');
            }
            text.append(": have ").append(String.join(" and ", stall.have())).append(", waiting ").append(duration(stall.waitedMillis()))
                    .append(" for ").append(String.join(" and ", stall.lacking()));
            for (final RunJoin.Role role : stall.missing()) {
                text.append(". The ").append(role.name()).append(" comes from ").append(role.source());
            }
            text.append(": is it stopped, invalid, still working (see its View State), or routing this run to failure?");
            if (stall.lacking().stream().anyMatch(lacking -> lacking.contains("(shard"))) {
                text.append(" Some shards of a split are here and others are not: if the connection into this processor shows back ")
                        .append("pressure, the others cannot arrive; raise its Back Pressure Data Size Threshold above the size of a whole ")
                        .append("split.");
            }
            text.append(" The group goes to ")
                    .append("'timeout' after Maximum Wait (").append(maximumWait).append(')');
            return text.toString();
        }

        private static String duration(final long millis) {
            final long seconds = millis / 1000;
            return seconds < 60 ? seconds + " s" : seconds / 60 + " min " + seconds % 60 + " s";
        }
    }
}
