package org.nifitransfer.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.nifitransfer.e2e.runtime.NiFiClient;

/**
 * The steps the main job and the pipeline benchmark share on a running NiFi: import a flow definition with its
 * parameters, run it until its results are queued, and read what its Evaluate processors wrote.
 */
final class FlowRun {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * What Evaluate sends to results for each model with its default properties: metrics, learning curve, confusion
     * matrix, predictions, heatmap gallery and block activations.
     */
    static final int RESULTS_PER_EVALUATION = 6;

    private FlowRun() {
    }

    /** A flow the running NiFi refused to start, with each invalid processor's reasons. */
    static final class InvalidFlowException extends IllegalStateException {
        InvalidFlowException(final String message) {
            super(message);
        }
    }

    /** Uploads {@code flow} as a new group under the root, sets its parameters and waits until every processor is valid. */
    static String importFlow(final NiFiClient client, final String name, final String flow, final Map<String, String> parameters)
            throws Exception {
        return importFlow(client, name, flow, parameters, 0);
    }

    /** {@link #importFlow(NiFiClient, String, String, Map)} with the group placed {@code y} below the canvas's origin. */
    static String importFlow(final NiFiClient client, final String name, final String flow, final Map<String, String> parameters,
                             final double y) throws Exception {
        final String group = client.uploadFlowDefinition(client.rootProcessGroupId(), name, flow.getBytes(StandardCharsets.UTF_8),
                0, y).path("id").asText();
        client.updateParameters(client.parameterContextId(group), parameters, Duration.ofMinutes(1));
        final StringBuilder invalid = new StringBuilder();
        for (final NiFiClient.ProcessorSummary processor : client.awaitValidation(group, Duration.ofMinutes(1))) {
            if (!processor.isValid()) {
                invalid.append(processor.name()).append(" is not valid: ").append(processor.validationErrors()).append('\n');
            }
        }
        if (!invalid.isEmpty()) {
            throw new InvalidFlowException(invalid.toString().strip());
        }
        return group;
    }

    /**
     * Starts {@code group} and waits until {@code count} flowfiles are queued for its output port {@code port}, failing
     * as soon as anything reaches {@code failures}; stops the group and returns the seconds it took.
     *
     * @param progress receives the number queued at {@code port} about every 30 s
     */
    static double runUntil(final NiFiClient client, final String group, final String port, final long count, final Duration timeout,
                           final LongConsumer progress) throws Exception {
        return run(client, group, port, timeout, progress, queued -> count)[0];
    }

    /**
     * Starts {@code group} and waits until every dataset its LoadImageFolder emits (one per split, or per shard of a split)
     * is queued for {@code port}: the number is that of LoadImageFolder's CREATE events in provenance, read once they
     * exist (it emits a run's datasets in one session). Fails as {@link #runUntil} does; returns the seconds and the count.
     */
    static double[] runUntilEveryDataset(final NiFiClient client, final String group, final String port, final Duration timeout)
            throws Exception {
        final String load = client.processors(group).stream().filter(processor -> processor.name().equals("LoadImageFolder"))
                .findFirst().orElseThrow().id();
        final long[] created = new long[1];
        return run(client, group, port, timeout, queued -> { }, queued -> {
            if (queued > 0 && created[0] == 0) {
                // provenance indexes a commit's events a moment after it: wait a little before counting them
                Thread.sleep(2000);
                created[0] = client.queryProvenance(Map.of("ProcessorID", load, "EventType", "CREATE"), 100_000, Duration.ofMinutes(1)).size();
            }
            return created[0];
        });
    }

    /** How many flowfiles a run waits for at its port, given how many are there now; 0 while that is not known yet. */
    @FunctionalInterface
    private interface Target {
        long expected(long queued) throws Exception;
    }

