package org.nifitransfer.core.training;

import ai.djl.training.tracker.Tracker;
import java.util.Locale;
import org.nifitransfer.core.pipeline.Described;

/** How the fine-tuning learning rate changes over the updates of a phase. */
public enum LearningRateSchedule implements Described {
    CONSTANT("constant", "Constant", "The same learning rate for every update (the tutorials' choice)"),
    COSINE("cosine", "Cosine Decay", "Cosine decay from the learning rate to a hundredth of it over the phase"),
    WARM_UP_COSINE("warm-up-cosine", "Warm-Up, Cosine Decay", "A linear warm-up from zero to the learning rate over the first tenth "
            + "of the phase's updates, then cosine decay to a hundredth of it");

    private final String value;
    private final String displayName;
    private final String description;

    LearningRateSchedule(final String value, final String displayName, final String description) {
        this.value = value;
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return value;
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }

    public static LearningRateSchedule fromValue(final String value) {
        for (final LearningRateSchedule schedule : values()) {
            if (schedule.value.equals(value.toLowerCase(Locale.ROOT))) {
                return schedule;
            }
        }
        throw new IllegalArgumentException("Unknown learning-rate schedule '" + value + "': expected constant, cosine or warm-up-cosine");
    }

    /** The tracker for {@code updates} optimizer steps starting at {@code rate}. */
    public Tracker tracker(final float rate, final long updates) {
        if (this == CONSTANT || updates <= 1) {
            return Tracker.fixed(rate);
        }
        final int steps = (int) Math.min(Integer.MAX_VALUE, updates);
        if (this == COSINE) {
            return cosine(rate, steps);
        }
        // DJL's warm-up hands the updates after it to the main tracker counted from 0: the cosine spans what is left
        final int warmUp = Math.max(1, steps / 10);
        return Tracker.warmUp().setMainTracker(cosine(rate, steps - warmUp)).optWarmUpSteps(warmUp).optWarmUpBeginValue(0f).build();
    }

    private static Tracker cosine(final float rate, final int steps) {
        return Tracker.cosine().setBaseValue(rate).optFinalValue(rate / 100f).setMaxUpdates(steps).build();
    }
}
