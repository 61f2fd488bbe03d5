package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiCluster;

/**
 * templates/cats-vs-dogs.json on a real 3-node NiFi 2.3.0 cluster ({@link NiFiCluster}), on generated stripes in shards
 * of {@value #IMAGES_PER_SHARD} images: the shards spread over the nodes (each resized and extracted exactly once, by
 * more than one node, as provenance names them), every run gathers on one node for training and evaluation, the same
 * flow with load balancing turned off (every shard on one node, two concurrent tasks in each shard-by-shard processor)
 * gives the same test results, and a node killed with
 * SIGKILL in the middle of extraction and restarted leaves a run that completes with the same results, nothing lost and
 * nothing taken twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTemplateIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int NODES = 3;
    private static final int IMAGES_PER_SHARD = 10;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
    private static final List<String> EVALUATORS = List.of("Evaluate Head Model", "Evaluate Fine-Tuned Model");
    /**
     * 60 training images per class (a tenth carved for validation: 108 train, 12 validation) and 20 test images per class:
     * 11 train, 2 validation and 4 test shards.
     */
    private static final Map<String, Integer> SHARDS = Map.of("train", 11, "validation", 2, "test", 4);

    @TempDir
    static Path temporary;

    private static Path project;
    private static NiFiCluster cluster;
    private static NiFiClient client;
    private static Path images;
    private static Results balanced;

    /** What a run of the template gave: each evaluation's test accuracy and predictions CSV, by phase. */
    private record Results(Map<String, String> accuracies, Map<String, String> predictions) {
    }

    @BeforeAll
    static void startCluster() throws Exception {
        project = Path.of(System.getProperty("transfer.project.dir", "..")).toAbsolutePath().normalize();
        images = CatsVsDogsTemplateIT.writeStripes(temporary.resolve("stripes"), 60, 0, 20);
        cluster = NiFiCluster.builder().name("ClusterTemplateIT").nodes(NODES).build();
        cluster.start();
        client = cluster.client();
        System.out.printf("ClusterTemplateIT: %d nodes formed in %d ms%n", NODES, cluster.lastStartupTime().toMillis());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Map<String, String> parameters(final Path data) {
        final Map<String, String> values = new HashMap<>();
        values.put("data.directory", data.toString());
        values.put("base.model", project.resolve("fixtures/models/tiny_base.pt").toString());
        values.put("normalization.preset", "zero-one");
        values.put("image.size", "64");
        values.put("head.epochs", "40");
        values.put("fine.tune.learning.rate", "0.001");
        values.put("fine.tune.epochs", "2");
        values.put("images.per.shard", String.valueOf(IMAGES_PER_SHARD));
        values.put("device", "cpu");
        return values;
    }

    private static String template() throws Exception {
        return Files.readString(project.resolve("templates/cats-vs-dogs.json"), StandardCharsets.UTF_8);
    }

    private static Map<String, String> processorIds(final String group) throws Exception {
        return client.processors(group).stream().collect(Collectors.toMap(NiFiClient.ProcessorSummary::name, NiFiClient.ProcessorSummary::id));
    }

    @Test
    @Order(1)
    void theShardsSpreadOverTheNodesAndEachRunTrainsOnOne() throws Exception {
        final String group = FlowRun.importFlow(client, "cluster", template(), parameters(images));
        final double seconds = FlowRun.runUntil(client, group, "results", 2L * FlowRun.RESULTS_PER_EVALUATION, RUN_TIMEOUT, queued -> { });
        final Map<String, String> ids = processorIds(group);

        final Set<String> preparedOn = new TreeSet<>();
        for (final String processor : List.of("ResizeAndNormalize", "ExtractFeatures")) {
            final List<NiFiClient.ProvenanceEvent> events = client.queryProvenance(Map.of("ProcessorID", ids.get(processor),
                    "EventType", "CONTENT_MODIFIED"), 1000, Duration.ofMinutes(1));
            final Map<String, List<String>> nodesByShard = new TreeMap<>();
            for (final NiFiClient.ProvenanceEvent event : events) {
                nodesByShard.computeIfAbsent(event.attribute("transfer.split") + " " + event.attribute("fragment.index") + "/"
                        + event.attribute("fragment.count"), shard -> new ArrayList<>()).add(event.clusterNodeAddress());
            }
            final Map<String, Integer> expected = processor.equals("ExtractFeatures")
                    ? Map.of("train", SHARDS.get("train"), "validation", SHARDS.get("validation")) : SHARDS;
            assertEquals(expected.values().stream().mapToInt(Integer::intValue).sum(), nodesByShard.size(), processor + ": " + nodesByShard);
            for (final Map.Entry<String, Integer> split : expected.entrySet()) {
                for (int index = 0; index < split.getValue(); index++) {
                    final List<String> nodes = nodesByShard.get(split.getKey() + " " + index + "/" + split.getValue());
                    assertTrue(nodes != null && nodes.size() == 1, processor + " processed " + split.getKey() + " shard " + index
                            + " on " + nodes + " (exactly once expected)");
                }
            }
            final Map<String, Long> perNode = nodesByShard.values().stream().flatMap(List::stream)
                    .collect(Collectors.groupingBy(node -> node, TreeMap::new, Collectors.counting()));
            System.out.printf("ClusterTemplateIT: %s shards per node %s%n", processor, perNode);
            assertTrue(perNode.size() > 1, processor + " ran on one node only: " + perNode);
            preparedOn.addAll(perNode.keySet());
        }
        // the joins of the run all ran on one node: the partition of its run id
        final Set<String> trainedOn = new TreeSet<>();
        for (final String join : List.of("TrainHead", "FineTune", "Evaluate Head Model", "Evaluate Fine-Tuned Model")) {
            final List<NiFiClient.ProvenanceEvent> joins = client.queryProvenance(Map.of("ProcessorID", ids.get(join), "EventType", "JOIN"),
                    100, Duration.ofMinutes(1));
            assertTrue(!joins.isEmpty(), join + " joined nothing");
            joins.forEach(event -> trainedOn.add(event.clusterNodeAddress()));
            if (join.equals("TrainHead")) {
                assertEquals(SHARDS.get("train") + SHARDS.get("validation"), joins.getFirst().raw().path("parentUuids").size(),
                        "TrainHead joined every train and validation shard, each once");
            }
        }
        assertEquals(1, trainedOn.size(), "one node trains and evaluates the run: " + trainedOn);
        assertTrue(preparedOn.size() > 1);
        balanced = results(group);
        System.out.printf("ClusterTemplateIT: the template on %d nodes in %.1f s, test accuracy %s%n", NODES, seconds, balanced.accuracies());
        assertEquals(Set.of("head", "fine-tune"), balanced.accuracies().keySet());
        assertTrue(Double.parseDouble(balanced.accuracies().get("head")) > 0.6, "head accuracy " + balanced.accuracies());
    }

    @Test
    @Order(2)
    void theSameRunOnOneNodeGivesTheSameResults() throws Exception {
        // the template with every load-balanced connection turned off: LoadImageFolder's node does everything
        final String oneNode = template().replace("\"ROUND_ROBIN\"", "\"DO_NOT_LOAD_BALANCE\"")
                .replace("\"PARTITION_BY_ATTRIBUTE\"", "\"DO_NOT_LOAD_BALANCE\"");
        assertNotEquals(template(), oneNode);
        final String group = FlowRun.importFlow(client, "one node", oneNode, parameters(images), 400);
        // and the shard-by-shard processors with two concurrent tasks each, on that one node
        final Map<String, String> processors = processorIds(group);
        for (final String processor : List.of("ResizeAndNormalize", "Augment", "ExtractFeatures")) {
            updateConfig(processors.get(processor), "concurrentlySchedulableTaskCount", 2);
        }
        FlowRun.runUntil(client, group, "results", 2L * FlowRun.RESULTS_PER_EVALUATION, RUN_TIMEOUT, queued -> { });
        final Map<String, String> ids = processorIds(group);
        final Set<String> nodes = new TreeSet<>();
        for (final String processor : List.of("ResizeAndNormalize", "ExtractFeatures", "TrainHead", "FineTune")) {
            client.queryProvenance(Map.of("ProcessorID", ids.get(processor)), 1000, Duration.ofMinutes(1))
                    .forEach(event -> nodes.add(event.clusterNodeAddress()));
        }
        assertEquals(1, nodes.size(), "everything on one node: " + nodes);
        final Results single = results(group);
        System.out.printf("ClusterTemplateIT: the same run on one node, test accuracy %s%n", single.accuracies());
        assertEquals(balanced.accuracies(), single.accuracies());
        assertEquals(balanced.predictions(), single.predictions(), "the same prediction for every test image");
    }

    @Test
    @Order(3)
    void aNodeKilledDuringExtractionRestartsAndTheRunCompletesWithNothingLostOrDoubled() throws Exception {
        final String group = FlowRun.importFlow(client, "node killed", template(), parameters(images), 800);
        final Map<String, String> ids = processorIds(group);
        // one shard per node every 2 s, so extraction lasts long enough to kill a node in the middle of it
        updateConfig(ids.get("ExtractFeatures"), "schedulingPeriod", "2 sec");
        final int primary = cluster.nodeWithRole(NiFiClient.ClusterNode.PRIMARY_NODE);
        final String extractInput = connectionInto(group, "ExtractFeatures");
        client.startProcessGroup(group);
        final long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        int victim = -1;
        while (victim < 0) {
            assertTrue(System.nanoTime() < deadline, "extraction never reached a point where a node held shards to extract");
            Thread.sleep(200);
            if (processorOut(ids.get("ExtractFeatures")) == 0) {
                continue;
            }
            final Map<String, Long> queued = client.connectionQueuedByNode(extractInput);
            for (int index = 2; index <= NODES && victim < 0; index++) {
                final String address = "127.0.0.1:" + cluster.node(index).port();
                // never node 1 (ZooKeeper) or the primary (LoadImageFolder); a node that holds shards still to extract
                if (index != primary && queued.getOrDefault(address, 0L) > 0) {
                    victim = index;
                }
            }
        }
        final long extractedBefore = processorOut(ids.get("ExtractFeatures"));
        System.out.printf("ClusterTemplateIT: killing node %d with %d shard(s) extracted so far and %s queued for ExtractFeatures%n",
                victim, extractedBefore, client.connectionQueuedByNode(extractInput));
        cluster.kill(victim);
        cluster.awaitNodeStatus(victim, "DISCONNECTED", Duration.ofSeconds(90));
        cluster.restart(victim);
        client = cluster.client();

        final long needed = 2L * FlowRun.RESULTS_PER_EVALUATION;
        while (queued(group, "results") < needed) {
            assertTrue(System.nanoTime() < deadline, "only " + queued(group, "results") + " of " + needed + " results after the restart: "
                    + client.connectionQueues(group));
            assertEquals(0, queued(group, "failures"), () -> "went to failures: " + failureReasons(group));
            Thread.sleep(500);
        }
        client.stopProcessGroup(group);
        assertEquals(0, queued(group, "failures"), () -> "went to failures: " + failureReasons(group));
        final List<NiFiClient.ProvenanceEvent> heads = client.queryProvenance(Map.of("ProcessorID", ids.get("TrainHead"), "EventType", "JOIN"),
                100, Duration.ofMinutes(1));
        assertEquals(1, heads.size(), "one head model");
        assertEquals(SHARDS.get("train") + SHARDS.get("validation"), heads.getFirst().raw().path("parentUuids").size(),
                "TrainHead joined every train and validation shard once");
        final Results afterKill = results(group);
        System.out.printf("ClusterTemplateIT: with node %d killed and restarted during extraction, test accuracy %s%n", victim,
                afterKill.accuracies());
        assertEquals(balanced.accuracies(), afterKill.accuracies());
        assertEquals(balanced.predictions(), afterKill.predictions(), "the same prediction for every test image");
    }

    /** The test accuracy and predictions CSV of both evaluations of the group's one run, from provenance. */
    private static Results results(final String group) throws Exception {
        final Map<String, String> ids = processorIds(group);
        final Map<String, String> accuracies = new TreeMap<>();
        final Map<String, String> predictions = new TreeMap<>();
        for (final String evaluator : EVALUATORS) {
            final List<NiFiClient.ProvenanceEvent> events = client.awaitProvenanceEvents(Map.of("ProcessorID", ids.get(evaluator)),
                    found -> found.stream().anyMatch(event -> "metrics".equals(event.attribute("transfer.result")))
                            && found.stream().anyMatch(event -> "predictions".equals(event.attribute("transfer.result"))), Duration.ofMinutes(1));
            final NiFiClient.ProvenanceEvent metrics = events.stream().filter(event -> "metrics".equals(event.attribute("transfer.result")))
                    .findFirst().orElseThrow();
            final String phase = metrics.attribute("transfer.eval.phase");
            accuracies.put(phase, metrics.attribute("transfer.eval.accuracy"));
            final NiFiClient.ProvenanceEvent csv = events.stream().filter(event -> "predictions".equals(event.attribute("transfer.result")))
                    .findFirst().orElseThrow();
            final String content = new String(client.provenanceOutputContent(csv.eventId(), csv.clusterNodeId()), StandardCharsets.UTF_8);
            assertEquals(41, content.strip().split("\n").length, "a header and one row per test image: " + content);
            predictions.put(phase, content);
        }
        return new Results(accuracies, predictions);
    }

    /** Sets one field of a processor's configuration (its group stopped). */
    private static void updateConfig(final String processorId, final String field, final Object value) throws Exception {
        final JsonNode entity = client.get("/processors/" + processorId);
        final ObjectNode body = MAPPER.createObjectNode();
        body.set("revision", client.revision(entity));
        final ObjectNode config = body.putObject("component").put("id", processorId).putObject("config");
        if (value instanceof Integer number) {
            config.put(field, number);
        } else {
            config.put(field, value.toString());
        }
        final JsonNode updated = client.put("/processors/" + processorId, body);
        assertEquals(value.toString(), updated.path("component").path("config").path(field).asText(), field + " of " + processorId);
    }

    private static String connectionInto(final String group, final String destination) throws Exception {
        return client.connectionQueues(group).stream().filter(queue -> destination.equals(queue.target())).findFirst().orElseThrow().id();
    }

    /** Flowfiles a processor sent out in the last five minutes, over the whole cluster. */
    private static long processorOut(final String processorId) throws Exception {
        return client.get("/flow/processors/" + processorId + "/status").path("processorStatus").path("aggregateSnapshot")
                .path("flowFilesOut").asLong();
    }

    private static long queued(final String group, final String destination) throws Exception {
        return client.connectionQueues(group).stream().filter(queue -> destination.equals(queue.target()))
                .mapToLong(NiFiClient.ConnectionQueue::flowFilesQueued).sum();
    }

    private static String failureReasons(final String group) {
        try {
            return FlowRun.failureReasons(client, group).toString();
        } catch (final Exception e) {
            return "(could not read them: " + e + ")";
        }
    }
}
