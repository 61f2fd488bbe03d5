package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.junit.jupiter.api.Test;

/** What the canvas shows of each processor: a description of two or three sentences, and the details beside it. */
class ProcessorDocumentationTest {

    private static List<Class<?>> processors() throws IOException, ClassNotFoundException {
        try (InputStream in = ProcessorDocumentationTest.class.getResourceAsStream("/META-INF/services/org.apache.nifi.processor.Processor")) {
            final List<String> names = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            final List<Class<?>> types = new java.util.ArrayList<>();
            for (final String name : names) {
                types.add(Class.forName(name));
            }
            return types;
        }
    }

    @Test
    void everyProcessorSaysWhatItDoesInTwoOrThreeSentencesAndDetailsTheRest() throws Exception {
        final List<Class<?>> processors = processors();
        assertEquals(9, processors.size(), "the NAR's processors: " + processors);
        for (final Class<?> processor : processors) {
            final String description = processor.getAnnotation(CapabilityDescription.class).value();
            // a sentence ends with a full stop before a space and a capital letter, or at the end
            final long sentences = java.util.regex.Pattern.compile("\\.(\\s+[A-Z]|$)").matcher(description).results().count();
            assertTrue(sentences >= 2 && sentences <= 3, processor.getSimpleName() + " says it in " + sentences + " sentences: " + description);
            assertTrue(ProcessorDocumentationTest.class.getResource("/docs/" + processor.getName() + "/additionalDetails.md") != null,
                    processor.getSimpleName() + " has no additionalDetails.md for the configuration detail");
        }
    }
}
