package org.nifitransfer.e2e.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flow.ConnectableComponentType;
import org.apache.nifi.flow.VersionedConnection;
import org.apache.nifi.flow.VersionedParameter;
import org.apache.nifi.flow.VersionedProcessGroup;
import org.apache.nifi.flow.VersionedProcessor;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.registry.flow.RegisteredFlowSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The committed flow definitions are what {@link FlowDefinitions} generates, and each is wired completely. */
class FlowDefinitionsTest {

    private static final Pattern PARAMETER = Pattern.compile("#\\{([^}]+)}");

    static Set<String> flows() {
        return FlowDefinitions.all().keySet();
    }

    @ParameterizedTest
    @MethodSource("flows")
    void theCommittedFileIsUpToDate(final String path) throws Exception {
        final Path project = Path.of(System.getProperty("transfer.project.dir", ".."));
        final String generated = FlowDefinitions.json(FlowDefinitions.all().get(path).build());
        final Path file = project.resolve(path);
        if (Boolean.getBoolean("flows.write")) {
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(file), path + " is missing: run the tests with -Dflows.write=true to write it");
        assertEquals(generated, Files.readString(file, StandardCharsets.UTF_8),
                path + " differs from what FlowDefinitions generates: run the tests with -Dflows.write=true to update it");
        final RegisteredFlowSnapshot read = FlowDefinitions.MAPPER.readValue(generated, RegisteredFlowSnapshot.class);
        assertEquals(FlowDefinitions.all().get(path).build().getFlowContents().getProcessors().size(), read.getFlowContents().getProcessors().size());
    }

    @ParameterizedTest
    @MethodSource("flows")
    void everyRelationshipIsConnectedOrDeliberatelyTerminatedAndEveryPropertyExists(final String path) throws Exception {
        final FlowBuilder builder = FlowDefinitions.all().get(path);
        final RegisteredFlowSnapshot snapshot = builder.build();
        final VersionedProcessGroup group = snapshot.getFlowContents();
        final Set<String> parameters = snapshot.getParameterContexts().get(group.getParameterContextName()).getParameters().stream()
                .map(VersionedParameter::getName).collect(Collectors.toSet());
        final Set<String> referenced = new HashSet<>();
        for (final VersionedProcessor processor : group.getProcessors()) {
            final Class<? extends Processor> type = builder.types().get(processor.getIdentifier());
            final Processor instance = type.getDeclaredConstructor().newInstance();
            final Set<String> connected = group.getConnections().stream()
                    .filter(connection -> connection.getSource().getId().equals(processor.getIdentifier()))
                    .flatMap(connection -> connection.getSelectedRelationships().stream()).collect(Collectors.toSet());
            for (final Relationship relationship : instance.getRelationships()) {
                final boolean handled = connected.contains(relationship.getName())
                        || processor.getAutoTerminatedRelationships().contains(relationship.getName());
                assertTrue(handled, path + ": " + processor.getName() + "'s " + relationship.getName() + " goes nowhere");
            }
            final Set<String> names = instance.getPropertyDescriptors().stream().map(PropertyDescriptor::getName).collect(Collectors.toSet());
            for (final Map.Entry<String, String> property : processor.getProperties().entrySet()) {
                assertTrue(names.contains(property.getKey()), path + ": " + processor.getName() + " has no property " + property.getKey());
                final Matcher matcher = PARAMETER.matcher(property.getValue());
                while (matcher.find()) {
                    referenced.add(matcher.group(1));
                }
            }
        }
        assertTrue(parameters.containsAll(referenced), path + ": undefined parameters " + referenced.stream()
                .filter(name -> !parameters.contains(name)).toList());
        for (final VersionedConnection connection : group.getConnections()) {
            // a connection from a processor carries relationships; one from an input port carries what comes in
            assertEquals(connection.getSource().getType() == ConnectableComponentType.PROCESSOR, !connection.getSelectedRelationships().isEmpty());
        }
        assertTrue(group.getLabels().size() >= 1, path + " explains itself with labels");
        assertTrue(group.getConnections().stream().anyMatch(connection -> connection.getDestination().getType() == ConnectableComponentType.FUNNEL
                && "results".equals(connection.getName())), path + " ends in a results funnel");
        assertEquals(0, group.getOutputPorts().size(), path + ": an output port nothing consumes is invalid on the canvas");
    }

