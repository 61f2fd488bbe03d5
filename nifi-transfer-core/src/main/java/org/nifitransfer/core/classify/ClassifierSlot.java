package org.nifitransfer.core.classify;

import java.util.Objects;
import java.util.Optional;

/**
 * The classifier in use, shared by many threads, replaceable while they use it.
 *
 * <p>A thread {@link #acquire() acquires} a lease, classifies with it and closes it. {@link #install} makes a new
 * classifier current at once: leases taken before keep the old one, which closes when the last of them is closed;
 * leases taken after get the new one. No thread ever uses a closed classifier, and no classifier stays open once it
 * is neither current nor leased.
 *
 * <pre>{@code
 * try (ClassifierSlot.Lease lease = slot.acquire()) {
 *     if (lease == null) { ... no model yet ... }
 *     List<Classification> answers = lease.classifier().classify(images);
 * }
 * }</pre>
 */
public final class ClassifierSlot implements AutoCloseable {

    private Holder current;

    /** The current classifier, leased until the lease is closed; null when none is installed. */
    public synchronized Lease acquire() {
        if (current == null) {
            return null;
        }
        current.users++;
        return new Lease(current);
    }

    /** Makes {@code classifier} current; the previous one closes once no lease holds it. */
    public void install(final ImageClassifier classifier) {
        Objects.requireNonNull(classifier, "classifier");
        final Holder previous;
        synchronized (this) {
            previous = current;
            current = new Holder(classifier);
        }
        retire(previous);
    }

    /** The current classifier's model, without leasing it (for reports). */
    public synchronized Optional<ImageClassifier> peek() {
        return current == null ? Optional.empty() : Optional.of(current.classifier);
    }

    /** Removes the current classifier; it closes once no lease holds it. */
    @Override
    public void close() {
        final Holder previous;
        synchronized (this) {
            previous = current;
            current = null;
        }
        retire(previous);
    }

    private void retire(final Holder holder) {
        if (holder == null) {
            return;
        }
        final boolean closeNow;
        synchronized (this) {
            holder.retired = true;
            closeNow = holder.users == 0;
        }
        if (closeNow) {
            holder.classifier.close();
        }
    }

    private void release(final Holder holder) {
        final boolean closeNow;
        synchronized (this) {
            holder.users--;
            closeNow = holder.retired && holder.users == 0;
        }
        if (closeNow) {
            holder.classifier.close();
        }
    }

    /** A classifier and how many leases hold it. */
    private static final class Holder {
        private final ImageClassifier classifier;
        private int users;
        private boolean retired;

        private Holder(final ImageClassifier classifier) {
            this.classifier = classifier;
        }
    }

    /** The use of one classifier until closed; close it exactly once. */
    public final class Lease implements AutoCloseable {
        private final Holder holder;
        private boolean closed;

        private Lease(final Holder holder) {
            this.holder = holder;
        }

        /** The classifier; valid until this lease is closed. */
        public ImageClassifier classifier() {
            if (closed) {
                throw new IllegalStateException("The lease is closed");
            }
            return holder.classifier;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(holder);
            }
        }
    }
}
