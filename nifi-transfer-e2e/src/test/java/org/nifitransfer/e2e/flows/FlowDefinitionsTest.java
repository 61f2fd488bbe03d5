package org.nifitransfer.e2e.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flow.ComponentType;
import org.apache.nifi.flow.VersionedConnection;
import org.apache.nifi.flow.VersionedParameter;
import org.apache.nifi.flow.VersionedProcessGroup;
import org.apache.nifi.flow.VersionedProcessor;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.registry.flow.RegisteredFlowSnapshot;
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
            assertFalse(connection.getSelectedRelationships().isEmpty());
        }
        assertTrue(group.getLabels().size() >= 1, path + " explains itself with labels");
        assertTrue(group.getOutputPorts().stream().anyMatch(port -> port.getComponentType() == ComponentType.OUTPUT_PORT
                && port.getName().equals("results")), path + " ends in a results port");
    }
}
