package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiClient.ClusterNode;
import org.nifitransfer.e2e.runtime.NiFiClient.ClusterSummary;
import org.nifitransfer.e2e.runtime.NiFiClient.ProcessorType;
import org.nifitransfer.e2e.runtime.NiFiClient.ProvenanceEvent;
import org.nifitransfer.e2e.runtime.NiFiCluster;
import org.nifitransfer.e2e.runtime.TcpSockets;

/**
 * A real 3-node NiFi 2.3.0 cluster on 127.0.0.1 ({@link NiFiCluster}): it forms with one primary node and one
 * coordinator, a ROUND_ROBIN load-balanced connection spreads flowfiles over the nodes (each taken exactly once, as
 * provenance shows per node), and a node killed with SIGKILL is reported disconnected and rejoins after a restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NiFiClusterIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int NODES = 3;
    private static final int FLOWFILES = 30;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String EMIT_FILES = "org.nifitransfer.testing.EmitFiles";
    private static final String DISCARD = "org.nifitransfer.testing.Discard";

    private static NiFiCluster cluster;
    private static NiFiClient client;
    private static Path input;
    private static String groupId;
    private static String emitFilesId;
    private static String discardId;

    @TempDir
    static Path temporary;

    @BeforeAll
    static void startCluster() throws IOException, InterruptedException {
        cluster = NiFiCluster.builder().name("NiFiClusterIT").nodes(NODES).testExtensions(true).build();
        cluster.start();
        client = cluster.client();
        final StringBuilder memory = new StringBuilder();
        for (int index = 1; index <= NODES; index++) {
            memory.append(String.format(" node%d %d MB", index, cluster.node(index).residentSetSizeBytes() >> 20));
        }
        System.out.printf("NiFi cluster of %d nodes formed in %d ms; resident memory:%s%n", NODES,
                cluster.lastStartupTime().toMillis(), memory);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void formsWithOnePrimaryAndOneCoordinator() throws IOException, InterruptedException {
        final ClusterSummary summary = client.clusterSummary();
        assertTrue(summary.clustered() && summary.connectedToCluster(), summary.toString());
        assertEquals(NODES, summary.connectedNodeCount(), summary.toString());
        assertEquals(NODES, summary.totalNodeCount(), summary.toString());

        final List<ClusterNode> nodes = cluster.nodes();
        assertEquals(NODES, nodes.size(), nodes.toString());
        assertTrue(nodes.stream().allMatch(ClusterNode::isConnected), nodes.toString());
        assertEquals(1, nodes.stream().filter(ClusterNode::isPrimary).count(), nodes.toString());
        assertEquals(1, nodes.stream().filter(ClusterNode::isCoordinator).count(), nodes.toString());
        assertEquals(IntStream.rangeClosed(1, NODES).boxed().collect(Collectors.toSet()),
                nodes.stream().map(cluster::indexOf).collect(Collectors.toSet()), "each of our processes is one node: " + nodes);
        for (int index = 1; index <= NODES; index++) {
            assertEquals("2.3.0", cluster.node(index).client().about().path("version").asText());
            // NiFi 2.3.0 binds its cluster protocol listener to every interface (new ServerSocket(port), no setting for the
            // address); every other socket, listening or connected, stays on 127.0.0.1
            final int protocolPort = cluster.node(index).clusterNode().protocolPort();
            final List<TcpSockets.Socket> outside = cluster.node(index).tcpSockets().stream()
                    .filter(socket -> !socket.isLoopbackOnly())
                    .filter(socket -> !(socket.isListening() && socket.localPort() == protocolPort))
                    .toList();
            assertTrue(outside.isEmpty(), "node " + index + " has sockets beyond 127.0.0.1: " + outside);
        }
    }

    @Test
    @Order(2)
    void roundRobinSpreadsFlowFilesOverTheNodesEachExactlyOnce() throws IOException, InterruptedException {
        final Map<String, ProcessorType> types = client.awaitProcessorTypes(List.of(EMIT_FILES, DISCARD), WAIT);
        input = Files.createDirectories(temporary.resolve("input"));
        final List<String> items = writeItems(0, FLOWFILES);
        groupId = client.uploadFlowDefinition(client.rootProcessGroupId(), "NiFiClusterIT",
                MAPPER.writeValueAsBytes(roundRobinFlow(types.get(EMIT_FILES), types.get(DISCARD), input)), 0, 0).path("id").asText();
        assertTrue(client.awaitValidation(groupId, WAIT).stream().allMatch(NiFiClient.ProcessorSummary::isValid),
                () -> "invalid processors: " + processorsQuietly(groupId));
        discardId = client.processors(groupId).stream().filter(p -> p.type().equals(DISCARD)).findFirst().orElseThrow().id();
        emitFilesId = client.processors(groupId).stream().filter(p -> p.type().equals(EMIT_FILES)).findFirst().orElseThrow().id();

        client.startProcessGroup(groupId);
        final List<ProvenanceEvent> drops = client.awaitProvenanceEvents(Map.of("ProcessorID", discardId, "EventType", "DROP"),
                events -> events.size() >= FLOWFILES, WAIT);
        client.stopProcessGroup(groupId);

        final Map<String, List<ProvenanceEvent>> byNode = NiFiClient.eventsByNode(drops);
        final Map<String, Integer> counts = new TreeMap<>();
        byNode.forEach((node, events) -> counts.put(node, events.size()));
        System.out.println("DROP events per node of the ROUND_ROBIN connection: " + counts);
        final Map<String, Long> perItem = drops.stream().collect(Collectors.groupingBy(event -> event.attribute("filename"),
                TreeMap::new, Collectors.counting()));
        assertEquals(items, List.copyOf(perItem.keySet()), "every item arrived");
        assertTrue(perItem.values().stream().allMatch(count -> count == 1), "each item exactly once: " + perItem);
        final List<String> addresses = cluster.nodes().stream().map(ClusterNode::apiAddress).toList();
        assertTrue(addresses.containsAll(byNode.keySet()), "events name the cluster's nodes: " + byNode.keySet() + " of " + addresses);
        assertTrue(byNode.size() >= 2, "load balancing sent flowfiles to more than one node: " + counts);
        final ProvenanceEvent first = drops.getFirst();
        assertEquals(first.flowFileUuid(), client.provenanceEvent(first.eventId(), first.clusterNodeId()).flowFileUuid(),
                "an event is fetched from the node that recorded it");
    }

    /**
     * With the sink stopped, 30 flowfiles wait in the ROUND_ROBIN connection, spread over the nodes' partitions. A node
     * holding some is SIGKILLed: the cluster reports it DISCONNECTED and counts only the others' flowfiles; 9 more
     * flowfiles arrive while it is down. Restarted, it rejoins under its old id with its queued flowfiles (from its own
     * flowfile repository; the connection then spreads them over the nodes again), and once the sink runs every one of the
     * 39 is taken exactly once.
     */
    @Test
    @Order(3)
    void aKilledNodeIsDisconnectedAndRejoinsWithItsQueuedFlowFiles() throws IOException, InterruptedException {
        assertNotNull(groupId, "needs the flow of the previous test");
        final List<String> queuedItems = writeItems(100, FLOWFILES);
        client.setRunStatus(emitFilesId, "RUNNING");
        awaitQueued(FLOWFILES);
        // the primary node queues them all at first (its local partition and one per other node), then sends each
        // other node its share; a stopped destination does not hold that up
        final long emitted = System.nanoTime();
        Map<String, Long> queuedByNode = client.queuedFlowFilesByNode(groupId);
        while (queuedByNode.values().stream().filter(count -> count > 0).count() < NODES) {
            assertTrue(System.nanoTime() - emitted < WAIT.toNanos(), "the flowfiles stayed where they were: " + queuedByNode);
            Thread.sleep(250);
            queuedByNode = client.queuedFlowFilesByNode(groupId);
        }
        System.out.printf("queued per node before the kill: %s (spread within %d ms)%n", queuedByNode,
                Duration.ofNanos(System.nanoTime() - emitted).toMillis());
        final Map<String, Long> spread = queuedByNode;
        assertEquals(FLOWFILES, spread.values().stream().mapToLong(Long::longValue).sum(), spread.toString());

        final int victim = cluster.nodes().stream()
                .filter(node -> !node.isPrimary() && cluster.indexOf(node) != NiFiCluster.ZOOKEEPER_NODE)
                .filter(node -> spread.getOrDefault(node.apiAddress(), 0L) > 0)
                .sorted((a, b) -> Boolean.compare(a.isCoordinator(), b.isCoordinator()))
                .map(cluster::indexOf).findFirst().orElseThrow(() -> new AssertionError("no non-primary node beside node "
                        + NiFiCluster.ZOOKEEPER_NODE + " holds queued flowfiles: " + spread));
        final ClusterNode victimBefore = cluster.clusterNode(victim).orElseThrow();
        final long victimQueued = spread.get(victimBefore.apiAddress());
        final long pidBefore = cluster.node(victim).pid();

        final long killed = System.nanoTime();
        cluster.kill(victim);
        assertTrue(ProcessHandle.of(pidBefore).filter(ProcessHandle::isAlive).isEmpty(), "the NiFi JVM is gone");
        final ClusterNode disconnected = cluster.awaitNodeStatus(victim, "DISCONNECTED", WAIT);
        System.out.printf("node %d (roles %s, %d queued) killed; reported %s after %d ms%n", victim, victimBefore.roles(),
                victimQueued, disconnected.status(), Duration.ofNanos(System.nanoTime() - killed).toMillis());
        final ClusterSummary degraded = client().clusterSummary();
        assertEquals(NODES - 1, degraded.connectedNodeCount(), degraded.toString());
        assertEquals(NODES, degraded.totalNodeCount(), degraded.toString());
        assertEquals(FLOWFILES - victimQueued, client().queuedFlowFiles(groupId),
                "the cluster counts the connected nodes' flowfiles only");

        final List<String> itemsWhileDown = writeItems(200, 9);
        awaitQueued(FLOWFILES - victimQueued + itemsWhileDown.size());
        System.out.println("queued per node while node " + victim + " is down: " + client().queuedFlowFilesByNode(groupId));

        final long restarted = System.nanoTime();
        cluster.restart(victim);
        System.out.printf("node %d restarted and CONNECTED again in %d ms%n", victim,
                Duration.ofNanos(System.nanoTime() - restarted).toMillis());
        final ClusterNode rejoined = cluster.clusterNode(victim).orElseThrow();
        assertTrue(rejoined.isConnected(), rejoined.toString());
        assertEquals(victimBefore.nodeId(), rejoined.nodeId(), "the node keeps its id across the restart");
        assertNotEquals(pidBefore, cluster.node(victim).pid(), "a new process");
        final ClusterSummary whole = cluster.node(victim).client().clusterSummary();
        assertTrue(whole.connectedToCluster(), whole.toString());
        assertEquals(NODES, whole.connectedNodeCount(), whole.toString());
        assertEquals(NODES, whole.totalNodeCount(), whole.toString());
        assertEquals(Map.of(groupId, "NiFiClusterIT"), cluster.node(victim).client().rootGroups(), "the rejoined node has the cluster's flow");
        awaitQueued(FLOWFILES + itemsWhileDown.size());
        System.out.println("queued per node after the restart: " + client().queuedFlowFilesByNode(groupId));

        client = cluster.client();
        client.setRunStatus(discardId, "RUNNING");
        final List<String> expected = new ArrayList<>(queuedItems);
        expected.addAll(itemsWhileDown);
        final List<ProvenanceEvent> drops = client.awaitProvenanceEvents(Map.of("ProcessorID", discardId, "EventType", "DROP"),
                events -> events.stream().filter(event -> expected.contains(event.attribute("filename"))).count() >= expected.size(),
                WAIT).stream()
                .filter(event -> expected.contains(event.attribute("filename"))).toList();
        client.stopProcessGroup(groupId);
        final Map<String, Long> perItem = drops.stream().collect(Collectors.groupingBy(event -> event.attribute("filename"),
                TreeMap::new, Collectors.counting()));
        assertEquals(expected.stream().sorted().toList(), List.copyOf(perItem.keySet()), "every item arrived");
        assertTrue(perItem.values().stream().allMatch(count -> count == 1), "each item exactly once: " + perItem);
        final Map<String, Integer> dropsPerNode = new TreeMap<>();
        NiFiClient.eventsByNode(drops).forEach((node, events) -> dropsPerNode.put(node, events.size()));
        // the restarted node's flowfiles were nowhere else while it was down (the cluster counted 30 - victimQueued), so
        // all 39 arriving exactly once means its flowfile repository gave them back; ROUND_ROBIN then spreads them anew
        System.out.println("DROP events per node after the restart: " + dropsPerNode);
    }

    private static List<String> writeItems(final int first, final int count) throws IOException {
        final List<String> names = new ArrayList<>();
        for (int index = first; index < first + count; index++) {
            final String name = String.format("item-%03d", index);
            // written under a dot name and renamed, so EmitFiles never takes a half-written file
            final Path partial = Files.writeString(input.resolve("." + name), Integer.toString(index), StandardCharsets.UTF_8);
            Files.move(partial, input.resolve(name));
            names.add(name);
        }
        return names;
    }

    private static void awaitQueued(final long expected) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        long queued = client().queuedFlowFiles(groupId);
        while (queued != expected) {
            assertTrue(System.nanoTime() < deadline, "waited for " + expected + " queued flowfiles; " + queued + " are");
            Thread.sleep(250);
            queued = client().queuedFlowFiles(groupId);
        }
    }

    private static NiFiClient client() throws IOException, InterruptedException {
        return cluster.client();
    }

    private static String processorsQuietly(final String groupId) {
        try {
            return client.processors(groupId).toString();
        } catch (final IOException | InterruptedException e) {
            return e.toString();
        }
    }

    /** EmitFiles on the primary node only → ROUND_ROBIN connection → Discard on every node. */
    private static ObjectNode roundRobinFlow(final ProcessorType emitFiles, final ProcessorType discard, final Path input) {
        final String groupIdentifier = UUID.randomUUID().toString();
        final ObjectNode snapshot = MAPPER.createObjectNode();
        final ObjectNode contents = snapshot.putObject("flowContents");
        contents.put("identifier", groupIdentifier);
        contents.put("name", "NiFiClusterIT");
        contents.put("componentType", "PROCESS_GROUP");
        contents.put("flowFileConcurrency", "UNBOUNDED");
        contents.put("flowFileOutboundPolicy", "STREAM_WHEN_AVAILABLE");
        contents.putObject("position").put("x", 0).put("y", 0);
        for (final String empty : List.of("processGroups", "remoteProcessGroups", "inputPorts", "outputPorts", "labels",
                "funnels", "controllerServices")) {
            contents.putArray(empty);
        }
        final ObjectNode source = processor(contents, groupIdentifier, "EmitFiles", emitFiles, "PRIMARY", "1 sec", 0);
        source.putObject("properties").put("Input Directory", input.toString()).put("Batch Size", "100");
        final ObjectNode sink = processor(contents, groupIdentifier, "Discard", discard, "ALL", "0 sec", 300);
        sink.putObject("properties").put("Batch Size", "1");

        final ObjectNode connection = contents.putArray("connections").addObject();
        connection.put("identifier", UUID.randomUUID().toString());
        connection.put("groupIdentifier", groupIdentifier);
        connection.put("name", "");
        connection.put("componentType", "CONNECTION");
        connection.putObject("source").put("id", source.path("identifier").asText()).put("type", "PROCESSOR")
                .put("groupId", groupIdentifier).put("name", "EmitFiles");
        connection.putObject("destination").put("id", sink.path("identifier").asText()).put("type", "PROCESSOR")
                .put("groupId", groupIdentifier).put("name", "Discard");
        connection.putArray("selectedRelationships").add("success");
        connection.put("backPressureObjectThreshold", 10_000);
        connection.put("backPressureDataSizeThreshold", "1 GB");
        connection.put("flowFileExpiration", "0 sec");
        connection.putArray("prioritizers");
        connection.put("loadBalanceStrategy", "ROUND_ROBIN");
        connection.put("partitioningAttribute", "");
        connection.put("loadBalanceCompression", "DO_NOT_COMPRESS");
        connection.putArray("bends");
        connection.put("labelIndex", 1);
        connection.put("zIndex", 0);
        snapshot.putObject("parameterContexts");
        snapshot.putObject("parameterProviders");
        snapshot.put("flowEncodingVersion", "1.0");
        return snapshot;
    }

    private static ObjectNode processor(final ObjectNode contents, final String groupIdentifier, final String name,
                                        final ProcessorType type, final String executionNode, final String schedulingPeriod,
                                        final double y) {
        final ObjectNode processor = ((ArrayNode) contents.withArray("processors")).addObject();
        processor.put("identifier", UUID.randomUUID().toString());
        processor.put("groupIdentifier", groupIdentifier);
        processor.put("name", name);
        processor.put("type", type.type());
        processor.putObject("bundle").put("group", type.bundleGroup()).put("artifact", type.bundleArtifact())
                .put("version", type.bundleVersion());
        processor.putObject("propertyDescriptors");
        processor.putObject("position").put("x", 0).put("y", y);
        processor.put("schedulingPeriod", schedulingPeriod);
        processor.put("schedulingStrategy", "TIMER_DRIVEN");
        processor.put("executionNode", executionNode);
        processor.put("penaltyDuration", "30 sec");
        processor.put("yieldDuration", "1 sec");
        processor.put("bulletinLevel", "WARN");
        processor.put("runDurationMillis", 0);
        processor.put("concurrentlySchedulableTaskCount", 1);
        processor.putArray("autoTerminatedRelationships");
        processor.put("scheduledState", "ENABLED");
        processor.put("retryCount", 10);
        processor.putArray("retriedRelationships");
        processor.put("backoffMechanism", "PENALIZE_FLOWFILE");
        processor.put("maxBackoffPeriod", "10 mins");
        processor.put("componentType", "PROCESSOR");
        return processor;
    }
}
