package org.nifitransfer.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiInstance;

/**
 * The project's main job ({@code ./run.sh}): starts a local NiFi 2.3.0 with the NAR on 127.0.0.1, imports
 * {@code templates/cats-vs-dogs.json}, points its parameters at the data and base, runs it, prints the head and
 * fine-tuned accuracies and where the results landed, and leaves NiFi running with its UI address printed.
 * {@code stop} stops it.
 *
 * <p>Without {@code --data} and {@code --base-model} it generates a small dataset of striped images and uses the tiny
 * fixture base: a smoke run, not a benchmark.
 */
public final class MainJob {

    private MainJob() {
    }

    public static void main(final String[] args) throws Exception {
        final Path home = Path.of(System.getProperty(NiFiInstance.HOME_PROPERTY, "target/nifi-home")).toAbsolutePath();
        if (args.length > 0 && args[0].equals("stop")) {
            System.out.println(NiFiInstance.stopDetached(home, Duration.ofSeconds(60)) ? "NiFi stopped." : "No NiFi of this project was running.");
            return;
        }
        final Map<String, String> options = new HashMap<>();
        for (int i = args.length > 0 && args[0].equals("start") ? 1 : 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Unknown argument '" + args[i] + "'. Usage: start [--data DIR] [--base-model FILE|URL] "
                        + "[--preset zero-one|minus-one-one|imagenet|caffe] [--size N] [--unfreeze N] [--head-epochs N] [--fine-tune-epochs N] "
                        + "[--fine-tune-lr R] [--port N] [--download cats-and-dogs] | stop");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        final Path project = Path.of(options.getOrDefault("project", "..")).toAbsolutePath().normalize();
        final Path output = project.resolve("target/run-output");
        deleteTree(output);
        Files.createDirectories(output);
        if ("cats-and-dogs".equals(options.get("download"))) {
            // downloads happen here, in the main job, never in the NiFi it starts (which stays offline)
            final Path data = DatasetDownload.downloadAndUnpack(DatasetDownload.CATS_AND_DOGS, project.resolve("target/downloads"));
            System.out.println("Using the tutorial's cats_and_dogs_filtered set in " + data + " (a fifth of validation becomes the test split).");
            options.put("data", data.toString());
        } else if (options.containsKey("download")) {
            throw new IllegalArgumentException("--download knows only cats-and-dogs");
        }
        if (options.containsKey("base-model") && BaseModel.isUrl(options.get("base-model"))) {
            try (BaseModel base = BaseModel.builder().setLocation(options.get("base-model")).load()) {
                System.out.println("Fetched " + options.get("base-model") + " into " + base.getFile());
                options.put("base-model", base.getFile().toString());
            }
        }
        final boolean smoke = !options.containsKey("data") && !options.containsKey("base-model");
        final Map<String, String> parameters = new HashMap<>();
        if (smoke) {
            final Path data = CatsVsDogsTemplateIT.writeStripes(Files.createTempDirectory(output, "stripes-"), 100, 30, 30);
            System.out.println("No --data or --base-model given: a SMOKE RUN, not a benchmark — generated striped images in " + data
                    + " and the tiny fixture base.");
            parameters.put("data.directory", data.toString());
            parameters.put("base.model", project.resolve("fixtures/models/tiny_base.pt").toString());
            parameters.put("normalization.preset", "zero-one");
            parameters.put("image.size", "64");
            parameters.put("head.epochs", "40");
            parameters.put("fine.tune.learning.rate", "0.001");
            parameters.put("fine.tune.epochs", "5");
        } else {
            parameters.put("data.directory", Path.of(options.getOrDefault("data", "data")).toAbsolutePath().toString());
            parameters.put("base.model", Path.of(options.getOrDefault("base-model", "base.pt")).toAbsolutePath().toString());
        }
        copyOption(options, parameters, "preset", "normalization.preset");
        copyOption(options, parameters, "size", "image.size");
        copyOption(options, parameters, "unfreeze", "unfreeze.top.blocks");
        copyOption(options, parameters, "head-epochs", "head.epochs");
        copyOption(options, parameters, "fine-tune-epochs", "fine.tune.epochs");
        copyOption(options, parameters, "fine-tune-lr", "fine.tune.learning.rate");

        if (NiFiInstance.stopDetached(home, Duration.ofSeconds(60))) {
            System.out.println("Stopped the NiFi a previous run left running.");
        }
        final NiFiInstance.Builder builder = NiFiInstance.builder().name("main").detached(true).fresh(true);
        if (options.containsKey("port")) {
            builder.port(Integer.parseInt(options.get("port")));
        }
        final NiFiInstance nifi = builder.start();
        final NiFiClient client = nifi.client();
        System.out.printf(Locale.ROOT, "NiFi 2.3.0 started on 127.0.0.1:%d in %.0f s (pid %d, log %s)%n", nifi.port(),
                nifi.lastStartupTime().toMillis() / 1000.0, nifi.pid(), nifi.logFile());

        final String group;
        try {
            group = FlowRun.importFlow(client, "cats-vs-dogs", Files.readString(project.resolve("templates/cats-vs-dogs.json")), parameters);
        } catch (final FlowRun.InvalidFlowException e) {
            System.err.println(e.getMessage() + "\nNiFi stays up at http://127.0.0.1:" + nifi.port() + "/nifi/ to fix it; ./run.sh stop stops it.");
            System.exit(1);
            return;
        }
        System.out.println("Imported templates/cats-vs-dogs.json with " + parameters + "; starting it.");
        try {
            FlowRun.runUntil(client, group, "results", 8, Duration.ofHours(12),
                    results -> System.out.printf(Locale.ROOT, "  %d of 8 results%n", results));
        } catch (final IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        final Map<String, JsonNode> evaluations = FlowRun.evaluations(client, group, List.of("Evaluate Head Model", "Evaluate Fine-Tuned Model"),
                output);
        evaluations.forEach((phase, metrics) -> System.out.printf(Locale.ROOT, "%-10s model: test accuracy %.3f (loss %.3f) on %d images%n",
                phase, metrics.path("accuracy").asDouble(), metrics.path("loss").asDouble(), metrics.path("count").asInt()));
        System.out.println();
        try (java.util.stream.Stream<Path> files = Files.list(output)) {
            for (final Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                if (file.getFileName().toString().contains("fine-tune") && (file.toString().endsWith(".png") || file.toString().endsWith(".tar"))) {
                    System.out.println((file.toString().endsWith(".tar") ? "Model:          " : "Plot:           ") + file);
                }
            }
        }
        System.out.println("All results:    " + output);
        System.out.println("NiFi UI:        http://127.0.0.1:" + nifi.port() + "/nifi/   (the flow is the 'cats-vs-dogs' group; provenance holds "
                + "every result)");
        System.out.println("Stop NiFi with: ./run.sh stop");
        System.exit(0);
    }

    /** Removes the previous run's results, so the summary lists only this run's. */
    static void deleteTree(final Path directory) throws java.io.IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(directory)) {
            for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static void copyOption(final Map<String, String> options, final Map<String, String> parameters, final String option,
                                   final String parameter) {
        if (options.containsKey(option)) {
            parameters.put(parameter, options.get(option));
        }
    }
}
