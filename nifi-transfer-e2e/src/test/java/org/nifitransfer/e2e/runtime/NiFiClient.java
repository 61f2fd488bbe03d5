package org.nifitransfer.e2e.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * A small client for the NiFi 2.x REST API: what the end-to-end tests need, over {@code java.net.http} and Jackson.
 * NiFi runs unsecured (plain HTTP on 127.0.0.1), so no token is sent; mutating calls carry a client id (any UUID) in
 * their revisions. Methods throw {@link NiFiApiException} with the status and body when NiFi answers with an error.
 */
public final class NiFiClient {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

    private final URI apiUri;
    private final String clientId;
    private final HttpClient httpClient;

    /** A client for the API at {@code apiUri}, e.g. {@code http://127.0.0.1:8080/nifi-api}. */
    public NiFiClient(final URI apiUri) {
        final String text = apiUri.toString();
        this.apiUri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.clientId = UUID.randomUUID().toString();
        this.httpClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public URI apiUri() {
        return apiUri;
    }

    /** The client id this client puts into revisions. */
    public String clientId() {
        return clientId;
    }

    /** {@code GET /flow/about}: NiFi's version and title. */
    public JsonNode about() throws IOException, InterruptedException {
        return get("/flow/about").path("about");
    }

    /** {@code GET /flow/process-groups/root}: the root process group's id. */
    public String rootProcessGroupId() throws IOException, InterruptedException {
        return text(get("/flow/process-groups/root").path("processGroupFlow"), "id");
    }

    // ---- cluster ----

    /**
     * {@code GET /flow/cluster/summary}: how many nodes are connected, of how many the cluster knows, and whether the node
     * asked is itself connected. A standalone NiFi answers {@code clustered=false} and zero counts.
     */
    public ClusterSummary clusterSummary() throws IOException, InterruptedException {
        final JsonNode summary = get("/flow/cluster/summary").path("clusterSummary");
        return new ClusterSummary(summary.path("connectedNodeCount").asInt(0), summary.path("totalNodeCount").asInt(0),
                summary.path("connectedToCluster").asBoolean(false), summary.path("clustered").asBoolean(false));
    }

    /**
     * {@code GET /controller/cluster}: every node the cluster coordinator knows, connected or not, with its status and
     * roles. A standalone NiFi answers HTTP 409.
     */
    public List<ClusterNode> clusterNodes() throws IOException, InterruptedException {
        final List<ClusterNode> nodes = new ArrayList<>();
        for (final JsonNode node : get("/controller/cluster").path("cluster").path("nodes")) {
            final Set<String> roles = new LinkedHashSet<>();
            node.path("roles").forEach(role -> roles.add(role.asText()));
            nodes.add(new ClusterNode(node.path("nodeId").asText(), node.path("address").asText(), node.path("apiPort").asInt(),
                    node.path("status").asText(), Set.copyOf(roles), node.path("heartbeat").asText(null)));
        }
        return nodes;
    }

    /**
     * {@code PUT /controller/cluster/nodes/{id}} with {@code {"node":{"nodeId":..,"status":..}}}: asks the coordinator to
     * disconnect ({@code DISCONNECTING}), reconnect ({@code CONNECTING}) or offload ({@code OFFLOADING}) a node.
     */
    public void requestNodeStatus(final String nodeId, final String status) throws IOException, InterruptedException {
        final ObjectNode body = MAPPER.createObjectNode();
        body.putObject("node").put("nodeId", nodeId).put("status", status);
        put("/controller/cluster/nodes/" + nodeId, body);
    }

    /** {@code DELETE /controller/cluster/nodes/{id}}: removes a disconnected (or offloaded) node from the cluster. */
    public void removeNode(final String nodeId) throws IOException, InterruptedException {
        delete("/controller/cluster/nodes/" + nodeId);
    }

    // ---- extensions ----

    /** {@code GET /flow/processor-types}: every processor type NiFi has loaded. */
    public List<ProcessorType> processorTypes() throws IOException, InterruptedException {
        final List<ProcessorType> types = new ArrayList<>();
        for (final JsonNode type : get("/flow/processor-types").path("processorTypes")) {
            final JsonNode bundle = type.path("bundle");
            final Set<String> tags = new LinkedHashSet<>();
            type.path("tags").forEach(tag -> tags.add(tag.asText()));
            types.add(new ProcessorType(type.path("type").asText(), type.path("description").asText(""),
                    bundle.path("group").asText(), bundle.path("artifact").asText(), bundle.path("version").asText(),
                    Set.copyOf(tags), type.path("restricted").asBoolean(false)));
        }
        return types;
    }

    /**
     * Waits until every one of {@code typeNames} is among the processor types and returns them by name. NARs in
     * {@code extensions/} are loaded by NiFi's auto-loader, in the background, after the REST API first answers.
     */
    public Map<String, ProcessorType> awaitProcessorTypes(final Collection<String> typeNames, final Duration timeout)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, ProcessorType> found = Map.of();
        while (true) {
            final Map<String, ProcessorType> byName = new LinkedHashMap<>();
            for (final ProcessorType type : processorTypes()) {
                if (typeNames.contains(type.type())) {
                    byName.put(type.type(), type);
                }
            }
            found = byName;
            if (found.keySet().containsAll(typeNames)) {
                return found;
            }
            if (System.nanoTime() > deadline) {
                final Set<String> missing = new LinkedHashSet<>(typeNames);
                missing.removeAll(found.keySet());
                throw new IOException("NiFi did not list processor types " + missing + " within " + timeout);
            }
            Thread.sleep(1000);
        }
    }

