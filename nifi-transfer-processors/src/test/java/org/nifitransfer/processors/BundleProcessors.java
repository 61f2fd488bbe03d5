package org.nifitransfer.processors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.nifi.processor.Processor;

/** The processors the NAR offers, as NiFi finds them: the classes its service file names. */
final class BundleProcessors {

    private BundleProcessors() {
    }

    static List<Class<? extends Processor>> all() throws IOException, ClassNotFoundException {
        try (InputStream in = BundleProcessors.class.getResourceAsStream("/META-INF/services/" + Processor.class.getName())) {
            final List<String> names = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            final List<Class<? extends Processor>> types = new ArrayList<>();
            for (final String name : names) {
                types.add(Class.forName(name).asSubclass(Processor.class));
            }
            return types;
        }
    }
}
