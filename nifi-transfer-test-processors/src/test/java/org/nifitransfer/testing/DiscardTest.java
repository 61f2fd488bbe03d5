package org.nifitransfer.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

class DiscardTest {

    @Test
    void removesAtMostOneBatchPerRunWithADropEventEach() {
        final TestRunner runner = TestRunners.newTestRunner(Discard.class);
        runner.setProperty(Discard.BATCH_SIZE, "2");
        runner.enqueue("a");
        runner.enqueue("b");
        runner.enqueue("c");
        runner.run();
        assertEquals(1, runner.getQueueSize().getObjectCount(), "one batch of two per run");
        runner.run();
        runner.assertQueueEmpty();
        final List<ProvenanceEventRecord> events = runner.getProvenanceEvents();
        assertEquals(3, events.size());
        assertEquals(List.of(ProvenanceEventType.DROP), events.stream().map(ProvenanceEventRecord::getEventType).distinct().toList());
    }
}