    // ---- process groups and flow definitions ----

    /**
     * {@code POST /process-groups/{parentId}/process-groups/upload}: imports a flow definition (the JSON NiFi's
     * "Download flow definition" writes) as a new child group and returns the new group's entity. Multipart fields:
     * {@code groupName}, {@code positionX}, {@code positionY}, {@code clientId}, {@code file}.
     */
    public JsonNode uploadFlowDefinition(final String parentGroupId, final String groupName, final byte[] flowDefinition,
                                         final double positionX, final double positionY)
            throws IOException, InterruptedException {
        final String boundary = "----nifi-transfer-" + UUID.randomUUID();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeField(body, boundary, "groupName", groupName);
        writeField(body, boundary, "positionX", Double.toString(positionX));
        writeField(body, boundary, "positionY", Double.toString(positionY));
        writeField(body, boundary, "clientId", clientId);
        body.writeBytes(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"flow.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(flowDefinition);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        final HttpRequest request = request("/process-groups/" + parentGroupId + "/process-groups/upload")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        return sendForJson(request);
    }

    /** {@link #uploadFlowDefinition(String, String, byte[], double, double)} from a file, at (0, 0). */
    public JsonNode uploadFlowDefinition(final String parentGroupId, final String groupName, final Path flowDefinition)
            throws IOException, InterruptedException {
        return uploadFlowDefinition(parentGroupId, groupName, Files.readAllBytes(flowDefinition), 0, 0);
    }

    /** {@code GET /process-groups/{id}}: the group's entity (component, revision, counts). */
    public JsonNode processGroup(final String groupId) throws IOException, InterruptedException {
        return get("/process-groups/" + groupId);
    }

    /** The id of the parameter context bound to a process group, or null when it has none. */
    public String parameterContextId(final String groupId) throws IOException, InterruptedException {
        final JsonNode context = processGroup(groupId).path("component").path("parameterContext");
        return context.isMissingNode() || context.isNull() ? null : context.path("id").asText(null);
    }

    /**
     * {@code GET /process-groups/{id}/processors?includeDescendantGroups=true}: the processors of a group and of its
     * child groups, with their run state and validation status.
     */
    public List<ProcessorSummary> processors(final String groupId) throws IOException, InterruptedException {
        final List<ProcessorSummary> processors = new ArrayList<>();
        for (final JsonNode entity : get("/process-groups/" + groupId + "/processors?includeDescendantGroups=true")
                .path("processors")) {
            final JsonNode component = entity.path("component");
            final List<String> errors = new ArrayList<>();
            component.path("validationErrors").forEach(error -> errors.add(error.asText()));
            processors.add(new ProcessorSummary(entity.path("id").asText(), component.path("name").asText(),
                    component.path("type").asText(), component.path("parentGroupId").asText(),
                    component.path("state").asText(), component.path("validationStatus").asText(), List.copyOf(errors)));
        }
        return processors;
    }

    /** Waits until no processor of the group (and its children) is still validating; returns them. */
    public List<ProcessorSummary> awaitValidation(final String groupId, final Duration timeout)
            throws IOException, InterruptedException {
        return await(timeout, "the processors of group " + groupId + " to finish validating",
                () -> processors(groupId),
                processors -> processors.stream().noneMatch(p -> "VALIDATING".equals(p.validationStatus())));
    }

    /** {@code PUT /flow/process-groups/{id}} with {@code {"id":..,"state":"RUNNING"}}: starts every processor in it. */
    public void startProcessGroup(final String groupId) throws IOException, InterruptedException {
        scheduleProcessGroup(groupId, "RUNNING");
    }

    /** {@code PUT /flow/process-groups/{id}} with {@code {"id":..,"state":"STOPPED"}}: stops every processor in it. */
    public void stopProcessGroup(final String groupId) throws IOException, InterruptedException {
        scheduleProcessGroup(groupId, "STOPPED");
    }

    private void scheduleProcessGroup(final String groupId, final String state) throws IOException, InterruptedException {
        final ObjectNode body = MAPPER.createObjectNode();
        body.put("id", groupId);
        body.put("state", state);
        body.put("disconnectedNodeAcknowledged", false);
        put("/flow/process-groups/" + groupId, body);
    }

    // ---- parameter contexts ----

    /** {@code GET /parameter-contexts/{id}}: the context's parameters by name (sensitive values come back masked). */
    public Map<String, String> parameters(final String contextId) throws IOException, InterruptedException {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final JsonNode entry : get("/parameter-contexts/" + contextId).path("component").path("parameters")) {
            final JsonNode parameter = entry.path("parameter");
            values.put(parameter.path("name").asText(), parameter.path("value").isNull() ? null
                    : parameter.path("value").asText(null));
        }
        return values;
    }

