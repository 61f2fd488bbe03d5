package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.processor.Processor;
import org.junit.jupiter.api.Test;

/** What the canvas shows of each processor: a description of two or three sentences, and the details beside it. */
class ProcessorDocumentationTest {

    @Test
    void everyProcessorSaysWhatItDoesInTwoOrThreeSentencesAndDetailsTheRest() throws Exception {
        final List<Class<? extends Processor>> processors = BundleProcessors.all();
        assertEquals(9, processors.size(), "the NAR's processors: " + processors);
        for (final Class<? extends Processor> processor : processors) {
            final String description = processor.getAnnotation(CapabilityDescription.class).value();
            // a sentence ends with a full stop before a space and a capital letter, or at the end
            final long sentences = java.util.regex.Pattern.compile("\\.(\\s+[A-Z]|$)").matcher(description).results().count();
            assertTrue(sentences >= 2 && sentences <= 3, processor.getSimpleName() + " says it in " + sentences + " sentences: " + description);
            assertTrue(ProcessorDocumentationTest.class.getResource("/docs/" + processor.getName() + "/additionalDetails.md") != null,
                    processor.getSimpleName() + " has no additionalDetails.md for the configuration detail");
        }
    }
}