    /** The loop of {@link #runUntil} and {@link #runUntilEveryDataset}: the seconds it took and the number waited for. */
    private static double[] run(final NiFiClient client, final String group, final String port, final Duration timeout,
                                final LongConsumer progress, final Target target) throws Exception {
        client.startProcessGroup(group);
        final long start = System.nanoTime();
        long lastReport = start;
        while (true) {
            Thread.sleep(250);
            final List<NiFiClient.ConnectionQueue> queues = client.connectionQueues(group);
            final long results = queued(queues, port);
            final long failures = queued(queues, "failures");
            if (failures > 0) {
                client.stopProcessGroup(group);
                throw new IllegalStateException(failures + " flowfile(s) went to 'failures': " + failureReasons(client, group));
            }
            final long expected = target.expected(results);
            if (expected > 0 && results >= expected) {
                final double seconds = (System.nanoTime() - start) / 1e9;
                client.stopProcessGroup(group);
                return new double[] {seconds, expected};
            }
            final long now = System.nanoTime();
            if (now - start > timeout.toNanos()) {
                client.stopProcessGroup(group);
                throw new IllegalStateException("Only " + results + " of " + expected + " results at '" + port + "' after " + timeout);
            }
            if (now - lastReport > 30e9) {
                progress.accept(results);
                lastReport = now;
            }
        }
    }

    /** Flowfiles queued for {@code destination} in one status reading. */
    private static long queued(final List<NiFiClient.ConnectionQueue> queues, final String destination) {
        return queues.stream().filter(queue -> destination.equals(queue.target()))
                .mapToLong(NiFiClient.ConnectionQueue::flowFilesQueued).sum();
    }

    /**
     * Why the flowfiles queued at the group's {@code failures} port got there (from failure or timeout alike): each one's
     * file name and transfer.error, read from the queue.
     */
    static List<String> failureReasons(final NiFiClient client, final String group) throws Exception {
        final List<String> reasons = new java.util.ArrayList<>();
        for (final NiFiClient.ConnectionQueue queue : client.connectionQueues(group)) {
            if ("failures".equals(queue.target()) && queue.flowFilesQueued() > 0) {
                for (final Map<String, String> attributes : client.queuedAttributes(queue.id())) {
                    reasons.add(queue.sourceName() + " -> " + attributes.get("filename") + ": " + attributes.get("transfer.error"));
                }
            }
        }
        return reasons;
    }

    /**
     * Saves the results of one run (by {@code transfer.run.id}; null: of every run) of the named Evaluate processors from
     * provenance into {@code output}, and returns each evaluation's metrics JSON by its phase (head, fine-tune).
     */
    static Map<String, JsonNode> evaluations(final NiFiClient client, final String group, final List<String> evaluators, final String runId,
                                             final Path output) throws Exception {
        final Map<String, String> ids = new HashMap<>();
        client.processors(group).forEach(processor -> ids.put(processor.name(), processor.id()));
        final Map<String, JsonNode> metrics = new LinkedHashMap<>();
        for (final String evaluator : evaluators) {
            final List<NiFiClient.ProvenanceEvent> events = client.awaitProvenanceEvents(Map.of("ProcessorID", ids.get(evaluator)),
                    found -> found.stream().filter(event -> ofRun(event, runId) && event.attribute("transfer.result") != null).count() >= RESULTS_PER_EVALUATION
                            && found.stream().anyMatch(event -> ofRun(event, runId) && "ATTRIBUTES_MODIFIED".equals(event.eventType())),
                    Duration.ofMinutes(2));
            for (final NiFiClient.ProvenanceEvent event : events) {
                if (!ofRun(event, runId)) {
                    continue;
                }
                final String name = event.attribute("filename");
                if (event.attribute("transfer.result") != null || "ATTRIBUTES_MODIFIED".equals(event.eventType())) {
                    Files.write(output.resolve(name), client.provenanceOutputContent(event.eventId()));
                }
                if ("metrics".equals(event.attribute("transfer.result"))) {
                    metrics.put(event.attribute("transfer.eval.phase"), MAPPER.readTree(output.resolve(name).toFile()));
                }
            }
        }
        return metrics;
    }

    private static boolean ofRun(final NiFiClient.ProvenanceEvent event, final String runId) {
        return runId == null || runId.equals(event.attribute("transfer.run.id"));
    }

    /** Removes a folder of earlier results (the benchmark's own work folder; the main job never deletes results). */
    static void deleteTree(final Path directory) throws java.io.IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(directory)) {
            for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