    /**
     * Sets parameter values (adding parameters that do not exist yet, as non-sensitive). NiFi 2 applies this as an
     * asynchronous update request, stopping and restarting the processors that reference the parameters:
     * {@code POST /parameter-contexts/{id}/update-requests} with the context entity (its current revision, and only the
     * changed parameters), then poll {@code GET .../update-requests/{requestId}} until complete, then DELETE it.
     */
    public void updateParameters(final String contextId, final Map<String, String> values, final Duration timeout)
            throws IOException, InterruptedException {
        final JsonNode current = get("/parameter-contexts/" + contextId);
        final Map<String, JsonNode> existing = new LinkedHashMap<>();
        for (final JsonNode entry : current.path("component").path("parameters")) {
            existing.put(entry.path("parameter").path("name").asText(), entry.path("parameter"));
        }
        final ObjectNode body = MAPPER.createObjectNode();
        body.set("revision", revision(current));
        body.put("id", contextId);
        final ObjectNode component = body.putObject("component");
        component.put("id", contextId);
        final ArrayNode parameters = component.putArray("parameters");
        for (final Map.Entry<String, String> value : values.entrySet()) {
            final JsonNode before = existing.get(value.getKey());
            final ObjectNode parameter = parameters.addObject().putObject("parameter");
            parameter.put("name", value.getKey());
            parameter.put("sensitive", before != null && before.path("sensitive").asBoolean(false));
            if (before != null && before.hasNonNull("description")) {
                parameter.put("description", before.path("description").asText());
            }
            parameter.put("value", value.getValue());
        }
        final JsonNode submitted = post("/parameter-contexts/" + contextId + "/update-requests", body).path("request");
        final String requestId = text(submitted, "requestId");
        final String requestPath = "/parameter-contexts/" + contextId + "/update-requests/" + requestId;
        try {
            final JsonNode finished = await(timeout, "parameter context update " + requestId,
                    () -> get(requestPath).path("request"), request -> request.path("complete").asBoolean(false));
            final String failure = finished.path("failureReason").asText(null);
            if (failure != null && !failure.isBlank()) {
                throw new IOException("Updating parameter context " + contextId + " failed: " + failure);
            }
        } finally {
            delete(requestPath + "?disconnectedNodeAcknowledged=false");
        }
    }

    // ---- status ----

    /** {@code GET /flow/process-groups/{id}/status?recursive=true}: the raw status entity. */
    public JsonNode processGroupStatus(final String groupId) throws IOException, InterruptedException {
        return get("/flow/process-groups/" + groupId + "/status?recursive=true");
    }

    /** Every connection of the group and its descendants with what is queued in it now. */
    public List<ConnectionQueue> connectionQueues(final String groupId) throws IOException, InterruptedException {
        final List<ConnectionQueue> queues = new ArrayList<>();
        collectQueues(processGroupStatus(groupId).path("processGroupStatus").path("aggregateSnapshot"), queues);
        return queues;
    }

    /** The total number of flowfiles queued in the group and its descendants. */
    public long queuedFlowFiles(final String groupId) throws IOException, InterruptedException {
        return processGroupStatus(groupId).path("processGroupStatus").path("aggregateSnapshot")
                .path("flowFilesQueued").asLong();
    }

    private static void collectQueues(final JsonNode snapshot, final List<ConnectionQueue> queues) {
        for (final JsonNode entity : snapshot.path("connectionStatusSnapshots")) {
            final JsonNode connection = entity.path("connectionStatusSnapshot");
            queues.add(new ConnectionQueue(connection.path("id").asText(), connection.path("groupId").asText(),
                    connection.path("name").asText(), connection.path("sourceName").asText(),
                    connection.path("destinationName").asText(), connection.path("flowFilesQueued").asLong(),
                    connection.path("bytesQueued").asLong()));
        }
        for (final JsonNode child : snapshot.path("processGroupStatusSnapshots")) {
            collectQueues(child.path("processGroupStatusSnapshot"), queues);
        }
    }

