package org.nifitransfer.core.training;

/**
 * The lock trainings in one process take turns on. DJL's PyTorch engine allows one gradient collector per process
 * at a time ("Only one can be collecting at a time"), and PyTorch's random generator (initialisation, dropout) is
 * process-wide, so two trainings running together — two NiFi processors, two runs — hold this lock while they seed
 * and initialise, and for every batch: they interleave batch by batch, and each stays reproducible from its own seed.
 */
public final class TrainingLock {

    static final Object LOCK = new Object();

    private TrainingLock() {
    }

    /**
     * Runs {@code work} holding the lock: for work outside training that collects gradients (Grad-CAM), so it never
     * opens a second gradient collector beside a training's.
     */
    public static <T> T whileNotTraining(final java.util.function.Supplier<T> work) {
        synchronized (LOCK) {
            return work.get();
        }
    }

    /** The seed of one batch's random draws (dropout): a SplitMix64 mix of the training seed, epoch and batch. */
    static int batchSeed(final long seed, final int epoch, final long batch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch * 1_000_003L + batch + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) ((z ^ (z >>> 31)) & 0x7FFFFFFF);
    }
}
