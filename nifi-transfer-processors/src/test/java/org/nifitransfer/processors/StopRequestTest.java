package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

/**
 * A processor that is no longer scheduled (the user pressed Stop) ends its work between images and rolls
 * the session back: the flowfile returns to its queue, unchanged, and nothing is transferred.
 */
class StopRequestTest {

    private static byte[] dataset() {
        final Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            files.put((i % 2 == 0 ? "a" : "b") + "/img" + i + ".png", TestImages.stripes(i % 2, i, 16, 16, "png"));
        }
        return TestDatasets.images("train", files);
    }

    private static void assertReturnedToQueue(final TestRunner runner, final byte[] input, final String expectedCount) {
        runner.enqueue(input, TestDatasets.attributes("train"));
        // run once without the scheduling lifecycle: isScheduled() is false, as after a stop request
        runner.run(1, true, false);
        runner.assertTransferCount("success", 0);
        runner.assertTransferCount("failure", 0);
        runner.assertQueueNotEmpty();
        assertEquals(1, runner.getQueueSize().getObjectCount());
        assertEquals(0, runner.getProvenanceEvents().size());
        // started again, it processes the same flowfile in full
        runner.run();
        runner.assertAllFlowFilesTransferred("success", 1);
        runner.getFlowFilesForRelationship("success").getFirst().assertAttributeEquals(TransferAttributes.COUNT, expectedCount);
    }

    @Test
    void resizeAndNormalizeReturnsItsInputToTheQueue() {
        assertReturnedToQueue(TestRunners.newTestRunner(ResizeAndNormalize.class), dataset(), "6");
    }

    @Test
    void materialisingAugmentReturnsItsInputToTheQueue() {
        final TestRunner runner = TestRunners.newTestRunner(Augment.class);
        runner.setProperty(Augment.MODE, Augment.Mode.MATERIALIZE);
        assertReturnedToQueue(runner, dataset(), "36");
    }
}