    /** Each processor's active thread count in one status reading, by processor id (the group and its descendants). */
    public Map<String, Integer> activeThreads(final String groupId) throws IOException, InterruptedException {
        final Map<String, Integer> threads = new LinkedHashMap<>();
        collectThreads(processGroupStatus(groupId).path("processGroupStatus").path("aggregateSnapshot"), threads);
        return threads;
    }

    private static void collectThreads(final JsonNode snapshot, final Map<String, Integer> threads) {
        for (final JsonNode entity : snapshot.path("processorStatusSnapshots")) {
            final JsonNode processor = entity.path("processorStatusSnapshot");
            threads.put(processor.path("id").asText(), processor.path("activeThreadCount").asInt(0));
        }
        for (final JsonNode child : snapshot.path("processGroupStatusSnapshots")) {
            collectThreads(child.path("processGroupStatusSnapshot"), threads);
        }
    }

    /** {@code GET /processors/{id}/state}: the processor's local state (what View State shows), by key. */
    public Map<String, String> processorState(final String processorId) throws IOException, InterruptedException {
        final Map<String, String> values = new TreeMap<>();
        for (final JsonNode entry : get("/processors/" + processorId + "/state").path("componentState").path("localState").path("state")) {
            values.put(entry.path("key").asText(), entry.path("value").asText());
        }
        return values;
    }

    /** A bulletin on the canvas: its id (increasing), level, source and message. */
    public record Bulletin(long id, String level, String sourceName, String message) {
    }

    /** {@code GET /flow/bulletin-board?groupId=..&after=..}: the group's bulletins newer than {@code afterId}, oldest first. */
    public List<Bulletin> bulletins(final String groupId, final long afterId) throws IOException, InterruptedException {
        final List<Bulletin> bulletins = new ArrayList<>();
        for (final JsonNode entity : get("/flow/bulletin-board?groupId=" + groupId + "&after=" + afterId + "&limit=100")
                .path("bulletinBoard").path("bulletins")) {
            final JsonNode bulletin = entity.path("bulletin");
            bulletins.add(new Bulletin(entity.path("id").asLong(), bulletin.path("level").asText(), bulletin.path("sourceName").asText(),
                    bulletin.path("message").asText()));
        }
        bulletins.sort(java.util.Comparator.comparingLong(Bulletin::id));
        return bulletins;
    }

    /**
     * The attributes of the flowfiles queued in a connection (at most the first 100): a listing request
     * ({@code POST /flowfile-queues/{id}/listing-requests}, polled until finished, then deleted), then
     * {@code GET /flowfile-queues/{id}/flowfiles/{uuid}} for each.
     */
    public List<Map<String, String>> queuedAttributes(final String connectionId) throws IOException, InterruptedException {
        final String requestId = text(post("/flowfile-queues/" + connectionId + "/listing-requests", MAPPER.createObjectNode())
                .path("listingRequest"), "id");
        final String requestPath = "/flowfile-queues/" + connectionId + "/listing-requests/" + requestId;
        final List<Map<String, String>> flowFiles = new ArrayList<>();
        try {
            final JsonNode listing = await(Duration.ofSeconds(30), "the listing of connection " + connectionId,
                    () -> get(requestPath).path("listingRequest"), request -> request.path("finished").asBoolean(false));
            int count = 0;
            for (final JsonNode summary : listing.path("flowFileSummaries")) {
                if (count++ == 100) {
                    break;
                }
                final Map<String, String> attributes = new TreeMap<>();
                get("/flowfile-queues/" + connectionId + "/flowfiles/" + summary.path("uuid").asText()).path("flowFile").path("attributes")
                        .properties().forEach(entry -> attributes.put(entry.getKey(), entry.getValue().asText()));
                flowFiles.add(attributes);
            }
        } finally {
            delete(requestPath);
        }
        return flowFiles;
    }

    /**
     * On a cluster, the flowfiles queued in a group and its descendants per node ({@code address:apiPort}), from
     * {@code GET /flow/process-groups/{id}/status?recursive=true&nodewise=true}: each connected node's own count (a node's
     * partitions of a load-balanced connection, including flowfiles waiting to be sent to another node). Nodes that are
     * not connected are missing. Empty on a standalone NiFi.
     */
    public Map<String, Long> queuedFlowFilesByNode(final String groupId) throws IOException, InterruptedException {
        return queuedByNode(get("/flow/process-groups/" + groupId + "/status?recursive=true&nodewise=true").path("processGroupStatus"));
    }

