package org.nifitransfer.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    private static final float RATE = 1e-4f;

    @Test
    void constantKeepsTheRate() {
        final Tracker tracker = LearningRateSchedule.CONSTANT.tracker(RATE, 100);
        assertEquals(RATE, tracker.getNewValue(0), 1e-12);
        assertEquals(RATE, tracker.getNewValue(99), 1e-12);
    }

    @Test
    void cosineFallsFromTheRateToAHundredthOfIt() {
        final Tracker tracker = LearningRateSchedule.COSINE.tracker(RATE, 100);
        assertEquals(RATE, tracker.getNewValue(0), 1e-9);
        assertEquals((RATE + RATE / 100) / 2, tracker.getNewValue(50), 1e-6);
        assertEquals(RATE / 100, tracker.getNewValue(100), 1e-9);
        for (int update = 1; update <= 100; update++) {
            assertTrue(tracker.getNewValue(update) <= tracker.getNewValue(update - 1), "falls at update " + update);
        }
    }

    @Test
    void warmUpClimbsOverTheFirstTenthThenFallsByCosineToAHundredth() {
        final Tracker tracker = LearningRateSchedule.WARM_UP_COSINE.tracker(RATE, 100);
        assertTrue(tracker.getNewValue(1) < RATE / 5, "starts low: " + tracker.getNewValue(1));
        for (int update = 1; update <= 10; update++) {
            assertTrue(tracker.getNewValue(update) > tracker.getNewValue(update - 1), "climbs at update " + update);
        }
        assertEquals(RATE, tracker.getNewValue(10), 1e-9, "the rate once warm");
        final Tracker rest = LearningRateSchedule.COSINE.tracker(RATE, 90);
        for (int update = 10; update <= 100; update++) {
            assertEquals(rest.getNewValue(update - 10), tracker.getNewValue(update), 1e-9, "a cosine over the other 90 updates, at " + update);
        }
        assertEquals(RATE / 100, tracker.getNewValue(100), 1e-9);
    }

    @Test
    void aSingleUpdateGetsTheRate() {
        for (final LearningRateSchedule schedule : LearningRateSchedule.values()) {
            assertEquals(RATE, schedule.tracker(RATE, 1).getNewValue(0), 1e-12, schedule.getValue());
        }
    }

    @Test
    void aWarmUpOverAFewUpdatesStillTrainsAtEveryOne() {
        // the default schedule on a small dataset: every update an optimizer counts (from 1) gets a rate above zero, at most the rate
        for (int updates = 2; updates <= 12; updates++) {
            final Tracker tracker = LearningRateSchedule.WARM_UP_COSINE.tracker(RATE, updates);
            for (int update = 1; update <= updates; update++) {
                final float value = tracker.getNewValue(update);
                assertTrue(value > 0 && value <= RATE * (1 + 1e-6), "update " + update + " of " + updates + ": " + value);
            }
        }
    }

    @Test
    void valuesAreReadCaseInsensitively() {
        assertEquals(LearningRateSchedule.WARM_UP_COSINE, LearningRateSchedule.fromValue("Warm-Up-Cosine"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.fromValue("step")).getMessage()
                .contains("constant, cosine or warm-up-cosine"));
    }
}
