package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiClient.ConnectionQueue;
import org.nifitransfer.e2e.runtime.NiFiClient.ProcessorSummary;
import org.nifitransfer.e2e.runtime.NiFiClient.ProcessorType;
import org.nifitransfer.e2e.runtime.NiFiClient.ProvenanceEvent;
import org.nifitransfer.e2e.runtime.NiFiInstance;
import org.nifitransfer.e2e.runtime.TcpSockets;
import org.nifitransfer.processors.Augment;
import org.nifitransfer.processors.ClassifyImage;
import org.nifitransfer.processors.Evaluate;
import org.nifitransfer.processors.ExtractFeatures;
import org.nifitransfer.processors.FineTune;
import org.nifitransfer.processors.LoadImageFolder;
import org.nifitransfer.processors.ResizeAndNormalize;
import org.nifitransfer.processors.TrainHead;
import org.nifitransfer.processors.UnfreezeLayers;

/**
 * Starts a real NiFi 2.3.0 (assembled by Maven from Central artifacts, see {@link NiFiInstance}) with our NAR in
 * {@code extensions/}, and checks that it serves our eight processors, runs a small uploaded flow (a parameterised
 * LoadImageFolder feeding a funnel), shows its results in provenance, talks to nothing but 127.0.0.1, and keeps the
 * flow and its queued data over a restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NiFiRuntimeIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<Class<?>> OUR_PROCESSORS = List.of(LoadImageFolder.class, ResizeAndNormalize.class,
            Augment.class, ExtractFeatures.class, TrainHead.class, UnfreezeLayers.class, FineTune.class, Evaluate.class, ClassifyImage.class);
    private static final String DIRECTORY_PARAMETER = "image.directory";
    private static final List<String> SPLITS = List.of("train", "validation", "test");
    private static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    static Path temporary;

    private static NiFiInstance nifi;
    private static NiFiClient client;
    private static ProcessorType loadImageFolderType;
    private static String groupId;

    @BeforeAll
    static void startNiFi() throws IOException, InterruptedException {
        nifi = NiFiInstance.builder().name(NiFiRuntimeIT.class.getSimpleName()).start();
        client = nifi.client();
        System.out.printf("NiFi started in %d ms at %s (pid %d, log %s)%n", nifi.lastStartupTime().toMillis(),
                nifi.apiUri(), nifi.pid(), nifi.logFile());
    }

    @AfterAll
    static void stopNiFi() {
        if (nifi != null) {
            nifi.close();
        }
    }

    @Test
    @Order(1)
    void listsOurNineProcessorsWithTheirDescriptions() throws IOException, InterruptedException {
        assertEquals("2.3.0", client.about().path("version").asText(), "the NiFi we assembled");
        final List<String> names = OUR_PROCESSORS.stream().map(Class::getName).toList();
        final Map<String, ProcessorType> listed = client.awaitProcessorTypes(names, WAIT);

        for (final Class<?> processor : OUR_PROCESSORS) {
            final ProcessorType type = listed.get(processor.getName());
            assertNotNull(type, processor.getName());
            assertEquals("org.nifitransfer", type.bundleGroup(), processor.getName());
            assertEquals("nifi-transfer-nar", type.bundleArtifact(), processor.getName());
            final String description = processor.getAnnotation(CapabilityDescription.class).value();
            assertEquals(description, type.description(), "description of " + processor.getSimpleName());
            assertFalse(type.tags().isEmpty(), "tags of " + processor.getSimpleName());
        }
        final long ours = client.processorTypes().stream().filter(t -> "nifi-transfer-nar".equals(t.bundleArtifact())).count();
        assertEquals(OUR_PROCESSORS.size(), ours, "processor types from our NAR");
        assertTrue(client.processorTypes().stream().noneMatch(t -> "nifi-transfer-test-nar".equals(t.bundleArtifact())),
                "the test-only NAR is loaded only by NiFis started with testExtensions");
        loadImageFolderType = listed.get(LoadImageFolder.class.getName());
        System.out.printf("NiFi RSS with our NAR loaded: %d MB%n", nifi.residentSetSizeBytes() >> 20);
    }

    @Test
    @Order(2)
    void listensOnLoopbackOnly() throws IOException {
        final List<TcpSockets.Socket> sockets = nifi.tcpSockets();
        assertTrue(sockets.stream().anyMatch(s -> s.isListening() && s.localPort() == nifi.port()
                && "127.0.0.1".equals(s.localAddress())), "NiFi listens on 127.0.0.1:" + nifi.port() + ": " + sockets);
        final List<TcpSockets.Socket> outside = sockets.stream().filter(s -> !s.isLoopbackOnly()).toList();
        assertTrue(outside.isEmpty(), "sockets beyond 127.0.0.1: " + outside);
    }

    @Test
    @Order(3)
    void runsAnUploadedFlowAndShowsItsResultsInProvenance() throws IOException, InterruptedException {
        assertNotNull(loadImageFolderType, "needs the processor types of the first test");
        final String rootId = client.rootProcessGroupId();
        final String contextName = "nifi-runtime-it-" + UUID.randomUUID();
        final byte[] flow = MAPPER.writeValueAsBytes(loadFolderFlow(contextName));
        final JsonNode group = client.uploadFlowDefinition(rootId, "NiFiRuntimeIT", flow, 100, 100);
        groupId = group.path("id").asText();
        assertFalse(groupId.isEmpty(), "uploaded group: " + group);

        final List<ProcessorSummary> before = client.awaitValidation(groupId, WAIT);
        assertEquals(1, before.size(), "processors: " + before);
        assertEquals(LoadImageFolder.class.getName(), before.getFirst().type());
        assertEquals("/nonexistent", parameterValue(), "the parameter value the flow definition carries");

        final Path images = writeImageFolder(temporary.resolve("images"));
        client.updateParameters(client.parameterContextId(groupId), Map.of(DIRECTORY_PARAMETER, images.toString()), WAIT);
        assertEquals(images.toString(), parameterValue());
        final List<ProcessorSummary> after = client.awaitValidation(groupId, WAIT);
        assertTrue(after.getFirst().isValid(), "LoadImageFolder valid once its directory exists: " + after);

        client.startProcessGroup(groupId);
        final List<ConnectionQueue> queues = awaitQueued(SPLITS.size());
        assertEquals(1, queues.size(), "connections: " + queues);
        assertEquals("LoadImageFolder", queues.getFirst().sourceName());
        client.stopProcessGroup(groupId);

        final String processorId = before.getFirst().id();
        final List<ProvenanceEvent> events = client.awaitProvenanceEvents(Map.of("ProcessorID", processorId),
                found -> found.size() >= SPLITS.size(), WAIT);
        final List<ProvenanceEvent> creates = events.stream().filter(e -> "CREATE".equals(e.eventType())).toList();
        assertEquals(SPLITS.size(), creates.size(), "one CREATE per split: " + events);
        assertEquals(new TreeSet<>(SPLITS), creates.stream().map(e -> e.attribute("transfer.split"))
                .collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(1, creates.stream().map(e -> e.attribute("transfer.run.id")).distinct().count(), "one run id");

        final ProvenanceEvent train = creates.stream().filter(e -> "train".equals(e.attribute("transfer.split")))
                .findFirst().orElseThrow();
        assertEquals("image-dataset", train.attribute("transfer.kind"));
        assertEquals("4", train.attribute("transfer.count"), "2 classes x 2 training images");
        assertTrue(train.outputContentAvailable(), "content downloadable from provenance");
        final byte[] content = client.provenanceOutputContent(train.eventId());
        assertEquals(train.outputContentSize(), content.length);
        assertEquals("ustar", new String(content, 257, 5, StandardCharsets.US_ASCII), "a tar archive");
        assertEquals("dataset.json", new String(content, 0, "dataset.json".length(), StandardCharsets.US_ASCII),
                "the manifest comes first");
        final Path downloaded = client.downloadProvenanceOutputContent(train.eventId(), temporary.resolve("train.tar"));
        assertTrue(Arrays.equals(content, Files.readAllBytes(downloaded)));
    }

    @Test
    @Order(4)
    void restartKeepsTheFlowAndItsQueuedData() throws IOException, InterruptedException {
        assertNotNull(groupId, "needs the flow of the previous test");
        final int port = nifi.port();
        final long pidBefore = nifi.pid();

        nifi.restart();
        System.out.printf("NiFi restarted in %d ms%n", nifi.lastStartupTime().toMillis());

        assertEquals(port, nifi.port());
        assertTrue(pidBefore != nifi.pid(), "a new NiFi process");
        assertEquals("2.3.0", client.about().path("version").asText());
        client.awaitProcessorTypes(OUR_PROCESSORS.stream().map(Class::getName).toList(), WAIT);
        final List<ProcessorSummary> processors = client.awaitValidation(groupId, WAIT);
        assertEquals(1, processors.size(), "the uploaded flow is still there: " + processors);
        assertTrue(processors.getFirst().isValid(), processors.toString());
        assertEquals("STOPPED", processors.getFirst().state(), "stopped before the restart, stopped after it");
        final List<ConnectionQueue> queues = client.connectionQueues(groupId);
        assertEquals(SPLITS.size(), queues.stream().mapToLong(ConnectionQueue::flowFilesQueued).sum(),
                "the queued datasets survived: " + queues);
        assertTrue(queues.getFirst().bytesQueued() > 0, queues.toString());
        final List<TcpSockets.Socket> outside = nifi.tcpSockets().stream().filter(s -> !s.isLoopbackOnly()).toList();
        assertTrue(outside.isEmpty(), "sockets beyond 127.0.0.1 after the restart: " + outside);
    }

    private String parameterValue() throws IOException, InterruptedException {
        return client.parameters(client.parameterContextId(groupId)).get(DIRECTORY_PARAMETER);
    }

    private List<ConnectionQueue> awaitQueued(final long expected) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        List<ConnectionQueue> queues = client.connectionQueues(groupId);
        while (queues.stream().mapToLong(ConnectionQueue::flowFilesQueued).sum() < expected) {
            assertTrue(System.nanoTime() < deadline, "waited for " + expected + " queued flowfiles: " + queues
                    + System.lineSeparator() + nifi.logTail(40));
            Thread.sleep(500);
            queues = client.connectionQueues(groupId);
        }
        assertEquals(expected, queues.stream().mapToLong(ConnectionQueue::flowFilesQueued).sum(), queues.toString());
        return queues;
    }

    /** split folders with two classes of small PNGs (2 images per class and split). */
    private static Path writeImageFolder(final Path root) throws IOException {
        for (final String split : SPLITS) {
            for (final String label : List.of("horizontal", "vertical")) {
                final Path folder = Files.createDirectories(root.resolve(split).resolve(label));
                for (int index = 0; index < 2; index++) {
                    final BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                    final Graphics2D graphics = image.createGraphics();
                    graphics.setColor(Color.WHITE);
                    for (int stripe = index; stripe < 32; stripe += 4) {
                        if ("horizontal".equals(label)) {
                            graphics.fillRect(0, stripe, 32, 2);
                        } else {
                            graphics.fillRect(stripe, 0, 2, 32);
                        }
                    }
                    graphics.dispose();
                    ImageIO.write(image, "png", folder.resolve(label + "-" + index + ".png").toFile());
                }
            }
        }
        return root;
    }

    /**
     * A NiFi 2 flow definition (what "Download flow definition" writes): one LoadImageFolder whose directory is the
     * parameter {@value #DIRECTORY_PARAMETER}, "success" into a funnel, "failure" auto-terminated.
     */
    private static ObjectNode loadFolderFlow(final String contextName) {
        final String groupIdentifier = UUID.randomUUID().toString();
        final String processorIdentifier = UUID.randomUUID().toString();
        final String funnelIdentifier = UUID.randomUUID().toString();

        final ObjectNode snapshot = MAPPER.createObjectNode();
        final ObjectNode contents = snapshot.putObject("flowContents");
        contents.put("identifier", groupIdentifier);
        contents.put("name", "NiFiRuntimeIT");
        contents.put("comments", "");
        position(contents, 0, 0);
        contents.put("parameterContextName", contextName);
        contents.put("flowFileConcurrency", "UNBOUNDED");
        contents.put("flowFileOutboundPolicy", "STREAM_WHEN_AVAILABLE");
        contents.put("defaultFlowFileExpiration", "0 sec");
        contents.put("defaultBackPressureObjectThreshold", 10000);
        contents.put("defaultBackPressureDataSizeThreshold", "1 GB");
        contents.put("componentType", "PROCESS_GROUP");
        for (final String empty : List.of("processGroups", "remoteProcessGroups", "inputPorts", "outputPorts", "labels",
                "controllerServices")) {
            contents.putArray(empty);
        }

        final ObjectNode processor = contents.putArray("processors").addObject();
        processor.put("identifier", processorIdentifier);
        processor.put("groupIdentifier", groupIdentifier);
        processor.put("name", "LoadImageFolder");
        processor.put("type", loadImageFolderType.type());
        final ObjectNode bundle = processor.putObject("bundle");
        bundle.put("group", loadImageFolderType.bundleGroup());
        bundle.put("artifact", loadImageFolderType.bundleArtifact());
        bundle.put("version", loadImageFolderType.bundleVersion());
        processor.putObject("properties").put("Input Directory", "#{" + DIRECTORY_PARAMETER + "}");
        processor.putObject("propertyDescriptors");
        position(processor, 0, 0);
        processor.put("schedulingPeriod", "1 min");
        processor.put("schedulingStrategy", "TIMER_DRIVEN");
        processor.put("executionNode", "ALL");
        processor.put("penaltyDuration", "30 sec");
        processor.put("yieldDuration", "1 sec");
        processor.put("bulletinLevel", "WARN");
        processor.put("runDurationMillis", 0);
        processor.put("concurrentlySchedulableTaskCount", 1);
        processor.putArray("autoTerminatedRelationships").add("failure");
        processor.put("scheduledState", "ENABLED");
        processor.put("retryCount", 10);
        processor.putArray("retriedRelationships");
        processor.put("backoffMechanism", "PENALIZE_FLOWFILE");
        processor.put("maxBackoffPeriod", "10 mins");
        processor.put("componentType", "PROCESSOR");

        final ObjectNode funnel = contents.putArray("funnels").addObject();
        funnel.put("identifier", funnelIdentifier);
        funnel.put("groupIdentifier", groupIdentifier);
        position(funnel, 0, 300);
        funnel.put("componentType", "FUNNEL");

        final ObjectNode connection = contents.putArray("connections").addObject();
        connection.put("identifier", UUID.randomUUID().toString());
        connection.put("groupIdentifier", groupIdentifier);
        connection.put("name", "");
        final ObjectNode source = connection.putObject("source");
        source.put("id", processorIdentifier);
        source.put("type", "PROCESSOR");
        source.put("groupId", groupIdentifier);
        source.put("name", "LoadImageFolder");
        final ObjectNode destination = connection.putObject("destination");
        destination.put("id", funnelIdentifier);
        destination.put("type", "FUNNEL");
        destination.put("groupId", groupIdentifier);
        destination.put("name", "Funnel");
        connection.putArray("selectedRelationships").add("success");
        connection.put("backPressureObjectThreshold", 10000);
        connection.put("backPressureDataSizeThreshold", "1 GB");
        connection.put("flowFileExpiration", "0 sec");
        connection.putArray("prioritizers");
        connection.put("loadBalanceStrategy", "DO_NOT_LOAD_BALANCE");
        connection.put("partitioningAttribute", "");
        connection.put("loadBalanceCompression", "DO_NOT_COMPRESS");
        connection.putArray("bends");
        connection.put("labelIndex", 1);
        connection.put("zIndex", 0);
        connection.put("componentType", "CONNECTION");

        final ObjectNode context = snapshot.putObject("parameterContexts").putObject(contextName);
        context.put("name", contextName);
        final ArrayNode parameters = context.putArray("parameters");
        final ObjectNode parameter = parameters.addObject();
        parameter.put("name", DIRECTORY_PARAMETER);
        parameter.put("description", "The folder of images to load");
        parameter.put("sensitive", false);
        parameter.put("provided", false);
        parameter.put("value", "/nonexistent");
        context.putArray("inheritedParameterContexts");
        context.put("componentType", "PARAMETER_CONTEXT");
        snapshot.putObject("parameterProviders");
        snapshot.put("flowEncodingVersion", "1.0");
        return snapshot;
    }

    private static void position(final ObjectNode component, final double x, final double y) {
        final ObjectNode position = component.putObject("position");
        position.put("x", x);
        position.put("y", y);
    }
}