    /**
     * On a cluster, the flowfiles queued in one connection per node ({@code address:apiPort}), from
     * {@code GET /flow/connections/{id}/status?nodewise=true}; as {@link #queuedFlowFilesByNode}.
     */
    public Map<String, Long> connectionQueuedByNode(final String connectionId) throws IOException, InterruptedException {
        return queuedByNode(get("/flow/connections/" + connectionId + "/status?nodewise=true").path("connectionStatus"));
    }

    private static Map<String, Long> queuedByNode(final JsonNode status) {
        final Map<String, Long> byNode = new TreeMap<>();
        for (final JsonNode node : status.path("nodeSnapshots")) {
            byNode.put(node.path("address").asText() + ":" + node.path("apiPort").asInt(),
                    node.path("statusSnapshot").path("flowFilesQueued").asLong());
        }
        return byNode;
    }

    /** The process groups directly under the root: id and name. */
    public Map<String, String> rootGroups() throws IOException, InterruptedException {
        final Map<String, String> groups = new LinkedHashMap<>();
        for (final JsonNode entity : get("/process-groups/" + rootProcessGroupId() + "/process-groups").path("processGroups")) {
            groups.put(entity.path("id").asText(), entity.path("component").path("name").asText());
        }
        return groups;
    }

    // ---- building a flow ----

    /**
     * {@code POST /process-groups/{id}/processors}: adds a processor of {@code type} from the bundle {@code group:artifact:version}
     * with its properties and run schedule; returns its id.
     */
    public String createProcessor(final String groupId, final String type, final String bundle, final String name,
                                  final Map<String, String> properties, final String schedulingPeriod) throws IOException, InterruptedException {
        return createProcessor(groupId, type, bundle, name, properties, schedulingPeriod, 1, Set.of());
    }

    /** {@link #createProcessor(String, String, String, String, Map, String)} with concurrent tasks and auto-terminated relationships. */
    public String createProcessor(final String groupId, final String type, final String bundle, final String name,
                                  final Map<String, String> properties, final String schedulingPeriod, final int concurrentTasks,
                                  final Set<String> autoTerminated) throws IOException, InterruptedException {
        final String[] coordinates = bundle.split(":");
        final ObjectNode body = MAPPER.createObjectNode();
        body.set("revision", revision(MAPPER.createObjectNode()));
        final ObjectNode component = body.putObject("component");
        component.put("type", type);
        component.put("name", name);
        component.putObject("bundle").put("group", coordinates[0]).put("artifact", coordinates[1]).put("version", coordinates[2]);
        component.putObject("position").put("x", 0).put("y", -400);
        final ObjectNode config = component.putObject("config");
        config.put("schedulingPeriod", schedulingPeriod);
        config.put("concurrentlySchedulableTaskCount", concurrentTasks);
        autoTerminated.forEach(config.putArray("autoTerminatedRelationships")::add);
        final ObjectNode values = config.putObject("properties");
        properties.forEach(values::put);
        return text(post("/process-groups/" + groupId + "/processors", body), "id");
    }

    /** {@code GET /process-groups/{id}/input-ports}: the group's input ports, id by name. */
    public Map<String, String> inputPorts(final String groupId) throws IOException, InterruptedException {
        final Map<String, String> ports = new LinkedHashMap<>();
        for (final JsonNode entity : get("/process-groups/" + groupId + "/input-ports").path("inputPorts")) {
            ports.put(entity.path("component").path("name").asText(), entity.path("id").asText());
        }
        return ports;
    }

    /**
     * {@code POST /process-groups/{id}/connections}: connects relationships of a processor in group {@code groupId} to the input
     * port {@code portId} of its child group {@code childGroupId}; returns the connection's id.
     */
    public String connectToInputPort(final String groupId, final String processorId, final String childGroupId, final String portId,
                                     final List<String> relationships) throws IOException, InterruptedException {
        return connect(groupId, processorId, portId, childGroupId, "INPUT_PORT", relationships);
    }

    /** {@code POST /process-groups/{id}/connections}: connects relationships of one processor to another in the same group. */
    public String connectProcessors(final String groupId, final String sourceId, final String destinationId, final List<String> relationships)
            throws IOException, InterruptedException {
        return connect(groupId, sourceId, destinationId, groupId, "PROCESSOR", relationships);
    }

