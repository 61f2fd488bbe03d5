package org.nifitransfer.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nifitransfer.e2e.runtime.NiFiClient;

/**
 * Follows one run of the cats-vs-dogs template in a running NiFi and prints one line per change: which processor is
 * working, each processor's progress from its state (View State: images done, epoch, batch, loss, accuracy), every new
 * bulletin, and every change in a processor's validity. It ends when both evaluations of the run are in provenance
 * (saving every result into a folder of the run's own), when something of the run reaches {@code failures}, or when
 * nothing has moved for the stall time (saying what the flow waits for); it never stops NiFi.
 */
final class RunMonitor {

    /** How a run ended. */
    enum Outcome { DONE, FAILED, STALLED }

    static final List<String> EVALUATORS = List.of("Evaluate Head Model", "Evaluate Fine-Tuned Model");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration POLL = Duration.ofSeconds(1);

    private final NiFiClient client;
    private final String group;
    private final PrintStream out;
    private final Duration stall;
    private final long started = System.nanoTime();
    private final Map<String, String> lastLines = new HashMap<>();
    private long lastBulletin = -1;
    private String runId;
    private Path results;
    private final Map<String, JsonNode> metrics = new LinkedHashMap<>();

    RunMonitor(final NiFiClient client, final String group, final PrintStream out, final Duration stall) {
        this.client = client;
        this.group = group;
        this.out = out;
        this.stall = stall;
    }

    String runId() {
        return runId;
    }

    /** The folder the run's results were saved in. */
    Path results() {
        return results;
    }

    /** Each evaluation's metrics by phase (head, fine-tune), once {@link #follow} returned DONE. */
    Map<String, JsonNode> metrics() {
        return metrics;
    }

    /** Follows the run until it is done, fails or stalls; results are saved below {@code output/<run id>/}. */
    Outcome follow(final Path output) throws Exception {
        final Map<String, String> ids = new LinkedHashMap<>();
        final Map<String, String> names = new HashMap<>();
        client.processors(group).forEach(processor -> {
            ids.put(processor.name(), processor.id());
            names.put(processor.id(), processor.name());
        });
        String signature = "";
        long lastChange = System.nanoTime();
        long lastResultCheck = 0;
        while (true) {
            final StringBuilder now = new StringBuilder();
            for (final NiFiClient.ProcessorSummary processor : client.processors(group)) {
                final boolean invalid = !processor.isValid() && !processor.validationErrors().isEmpty();
                final String key = processor.name() + "/validity";
                report(key, processor.name() + (invalid ? " is INVALID: " + String.join("; ", processor.validationErrors()) : " is valid"),
                        invalid || lastLines.containsKey(key));
            }
            final Map<String, Integer> threads = client.activeThreads(group);
            final List<String> working = new ArrayList<>();
            threads.forEach((id, count) -> {
                if (count > 0) {
                    working.add(names.getOrDefault(id, id));
                }
            });
            report("working", "working: " + (working.isEmpty() ? "nothing" : String.join(", ", working)), true);
            now.append(working);
            for (final Map.Entry<String, String> processor : ids.entrySet()) {
                final String line = describe(client.processorState(processor.getValue()));
                if (line != null) {
                    report(processor.getKey() + "/state", processor.getKey() + ": " + line, true);
                    now.append(line);
                }
            }
            for (final NiFiClient.Bulletin bulletin : client.bulletins(group, lastBulletin)) {
                out.println(stamp() + "BULLETIN " + bulletin.level() + " " + bulletin.sourceName() + ": " + bulletin.message());
                lastBulletin = Math.max(lastBulletin, bulletin.id());
                now.append(bulletin.id());
            }
            final List<NiFiClient.ConnectionQueue> queues = client.connectionQueues(group);
            final Map<String, Long> queued = new TreeMap<>();
            queues.forEach(queue -> queued.merge(queue.target(), queue.flowFilesQueued(), Long::sum));
            queued.values().removeIf(count -> count == 0);
            report("queues", "queued: " + queued, true);
            now.append(queued);
            if (queued.getOrDefault("failures", 0L) > 0) {
                out.println(stamp() + "Something went to 'failures': " + String.join("\n    ", FlowRun.failureReasons(client, group)));
                return Outcome.FAILED;
            }
            if (runId == null) {
                final String loaded = client.processorState(ids.get("LoadImageFolder")).get("run.id");
                runId = loaded == null || loaded.isBlank() ? null : loaded;
                if (runId != null) {
                    out.println(stamp() + "run " + runId);
                }
            }
            if (runId != null && System.nanoTime() - lastResultCheck > 5e9) {
                lastResultCheck = System.nanoTime();
                if (evaluationsDone(ids)) {
                    results = Files.createDirectories(output.resolve(runId));
                    metrics.putAll(FlowRun.evaluations(client, group, EVALUATORS, runId, results));
                    return Outcome.DONE;
                }
            }
            if (!now.toString().equals(signature) || !working.isEmpty()) {
                signature = now.toString();
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > stall.toNanos()) {
                out.println(stamp() + "No progress for " + (stall.toMinutes() > 0 ? stall.toMinutes() + " min" : stall.toSeconds() + " s")
                        + " and nothing is working. The flow waits with " + queued
                        + "; the bulletins above say what each processor waits for. NiFi stays up for inspection.");
                return Outcome.STALLED;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private boolean evaluationsDone(final Map<String, String> ids) throws Exception {
        for (final String evaluator : EVALUATORS) {
            final boolean found = client.queryProvenance(Map.of("ProcessorID", ids.get(evaluator)), 100, Duration.ofSeconds(30)).stream()
                    .anyMatch(event -> "metrics".equals(event.attribute("transfer.result")) && runId.equals(event.attribute("transfer.run.id")));
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** One line about a processor's state, or null when it has nothing to say. */
    static String describe(final Map<String, String> state) {
        if (state.isEmpty()) {
            return null;
        }
        if (state.containsKey("outcome")) {
            return state.get("outcome");
        }
        if (state.containsKey("epoch")) {
            return String.format(Locale.ROOT, "%s %s epoch %s, batch %s, loss %s, accuracy %s", state.getOrDefault("status", ""),
                    state.getOrDefault("phase", ""), state.get("epoch"), state.getOrDefault("batch", "?"), state.getOrDefault("loss", "?"),
                    state.getOrDefault("accuracy", "?")).strip();
        }
        if (state.containsKey("images.done")) {
            return state.getOrDefault("split", "") + " images done: " + state.get("images.done")
                    + (state.containsKey("images.total") ? " of " + state.get("images.total") : "");
        }
        return state.toString();
    }

    private void report(final String key, final String line, final boolean print) {
        if (!line.equals(lastLines.get(key))) {
            lastLines.put(key, line);
            if (print) {
                out.println(stamp() + line);
            }
        }
    }

    private String stamp() {
        final long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        return String.format(Locale.ROOT, "[%02d:%02d] ", seconds / 60, seconds % 60);
    }
}
