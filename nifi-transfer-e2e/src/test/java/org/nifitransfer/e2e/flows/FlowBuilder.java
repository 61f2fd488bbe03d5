package org.nifitransfer.e2e.flows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.nifi.components.PortFunction;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flow.Bundle;
import org.apache.nifi.flow.ComponentType;
import org.apache.nifi.flow.ConnectableComponent;
import org.apache.nifi.flow.ConnectableComponentType;
import org.apache.nifi.flow.PortType;
import org.apache.nifi.flow.Position;
import org.apache.nifi.flow.ScheduledState;
import org.apache.nifi.flow.VersionedConnection;
import org.apache.nifi.flow.VersionedFunnel;
import org.apache.nifi.flow.VersionedLabel;
import org.apache.nifi.flow.VersionedParameter;
import org.apache.nifi.flow.VersionedParameterContext;
import org.apache.nifi.flow.VersionedPort;
import org.apache.nifi.flow.VersionedProcessGroup;
import org.apache.nifi.flow.VersionedProcessor;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.registry.flow.RegisteredFlowSnapshot;

/**
 * Builds NiFi 2 flow definitions ("Download flow definition" / "Upload" JSON) with NiFi's own flow model. Identifiers
 * are name-based UUIDs, so the same definition always serialises to the same JSON.
 */
final class FlowBuilder {

    static final String BUNDLE_GROUP = "org.nifitransfer";
    static final String BUNDLE_ARTIFACT = "nifi-transfer-nar";
    static final String BUNDLE_VERSION = "0.1.0-SNAPSHOT";
    /** The data-size back pressure of a connection into a join: in effect none (see {@link #partitionByRun()}). */
    static final String JOIN_BACK_PRESSURE_DATA_SIZE = "1 TB";

    private final String flowName;
    private final VersionedProcessGroup group = new VersionedProcessGroup();
    private final Set<VersionedProcessor> processors = new LinkedHashSet<>();
    private final LinkedHashSet<VersionedConnection> connections = new LinkedHashSet<>();
    private final Set<VersionedLabel> labels = new LinkedHashSet<>();
    private final Set<VersionedFunnel> funnels = new LinkedHashSet<>();
    private final Set<VersionedPort> inputPorts = new LinkedHashSet<>();
    private final Map<String, String> funnelNames = new LinkedHashMap<>();
    private final Set<VersionedParameter> parameters = new LinkedHashSet<>();
    private final Map<String, Class<? extends Processor>> types = new LinkedHashMap<>();

    FlowBuilder(final String flowName, final String comments) {
        this.flowName = flowName;
        group.setIdentifier(id("group"));
        group.setName(flowName);
        group.setComments(comments);
        group.setPosition(new Position(0, 0));
        group.setComponentType(ComponentType.PROCESS_GROUP);
        group.setParameterContextName(flowName);
        group.setFlowFileConcurrency("UNBOUNDED");
        group.setFlowFileOutboundPolicy("STREAM_WHEN_AVAILABLE");
        group.setDefaultFlowFileExpiration("0 sec");
        group.setDefaultBackPressureObjectThreshold(10_000L);
        group.setDefaultBackPressureDataSizeThreshold("1 GB");
        group.setExecutionEngine(org.apache.nifi.flow.ExecutionEngine.INHERITED);
        group.setScheduledState(ScheduledState.ENABLED);
        group.setMaxConcurrentTasks(1);
        group.setStatelessFlowTimeout("1 min");
    }

