package org.nifitransfer.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.InputRequirement.Requirement;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;

@InputRequirement(Requirement.INPUT_FORBIDDEN)
@Tags({"test only"})
@CapabilityDescription("Test only, never shipped: emits each file that appears in Input Directory (sub-folders included, in "
        + "name order, names starting with a dot left alone) as a flowfile, and deletes the file once the flowfile is committed. "
        + "It stands in for GetFile in the end-to-end tests: the NiFi they assemble from Maven Central has no standard processors.")
@WritesAttributes({
    @WritesAttribute(attribute = "filename", description = "The file's name"),
    @WritesAttribute(attribute = "path", description = "The folder below Input Directory, e.g. daisy"),
    @WritesAttribute(attribute = "absolute.path", description = "The file's folder")
})
public class EmitFiles extends AbstractProcessor {

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("One flowfile per file")
            .build();

    public static final PropertyDescriptor INPUT_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Input Directory")
            .description("The folder to take files from; write a file under a name starting with a dot and rename it when complete")
            .required(true)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();
    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("The most files taken per run")
            .required(true)
            .defaultValue("100")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(INPUT_DIRECTORY, BATCH_SIZE);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS);

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final Path directory = Path.of(context.getProperty(INPUT_DIRECTORY).getValue());
        final List<Path> files;
        try (Stream<Path> walk = Files.isDirectory(directory) ? Files.walk(directory) : Stream.empty()) {
            files = walk.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().startsWith("."))
                    .sorted().limit(context.getProperty(BATCH_SIZE).asInteger()).toList();
        } catch (final IOException e) {
            throw new ProcessException("Cannot list " + directory, e);
        }
        if (files.isEmpty()) {
            context.yield();
            return;
        }
        final List<Path> taken = new ArrayList<>();
        for (final Path file : files) {
            FlowFile flowFile = session.importFrom(file, true, session.create());
            final Map<String, String> attributes = new HashMap<>();
            attributes.put(CoreAttributes.FILENAME.key(), file.getFileName().toString());
            attributes.put(CoreAttributes.PATH.key(), directory.relativize(file.getParent()).toString());
            attributes.put(CoreAttributes.ABSOLUTE_PATH.key(), file.getParent().toString());
            flowFile = session.putAllAttributes(flowFile, attributes);
            session.getProvenanceReporter().receive(flowFile, file.toUri().toString());
            session.transfer(flowFile, REL_SUCCESS);
            taken.add(file);
        }
        // deleted only once NiFi holds the flowfiles: a crash in between emits a file twice, never loses one
        session.commitAsync(() -> taken.forEach(file -> {
            try {
                Files.deleteIfExists(file);
            } catch (final IOException e) {
                getLogger().warn("Cannot delete {}: {}", file, e.getMessage());
            }
        }));
    }
}