    /** A connection in {@code groupId} from one of its processors to a component of {@code destinationGroupId}. */
    private String connect(final String groupId, final String sourceId, final String destinationId, final String destinationGroupId,
                           final String destinationType, final List<String> relationships) throws IOException, InterruptedException {
        final ObjectNode body = MAPPER.createObjectNode();
        body.set("revision", revision(MAPPER.createObjectNode()));
        final ObjectNode component = body.putObject("component");
        component.putObject("source").put("id", sourceId).put("groupId", groupId).put("type", "PROCESSOR");
        component.putObject("destination").put("id", destinationId).put("groupId", destinationGroupId).put("type", destinationType);
        relationships.forEach(component.putArray("selectedRelationships")::add);
        return text(post("/process-groups/" + groupId + "/connections", body), "id");
    }

    /** {@code PUT /processors/{id}/run-status}: starts ({@code RUNNING}) or stops ({@code STOPPED}) one processor. */
    public void setRunStatus(final String processorId, final String state) throws IOException, InterruptedException {
        final ObjectNode body = MAPPER.createObjectNode();
        body.set("revision", revision(get("/processors/" + processorId)));
        body.put("state", state);
        body.put("disconnectedNodeAcknowledged", false);
        put("/processors/" + processorId + "/run-status", body);
    }

    // ---- provenance ----

    /**
     * Runs a provenance query and returns its events, newest first: {@code POST /provenance} with
     * {@code {"provenance":{"request":{"maxResults":..,"summarize":false,"incrementalResults":false,
     * "searchTerms":{"ProcessorID":{"value":..,"inverse":false}}}}}}, poll {@code GET /provenance/{id}} until finished,
     * then DELETE it. Search term keys are NiFi's searchable fields ({@code ProcessorID}, {@code EventType},
     * {@code FlowFileUUID}, {@code Filename}, {@code Relationship}) or indexed attribute names ({@code transfer.run.id}).
     * Events become searchable once indexed, a moment after they happen: poll with
     * {@link #awaitProvenanceEvents(Map, Predicate, Duration)} when waiting for one.
     */
    public List<ProvenanceEvent> queryProvenance(final Map<String, String> searchTerms, final int maxResults,
                                                 final Duration timeout) throws IOException, InterruptedException {
        final ObjectNode body = MAPPER.createObjectNode();
        final ObjectNode request = body.putObject("provenance").putObject("request");
        request.put("maxResults", maxResults);
        request.put("summarize", false);
        request.put("incrementalResults", false);
        final ObjectNode terms = request.putObject("searchTerms");
        for (final Map.Entry<String, String> term : searchTerms.entrySet()) {
            final ObjectNode value = terms.putObject(term.getKey());
            value.put("value", term.getValue());
            value.put("inverse", false);
        }
        final String queryId = text(post("/provenance", body).path("provenance"), "id");
        final String queryPath = "/provenance/" + queryId;
        try {
            final JsonNode finished = await(timeout, "provenance query " + queryId,
                    () -> get(queryPath + "?summarize=false&incrementalResults=false").path("provenance"),
                    query -> query.path("finished").asBoolean(false));
            final List<ProvenanceEvent> events = new ArrayList<>();
            for (final JsonNode event : finished.path("results").path("provenanceEvents")) {
                events.add(ProvenanceEvent.of(event));
            }
            return events;
        } finally {
            delete(queryPath);
        }
    }

    /** Repeats a provenance query until its events satisfy {@code condition}, e.g. "at least one DROP". */
    public List<ProvenanceEvent> awaitProvenanceEvents(final Map<String, String> searchTerms,
                                                       final Predicate<List<ProvenanceEvent>> condition,
                                                       final Duration timeout) throws IOException, InterruptedException {
        return await(timeout, "provenance events matching " + searchTerms,
                () -> queryProvenance(searchTerms, 1000, Duration.ofSeconds(60)), condition);
    }

    /** {@code GET /provenance-events/{id}}: one event in full (standalone NiFi; on a cluster name the node). */
    public ProvenanceEvent provenanceEvent(final long eventId) throws IOException, InterruptedException {
        return ProvenanceEvent.of(get("/provenance-events/" + eventId).path("provenanceEvent"));
    }

    /**
     * {@code GET /provenance-events/{id}?clusterNodeId=..}: one event of one cluster node in full. Event ids are per node,
     * so on a cluster NiFi needs the node: {@link ProvenanceEvent#clusterNodeId()} of a query result.
     */
    public ProvenanceEvent provenanceEvent(final long eventId, final String clusterNodeId) throws IOException, InterruptedException {
        return ProvenanceEvent.of(get("/provenance-events/" + eventId + "?clusterNodeId="
                + URLEncoder.encode(clusterNodeId, StandardCharsets.UTF_8)).path("provenanceEvent"));
    }

