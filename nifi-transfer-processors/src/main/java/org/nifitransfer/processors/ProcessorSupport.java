package org.nifitransfer.processors;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.function.UnaryOperator;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.io.StreamCallback;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifitransfer.core.dataset.DatasetFormatException;

/** What every processor of the bundle shares: common properties and the way failures are reported. */
final class ProcessorSupport {

    static final PropertyDescriptor MAX_MEGAPIXELS = new PropertyDescriptor.Builder()
            .name("Maximum Image Megapixels")
            .description("Images with more pixels than this are skipped and listed; the size is read from the image's "
                    + "header before any pixel is decoded, so one huge image cannot exhaust the heap")
            .required(true)
            .defaultValue("64")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    private ProcessorSupport() {
    }

    /** A required seed property with a default of 42. */
    static PropertyDescriptor randomSeed(final String description) {
        return new PropertyDescriptor.Builder()
                .name("Random Seed")
                .description(description)
                .required(true)
                .defaultValue("42")
                .addValidator(StandardValidators.LONG_VALIDATOR)
                .build();
    }

    /**
     * The path, size and modification time of a local file (a {@code file://} prefix allowed), to notice that it changed;
     * for a file that cannot be read, the reason.
     */
    static String fileState(final String location) {
        try {
            final java.nio.file.Path path = java.nio.file.Path.of(location.replaceFirst("^file://", ""));
            return path.toAbsolutePath() + "|" + java.nio.file.Files.size(path) + "|" + java.nio.file.Files.getLastModifiedTime(path).toMillis();
        } catch (final IOException | RuntimeException e) {
            return location + "|unreadable: " + e.getMessage();
        }
    }

    /** The exception that says what went wrong, beneath the session's and I/O wrappers. */
    static Throwable rootCause(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause
                && (cause instanceof ProcessException || cause instanceof IOException && cause.getCause() instanceof RuntimeException)) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * A reason for {@code transfer.error}: the message of errors that describe bad input (format errors and
     * {@link IllegalArgumentException}s), else {@code "<what> failed: <error>"}.
     */
    static String reason(final String what, final Throwable cause) {
        if (cause instanceof DatasetFormatException || cause instanceof IllegalArgumentException
                || cause instanceof org.nifitransfer.core.model.BaseModelException) {
            return cause.getMessage();
        }
        return what + " failed: " + cause;
    }

    /**
     * Rewrites a flowfile's content, the one way the processors that work on one dataset at a time do: a stop request
     * (a {@link CancellationException}) rolls the session back, so the flowfile returns to its queue; any other failure
     * routes it to {@code failure} with the reason (see {@link #reason}), after {@code onFailure} has added what it knows.
     *
     * @param what what the work is, for messages: "conversion", "augmentation", "feature extraction", "unfreezing"
     * @return the rewritten flowfile, or null when it went back to its queue or to failure
     */
    static FlowFile rewrite(final ProcessSession session, final ComponentLog logger, final FlowFile flowFile, final Relationship failure,
                            final String what, final StreamCallback work, final UnaryOperator<FlowFile> onFailure) {
        try {
            return session.write(flowFile, work);
        } catch (final RuntimeException e) {
            final Throwable cause = rootCause(e);
            if (cause instanceof CancellationException) {
                logger.info("Stopped during {} of {}; it returns to its queue", what, flowFile);
                session.rollback();
                return null;
            }
            fail(session, logger, onFailure.apply(flowFile), failure, reason(what, cause), cause);
            return null;
        }
    }

    /** {@link #rewrite(ProcessSession, ComponentLog, FlowFile, Relationship, String, StreamCallback, UnaryOperator)} adding nothing on failure. */
    static FlowFile rewrite(final ProcessSession session, final ComponentLog logger, final FlowFile flowFile, final Relationship failure,
                            final String what, final StreamCallback work) {
        return rewrite(session, logger, flowFile, failure, what, work, UnaryOperator.identity());
    }

    /** A processor's {@code success} relationship, carrying what the description says. */
    static Relationship success(final String description) {
        return new Relationship.Builder().name("success").description(description).build();
    }

    /** A processor's {@code failure} relationship; the description says what goes there ({@code transfer.error} says why). */
    static Relationship failure(final String description) {
        return new Relationship.Builder().name("failure").description(description).build();
    }

    /** Logs the reason with the flowfile, sets {@code transfer.error} and routes the flowfile to {@code failure}. */
    static void fail(final ProcessSession session, final ComponentLog logger, final FlowFile flowFile, final Relationship failure,
                     final String reason, final Throwable cause) {
        logger.error("{} routed to failure: {}", flowFile, reason, cause);
        session.transfer(session.putAttribute(flowFile, TransferAttributes.ERROR, reason), failure);
    }
}