    /**
     * The template is ready for a cluster: the primary node loads, the connection into ResizeAndNormalize balances round
     * robin (and no other does), every connection into a join partitions by run id without back pressure by size, and
     * nothing else balances.
     */
    @Test
    void theTemplateSpreadsShardsOverAClusterAndGathersEachRunOnOneNode() {
        final VersionedProcessGroup group = FlowDefinitions.all().get("templates/cats-vs-dogs.json").build().getFlowContents();
        final Map<String, VersionedProcessor> byId = group.getProcessors().stream()
                .collect(Collectors.toMap(VersionedProcessor::getIdentifier, processor -> processor));
        final Set<String> joins = Set.of("TrainHead", "FineTune", "Evaluate Head Model", "Evaluate Fine-Tuned Model");
        int partitioned = 0;
        for (final VersionedProcessor processor : group.getProcessors()) {
            assertEquals(processor.getName().equals("LoadImageFolder") ? "PRIMARY" : "ALL", processor.getExecutionNode(), processor.getName());
        }
        for (final VersionedConnection connection : group.getConnections()) {
            final VersionedProcessor destination = byId.get(connection.getDestination().getId());
            final String into = destination == null ? "a funnel" : destination.getName();
            if (into.equals("ResizeAndNormalize")) {
                assertEquals("ROUND_ROBIN", connection.getLoadBalanceStrategy());
            } else if (joins.contains(into)) {
                assertEquals("PARTITION_BY_ATTRIBUTE", connection.getLoadBalanceStrategy(), "into " + into);
                assertEquals("transfer.run.id", connection.getPartitioningAttribute());
                assertEquals(FlowBuilder.JOIN_BACK_PRESSURE_DATA_SIZE, connection.getBackPressureDataSizeThreshold());
                partitioned++;
            } else {
                assertEquals("DO_NOT_LOAD_BALANCE", connection.getLoadBalanceStrategy(), "into " + into);
            }
        }
        // TrainHead: features; FineTune: tensors and model; each Evaluate: tensors and model
        assertEquals(7, partitioned);
    }

    /**
     * The layout as NiFi's UI draws it, from the committed JSON: no connection line crosses a component other than its two
     * ends, no connection label covers a component or another connection's label.
     */
    @ParameterizedTest
    @MethodSource("flows")
    void noLineCrossesAComponentAndNoLabelCoversOne(final String path) throws Exception {
        final JsonNode group = FlowDefinitions.MAPPER.readTree(Path.of(System.getProperty("transfer.project.dir", "..")).resolve(path).toFile())
                .path("flowContents");
        final Map<String, CanvasGeometry.Box> boxes = new LinkedHashMap<>();
        for (final JsonNode processor : group.path("processors")) {
            boxes.put(processor.path("identifier").asText(), box(processor.path("name").asText(), processor, CanvasGeometry.PROCESSOR_WIDTH,
                    CanvasGeometry.PROCESSOR_HEIGHT));
        }
        for (final JsonNode funnel : group.path("funnels")) {
            boxes.put(funnel.path("identifier").asText(), box("a funnel", funnel, CanvasGeometry.FUNNEL_SIZE, CanvasGeometry.FUNNEL_SIZE));
        }
        for (final JsonNode port : group.path("inputPorts")) {
            boxes.put(port.path("identifier").asText(), box(port.path("name").asText(), port, CanvasGeometry.PORT_WIDTH, CanvasGeometry.PORT_HEIGHT));
        }
        for (final JsonNode port : group.path("outputPorts")) {
            boxes.put(port.path("identifier").asText(), box(port.path("name").asText(), port, CanvasGeometry.PORT_WIDTH, CanvasGeometry.PORT_HEIGHT));
        }
        for (final JsonNode label : group.path("labels")) {
            boxes.put(label.path("identifier").asText(), box("a label", label, label.path("width").asDouble(), label.path("height").asDouble()));
        }
        final List<CanvasGeometry.Box> components = List.copyOf(boxes.values());
        final Map<String, CanvasGeometry.Box> labels = new LinkedHashMap<>();
        final Map<String, JsonNode> connections = new LinkedHashMap<>();
        for (final JsonNode connection : group.path("connections")) {
            final CanvasGeometry.Box source = boxes.get(connection.path("source").path("id").asText());
            final CanvasGeometry.Box destination = boxes.get(connection.path("destination").path("id").asText());
            final String name = source.name() + " -> " + destination.name() + " " + connection.path("selectedRelationships");
            labels.put(name, CanvasGeometry.labelBox(name, CanvasGeometry.labelAnchor(source, destination, bends(connection),
                    connection.path("labelIndex").asInt())));
            connections.put(name, connection);
        }
        assertTrue(connections.size() > 3, path);
        for (final Map.Entry<String, JsonNode> connection : connections.entrySet()) {
            final CanvasGeometry.Box source = boxes.get(connection.getValue().path("source").path("id").asText());
            final CanvasGeometry.Box destination = boxes.get(connection.getValue().path("destination").path("id").asText());
            final List<CanvasGeometry.Box> others = labels.entrySet().stream().filter(entry -> !entry.getKey().equals(connection.getKey()))
                    .map(Map.Entry::getValue).toList();
            final java.util.Optional<String> problem = CanvasGeometry.problem(source, destination, bends(connection.getValue()),
                    connection.getValue().path("labelIndex").asInt(), components, others);
            assertTrue(problem.isEmpty(), path + ": the connection " + connection.getKey() + ": " + problem.orElse(""));
        }
    }

    private static CanvasGeometry.Box box(final String name, final JsonNode component, final double width, final double height) {
        return new CanvasGeometry.Box(name, component.path("position").path("x").asDouble(), component.path("position").path("y").asDouble(),
                width, height);
    }

    private static List<CanvasGeometry.Point> bends(final JsonNode connection) {
        final List<CanvasGeometry.Point> bends = new java.util.ArrayList<>();
        connection.path("bends").forEach(bend -> bends.add(new CanvasGeometry.Point(bend.path("x").asDouble(), bend.path("y").asDouble())));
        return bends;
    }
}