    /**
     * A query's events grouped by the cluster node that recorded them ({@link ProvenanceEvent#clusterNodeAddress()},
     * e.g. {@code 127.0.0.1:41234}), addresses in order: which node did which part of the work. A standalone NiFi's events
     * all fall under the empty address.
     */
    public static Map<String, List<ProvenanceEvent>> eventsByNode(final Collection<ProvenanceEvent> events) {
        final Map<String, List<ProvenanceEvent>> byNode = new TreeMap<>();
        for (final ProvenanceEvent event : events) {
            byNode.computeIfAbsent(Objects.toString(event.clusterNodeAddress(), ""), address -> new ArrayList<>()).add(event);
        }
        return byNode;
    }

    /** {@code GET /provenance-events/{id}/content/output}: the flowfile content after the event. */
    public byte[] provenanceOutputContent(final long eventId) throws IOException, InterruptedException {
        return provenanceOutputContent(eventId, null);
    }

    /**
     * The content an event's flowfile had after the event; on a cluster, of the event of node {@code clusterNodeId}
     * ({@link ProvenanceEvent#clusterNodeId()}), since event ids are per node. Null: a standalone NiFi's event.
     */
    public byte[] provenanceOutputContent(final long eventId, final String clusterNodeId) throws IOException, InterruptedException {
        final HttpRequest request = request("/provenance-events/" + eventId + "/content/output" + (clusterNodeId == null ? ""
                : "?clusterNodeId=" + URLEncoder.encode(clusterNodeId, StandardCharsets.UTF_8))).GET().build();
        final HttpResponse<byte[]> response = httpClient.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new NiFiApiException(request, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        }
        return response.body();
    }

    /** Downloads the output content of a provenance event to a file. */
    public Path downloadProvenanceOutputContent(final long eventId, final Path target) throws IOException, InterruptedException {
        final HttpRequest request = request("/provenance-events/" + eventId + "/content/output").GET().build();
        final HttpResponse<Path> response = httpClient.send(request, HttpResponse.BodyHandlers.ofFile(target));
        if (response.statusCode() != 200) {
            final String body = Files.readString(target, StandardCharsets.UTF_8);
            Files.deleteIfExists(target);
            throw new NiFiApiException(request, response.statusCode(), body);
        }
        return target;
    }

    // ---- plumbing ----

    /** {@code GET} a path under the API root and parse the JSON answer. */
    public JsonNode get(final String path) throws IOException, InterruptedException {
        return sendForJson(request(path).GET().build());
    }

    /** {@code POST} JSON to a path under the API root and parse the JSON answer. */
    public JsonNode post(final String path, final JsonNode body) throws IOException, InterruptedException {
        return sendForJson(jsonRequest(path).POST(HttpRequest.BodyPublishers.ofString(json(body))).build());
    }

    /** {@code PUT} JSON to a path under the API root and parse the JSON answer. */
    public JsonNode put(final String path, final JsonNode body) throws IOException, InterruptedException {
        return sendForJson(jsonRequest(path).PUT(HttpRequest.BodyPublishers.ofString(json(body))).build());
    }

    /** {@code DELETE} a path under the API root (the client id is added as a query parameter). */
    public JsonNode delete(final String path) throws IOException, InterruptedException {
        final String separator = path.contains("?") ? "&" : "?";
        return sendForJson(request(path + separator + "clientId=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8))
                .DELETE().build());
    }

    /** The revision of an entity, with this client's id, ready to send back with a change. */
    public ObjectNode revision(final JsonNode entity) {
        final ObjectNode revision = MAPPER.createObjectNode();
        revision.put("clientId", clientId);
        revision.put("version", entity.path("revision").path("version").asLong(0));
        return revision;
    }

    private HttpRequest.Builder request(final String path) {
        return HttpRequest.newBuilder(URI.create(apiUri + path)).timeout(REQUEST_TIMEOUT);
    }

    private HttpRequest.Builder jsonRequest(final String path) {
        return request(path).header("Content-Type", "application/json").header("Accept", "application/json");
    }

    private JsonNode sendForJson(final HttpRequest request) throws IOException, InterruptedException {
        final HttpResponse<String> response = httpClient.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new NiFiApiException(request, response.statusCode(), response.body());
        }
        final String body = response.body();
        return body == null || body.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(body);
    }