    /** A stable identifier for a component of this flow. */
    String id(final String component) {
        return UUID.nameUUIDFromBytes((flowName + "/" + component).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Adds a parameter of the flow's parameter context. */
    FlowBuilder parameter(final String name, final String value, final String description) {
        final VersionedParameter parameter = new VersionedParameter();
        parameter.setName(name);
        parameter.setValue(value);
        parameter.setDescription(description);
        parameter.setSensitive(false);
        parameter.setProvided(false);
        parameters.add(parameter);
        return this;
    }

    /** Adds a processor; {@code properties} maps property descriptors to values (parameter references allowed). */
    VersionedProcessor processor(final String name, final Class<? extends Processor> type, final double x, final double y,
                                 final Map<PropertyDescriptor, String> properties, final String schedulingPeriod) {
        final VersionedProcessor processor = new VersionedProcessor();
        processor.setIdentifier(id(name));
        processor.setName(name);
        processor.setGroupIdentifier(group.getIdentifier());
        processor.setPosition(new Position(x, y));
        processor.setComponentType(ComponentType.PROCESSOR);
        processor.setType(type.getName());
        final Bundle bundle = new Bundle();
        bundle.setGroup(BUNDLE_GROUP);
        bundle.setArtifact(BUNDLE_ARTIFACT);
        bundle.setVersion(BUNDLE_VERSION);
        processor.setBundle(bundle);
        final Map<String, String> values = new LinkedHashMap<>();
        properties.forEach((descriptor, value) -> values.put(descriptor.getName(), value));
        processor.setProperties(values);
        processor.setPropertyDescriptors(Map.of());
        processor.setSchedulingPeriod(schedulingPeriod);
        processor.setSchedulingStrategy("TIMER_DRIVEN");
        processor.setExecutionNode("ALL");
        processor.setPenaltyDuration("30 sec");
        processor.setYieldDuration("1 sec");
        processor.setBulletinLevel("WARN");
        processor.setRunDurationMillis(0L);
        processor.setConcurrentlySchedulableTaskCount(1);
        processor.setAutoTerminatedRelationships(new LinkedHashSet<>());
        processor.setScheduledState(ScheduledState.ENABLED);
        processor.setRetryCount(10);
        processor.setRetriedRelationships(Set.of());
        processor.setBackoffMechanism("PENALIZE_FLOWFILE");
        processor.setMaxBackoffPeriod("10 mins");
        processor.setStyle(Map.of());
        processors.add(processor);
        types.put(processor.getIdentifier(), type);
        return processor;
    }

    /**
     * Routes what cannot go on in one lane of the flow to that lane's {@code failures} funnel and drops what is
     * deliberately not kept: each processor's {@code failure} and {@code timeout} relationships go to the funnel;
     * {@code original} (inputs a join used, part of the output's lineage) and {@code unused} (splits a processor does not
     * need, copies of data used elsewhere) are auto-terminated.
     */
    FlowBuilder routeFailures(final VersionedFunnel failures, final VersionedProcessor... lane) throws ReflectiveOperationException {
        for (final VersionedProcessor processor : lane) {
            final Set<Relationship> relationships = types.get(processor.getIdentifier()).getDeclaredConstructor().newInstance().getRelationships();
            final Relationship[] toFailures = relationships.stream().filter(relationship -> Set.of("failure", "timeout").contains(relationship.getName()))
                    .sorted(java.util.Comparator.comparing(Relationship::getName)).toArray(Relationship[]::new);
            connect(processor, failures, toFailures);
            relationships.stream().filter(relationship -> Set.of("original", "unused").contains(relationship.getName()))
                    .sorted(java.util.Comparator.comparing(Relationship::getName))
                    .forEach(relationship -> processor.getAutoTerminatedRelationships().add(relationship.getName()));
        }
        return this;
    }

    /**
     * A funnel where {@code name}d flowfiles queue (results, models, failures): valid on the canvas with nothing after
     * it, unlike an output port that nothing consumes at the parent level. Connections into it are named {@code name}.
     */
    VersionedFunnel funnel(final String name, final double x, final double y) {
        final VersionedFunnel funnel = new VersionedFunnel();
        funnel.setIdentifier(id("funnel/" + name + "/" + x + "/" + y));
        funnel.setGroupIdentifier(group.getIdentifier());
        funnel.setPosition(new Position(x, y));
        funnel.setComponentType(ComponentType.FUNNEL);
        funnels.add(funnel);
        funnelNames.put(funnel.getIdentifier(), name);
        return funnel;
    }

    /** An input port: where flowfiles from outside the group (GetFile, ListenHTTP, ...) come in. */
    VersionedPort inputPort(final String name, final double x, final double y) {
        final VersionedPort port = new VersionedPort();
        port.setIdentifier(id("input-port/" + name));
        port.setName(name);
        port.setGroupIdentifier(group.getIdentifier());
        port.setPosition(new Position(x, y));
        port.setComponentType(ComponentType.INPUT_PORT);
        port.setType(PortType.INPUT_PORT);
        port.setConcurrentlySchedulableTaskCount(1);
        port.setScheduledState(ScheduledState.ENABLED);
        port.setAllowRemoteAccess(false);
        port.setPortFunction(PortFunction.STANDARD);
        inputPorts.add(port);
        return port;
    }

    /** Connects an input port to a processor. */
    FlowBuilder connect(final VersionedPort source, final VersionedProcessor destination) {
        return connect(endpoint(source.getIdentifier(), ConnectableComponentType.INPUT_PORT, source.getName()),
                endpoint(destination.getIdentifier(), ConnectableComponentType.PROCESSOR, destination.getName()));
    }

    /** Connects relationships of {@code source} to a processor. */
    FlowBuilder connect(final VersionedProcessor source, final VersionedProcessor destination, final Relationship... relationships) {
        return connect(source, endpoint(destination.getIdentifier(), ConnectableComponentType.PROCESSOR, destination.getName()), relationships);
    }

    /** Connects relationships of {@code source} to a funnel; the connection is named as the funnel is. */
    FlowBuilder connect(final VersionedProcessor source, final VersionedFunnel destination, final Relationship... relationships) {
        connect(source, endpoint(destination.getIdentifier(), ConnectableComponentType.FUNNEL, "Funnel"), relationships);
        connections.stream().reduce((first, second) -> second).orElseThrow().setName(funnelNames.get(destination.getIdentifier()));
        return this;
    }

    private FlowBuilder connect(final VersionedProcessor source, final ConnectableComponent destination, final Relationship... relationships) {
        return connect(endpoint(source.getIdentifier(), ConnectableComponentType.PROCESSOR, source.getName()), destination, relationships);
    }

    private FlowBuilder connect(final ConnectableComponent source, final ConnectableComponent destination, final Relationship... relationships) {
        final VersionedConnection connection = new VersionedConnection();
        final Set<String> selected = new LinkedHashSet<>();
        for (final Relationship relationship : relationships) {
            selected.add(relationship.getName());
        }
        connection.setIdentifier(id("connection/" + source.getName() + "/" + selected + "/" + destination.getName()));
        connection.setName("");
        connection.setGroupIdentifier(group.getIdentifier());
        connection.setComponentType(ComponentType.CONNECTION);
        connection.setSource(source);
        connection.setDestination(destination);
        connection.setSelectedRelationships(selected);
        connection.setBackPressureObjectThreshold(10_000L);
        connection.setBackPressureDataSizeThreshold("1 GB");
        connection.setFlowFileExpiration("0 sec");
        connection.setPrioritizers(List.of());
        connection.setBends(List.of());
        connection.setLabelIndex(1);
        connection.setzIndex(0L);
        connection.setLoadBalanceStrategy("DO_NOT_LOAD_BALANCE");
        connection.setLoadBalanceCompression("DO_NOT_COMPRESS");
        connection.setPartitioningAttribute("");
        connections.add(connection);
        return this;
    }

    /**
     * Spreads the last connection's flowfiles over a cluster's nodes, one after another (NiFi's Round Robin load
     * balancing); a standalone NiFi keeps the setting and ignores it.
     */
    FlowBuilder roundRobin() {
        final VersionedConnection connection = connections.getLast();
        connection.setLoadBalanceStrategy("ROUND_ROBIN");
        return this;
    }

    /**
     * Sends every flowfile of one run over the last connection to the same node of a cluster (NiFi's Partition by
     * Attribute on {@code transfer.run.id}), so a join finds all of a run's shards on one node, and holds no back
     * pressure by size there: a join takes a run only once every shard is queued, so a full queue would wait forever.
     */
    FlowBuilder partitionByRun() {
        final VersionedConnection connection = connections.getLast();
        connection.setLoadBalanceStrategy("PARTITION_BY_ATTRIBUTE");
        connection.setPartitioningAttribute("transfer.run.id");
        connection.setBackPressureDataSizeThreshold(JOIN_BACK_PRESSURE_DATA_SIZE);
        return this;
    }

    /** Runs {@code processor} on the primary node of a cluster only (every node of a standalone NiFi is its primary). */
    FlowBuilder primaryNodeOnly(final VersionedProcessor processor) {
        processor.setExecutionNode("PRIMARY");
        return this;
    }

    private ConnectableComponent endpoint(final String id, final ConnectableComponentType type, final String name) {
        final ConnectableComponent component = new ConnectableComponent();
        component.setId(id);
        component.setType(type);
        component.setGroupId(group.getIdentifier());
        component.setName(name);
        return component;
    }

    /** A label on the canvas. */
    FlowBuilder label(final String text, final double x, final double y, final double width, final double height) {
        final VersionedLabel label = new VersionedLabel();
        label.setIdentifier(id("label/" + text));
        label.setGroupIdentifier(group.getIdentifier());
        label.setComponentType(ComponentType.LABEL);
        label.setLabel(text);
        label.setPosition(new Position(x, y));
        label.setWidth(width);
        label.setHeight(height);
        label.setzIndex(0L);
        label.setStyle(Map.of("font-size", "14px"));
        labels.add(label);
        return this;
    }

    /**
     * Gives every connection a route that crosses no component and a label that covers none and no other label
     * ({@link CanvasGeometry#route}), in the order the connections were made.
     */
    private void layOutConnections() {
        final Map<String, CanvasGeometry.Box> boxes = boxes(processors, funnels, labels);
        inputPorts.forEach(port -> boxes.put(port.getIdentifier(), new CanvasGeometry.Box("input port " + port.getName(), port.getPosition().getX(),
                port.getPosition().getY(), CanvasGeometry.PORT_WIDTH, CanvasGeometry.PORT_HEIGHT)));
        final List<CanvasGeometry.Box> components = new ArrayList<>(boxes.values());
        final List<CanvasGeometry.Box> placedLabels = new ArrayList<>();
        for (final VersionedConnection connection : connections) {
            final CanvasGeometry.Box source = boxes.get(connection.getSource().getId());
            final CanvasGeometry.Box destination = boxes.get(connection.getDestination().getId());
            final boolean failures = "failures".equals(connection.getName());
            final List<CanvasGeometry.Point> bends = (failures ? CanvasGeometry.channelBelow(source, destination, components, placedLabels)
                    : java.util.Optional.<List<CanvasGeometry.Point>>empty())
                    .or(() -> CanvasGeometry.route(source, destination, components, placedLabels))
                    .orElseThrow(() -> new IllegalStateException("No route from " + source.name() + " to " + destination.name()
                            + " crosses no component with its label clear: move the components of flow " + flowName));
            connection.setBends(bends.stream().map(point -> new Position(point.x(), point.y())).toList());
            connection.setLabelIndex(0);
            placedLabels.add(CanvasGeometry.labelBox(source.name() + " -> " + destination.name(), bends.getFirst()));
        }
    }

    /** The boxes of a flow's components by identifier, as the UI draws them. */
    static Map<String, CanvasGeometry.Box> boxes(final Set<VersionedProcessor> processors, final Set<VersionedFunnel> funnels,
                                                 final Set<VersionedLabel> labels) {
        final Map<String, CanvasGeometry.Box> boxes = new LinkedHashMap<>();
        processors.forEach(processor -> boxes.put(processor.getIdentifier(), new CanvasGeometry.Box(processor.getName(), processor.getPosition().getX(),
                processor.getPosition().getY(), CanvasGeometry.PROCESSOR_WIDTH, CanvasGeometry.PROCESSOR_HEIGHT)));
        funnels.forEach(funnel -> boxes.put(funnel.getIdentifier(), new CanvasGeometry.Box("funnel at " + funnel.getPosition().getX() + ","
                + funnel.getPosition().getY(), funnel.getPosition().getX(), funnel.getPosition().getY(), CanvasGeometry.FUNNEL_SIZE,
                CanvasGeometry.FUNNEL_SIZE)));
        labels.forEach(label -> boxes.put(label.getIdentifier(), new CanvasGeometry.Box("label '" + label.getLabel() + "'", label.getPosition().getX(),
                label.getPosition().getY(), label.getWidth(), label.getHeight())));
        return boxes;
    }

    /** The processor classes by component identifier, for checks. */
    Map<String, Class<? extends Processor>> types() {
        return types;
    }

    /** The flow definition. */
    RegisteredFlowSnapshot build() {
        group.setProcessors(processors);
        group.setConnections(connections);
        group.setLabels(labels);
        group.setOutputPorts(new LinkedHashSet<>());
        group.setInputPorts(inputPorts);
        group.setFunnels(funnels);
        layOutConnections();
        group.setProcessGroups(new LinkedHashSet<>());
        group.setRemoteProcessGroups(new LinkedHashSet<>());
        group.setControllerServices(new LinkedHashSet<>());
        final VersionedParameterContext context = new VersionedParameterContext();
        context.setIdentifier(id("parameter-context"));
        context.setName(flowName);
        context.setDescription("What to change for your data: " + flowName);
        context.setParameters(parameters);
        context.setInheritedParameterContexts(List.of());
        context.setComponentType(ComponentType.PARAMETER_CONTEXT);
        final RegisteredFlowSnapshot snapshot = new RegisteredFlowSnapshot();
        snapshot.setFlowContents(group);
        snapshot.setParameterContexts(Map.of(flowName, context));
        snapshot.setExternalControllerServices(Map.of());
        snapshot.setParameterProviders(Map.of());
        snapshot.setFlowEncodingVersion("1.0");
        snapshot.setLatest(false);
        return snapshot;
    }
}