    private static String json(final JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeField(final ByteArrayOutputStream body, final String boundary, final String name,
                                   final String value) {
        body.writeBytes(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n"
                + value + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String text(final JsonNode node, final String field) throws IOException {
        final JsonNode value = node.path(field);
        if (!value.isTextual()) {
            throw new IOException("NiFi's answer has no text field '" + field + "': " + node);
        }
        return value.asText();
    }

    private static <T> T await(final Duration timeout, final String what, final Call<T> call, final Predicate<T> done)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        T last = call.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("Timed out after " + timeout + " waiting for " + what + "; last answer: " + last);
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
            last = call.get();
        }
        return last;
    }

    @FunctionalInterface
    private interface Call<T> {
        T get() throws IOException, InterruptedException;
    }

    /** A processor type NiFi lists, with the bundle (NAR) it comes from. */
    public record ProcessorType(String type, String description, String bundleGroup, String bundleArtifact,
                                String bundleVersion, Set<String> tags, boolean restricted) {
    }

    /** A processor of a group: run state ({@code STOPPED}, {@code RUNNING}, ...) and validation. */
    public record ProcessorSummary(String id, String name, String type, String groupId, String state,
                                   String validationStatus, List<String> validationErrors) {

        public boolean isValid() {
            return "VALID".equals(validationStatus);
        }
    }

    /** What one connection holds now. */
    public record ConnectionQueue(String id, String groupId, String name, String sourceName, String destinationName,
                                  long flowFilesQueued, long bytesQueued) {

        /**
         * Where the connection ends, as a user reads it: the destination's name, or for a funnel (which NiFi names
         * "Funnel") the connection's name, e.g. "results". (NiFi reports an unnamed connection's name as its relationships.)
         */
        public String target() {
            return "Funnel".equals(destinationName) ? name : destinationName;
        }
    }

    /** A provenance event as the REST API describes it, with its attributes after the event. */
    public record ProvenanceEvent(long eventId, String eventType, String componentId, String componentName,
                                  String componentType, String groupId, String flowFileUuid, String relationship,
                                  String details, Map<String, String> attributes, boolean outputContentAvailable,
                                  long outputContentSize, JsonNode raw) {

        static ProvenanceEvent of(final JsonNode event) {
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (final JsonNode attribute : event.path("attributes")) {
                final JsonNode value = attribute.path("value");
                attributes.put(attribute.path("name").asText(), value.isNull() || value.isMissingNode() ? null : value.asText());
            }
            return new ProvenanceEvent(event.path("eventId").asLong(), event.path("eventType").asText(),
                    event.path("componentId").asText(), event.path("componentName").asText(),
                    event.path("componentType").asText(), event.path("groupId").asText(),
                    event.path("flowFileUuid").asText(), event.path("relationship").asText(null),
                    event.path("details").asText(null), attributes, event.path("outputContentAvailable").asBoolean(false),
                    event.path("outputContentClaimFileSizeBytes").asLong(-1), event);
        }

        public String attribute(final String name) {
            return attributes.get(name);
        }

        /** On a cluster, the id of the node that recorded the event (needed to fetch it or its content); else null. */
        public String clusterNodeId() {
            return raw.path("clusterNodeId").asText(null);
        }

        /** On a cluster, the node that recorded the event as {@code address:apiPort}, e.g. {@code 127.0.0.1:41234}; else null. */
        public String clusterNodeAddress() {
            return raw.path("clusterNodeAddress").asText(null);
        }
    }

    /** {@link #clusterSummary()}: connected nodes of all the cluster knows, and whether the node asked is connected. */
    public record ClusterSummary(int connectedNodeCount, int totalNodeCount, boolean connectedToCluster, boolean clustered) {
    }

    /**
     * A node as the cluster coordinator sees it: its id (a UUID NiFi keeps across restarts of the node), address and HTTP
     * port, status ({@code CONNECTING}, {@code CONNECTED}, {@code DISCONNECTING}, {@code DISCONNECTED}, {@code OFFLOADING},
     * {@code OFFLOADED}) and roles ({@value #PRIMARY_NODE}, {@value #CLUSTER_COORDINATOR}).
     */
    public record ClusterNode(String nodeId, String address, int apiPort, String status, Set<String> roles, String lastHeartbeat) {

        public static final String PRIMARY_NODE = "Primary Node";
        public static final String CLUSTER_COORDINATOR = "Cluster Coordinator";

        public boolean isConnected() {
            return "CONNECTED".equals(status);
        }

        public boolean isPrimary() {
            return roles.contains(PRIMARY_NODE);
        }

        public boolean isCoordinator() {
            return roles.contains(CLUSTER_COORDINATOR);
        }

        /** {@code address:apiPort}, as provenance events and queue listings name the node. */
        public String apiAddress() {
            return address + ":" + apiPort;
        }
    }

    /** NiFi answered a request with a non-2xx status. */
    public static final class NiFiApiException extends IOException {
        private static final long serialVersionUID = 1L;

        private final int statusCode;
        private final String body;

        NiFiApiException(final HttpRequest request, final int statusCode, final String body) {
            super(request.method() + " " + request.uri() + " answered HTTP " + statusCode + ": " + Objects.toString(body, ""));
            this.statusCode = statusCode;
            this.body = body;
        }

        public int statusCode() {
            return statusCode;
        }

        public String body() {
            return body;
        }
    }
}
