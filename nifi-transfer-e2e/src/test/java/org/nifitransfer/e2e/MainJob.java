package org.nifitransfer.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.nifitransfer.core.model.BaseLocations;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.ModelManifest;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiInstance;

/**
 * The project's main job ({@code ./run.sh}): runs {@code templates/cats-vs-dogs.json} in a local NiFi 2.3.0 with the
 * NAR on 127.0.0.1 and follows it live, then prints the head and fine-tuned test accuracies and where the run's
 * results are. Without options it trains on the photos and the SqueezeNet base in {@code examples/}.
 *
 * <ul>
 *   <li>{@code start} (the default): checks the options first (as the processors would); then adds the run to the
 *       project's NiFi when one is running, or starts it (keeping the flows and queues of earlier runs; {@code --fresh}
 *       wipes them), imports the template as a group of its own and follows only that run. Results go to
 *       {@code target/run-output/<run id>/} and are never deleted.</li>
 *   <li>{@code status}: whether the project's NiFi runs, its runs and their results.</li>
 *   <li>{@code restart}: starts the project's NiFi again with its flow, queues and state (after a stop or a crash) and
 *       follows the runs still in progress.</li>
 *   <li>{@code stop}: stops it.</li>
 * </ul>
 * Exit codes: 0 done, 1 the run failed or stalled (NiFi stays up to look at), 2 bad options (nothing was started).
 */
public final class MainJob {

    static final String GROUP_PREFIX = "cats-vs-dogs ";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path home;
    private final PrintStream out;

    MainJob(final Path home, final PrintStream out) {
        this.home = home;
        this.out = out;
    }

    /** {@code main(command, options...)}, or {@code main("--args-file", file)} with one argument per line (paths may hold spaces). */
    public static void main(final String[] args) throws Exception {
        final Path home = Path.of(System.getProperty(NiFiInstance.HOME_PROPERTY, "target/nifi-home")).toAbsolutePath();
        final List<String> arguments;
        if (args.length == 2 && args[0].equals("--args-file")) {
            arguments = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8).stream().filter(line -> !line.isEmpty()).toList();
            Files.deleteIfExists(Path.of(args[1]));
        } else {
            arguments = Arrays.asList(args);
        }
        System.exit(new MainJob(home, System.out).run(arguments));
    }

    /** Runs a command; returns the exit code. */
    int run(final List<String> args) throws Exception {
        final String command = args.isEmpty() || args.getFirst().startsWith("--") ? "start" : args.getFirst();
        final List<String> rest = args.isEmpty() || args.getFirst().startsWith("--") ? args : args.subList(1, args.size());
        final RunOptions options;
        try {
            options = RunOptions.parse(rest);
        } catch (final IllegalArgumentException e) {
            out.println(e.getMessage());
            return 2;
        }
        return switch (command) {
            case "stop" -> {
                out.println(NiFiInstance.stopDetached(home, Duration.ofSeconds(60)) ? "NiFi stopped." : "No NiFi of this project was running.");
                yield 0;
            }
            case "status" -> status(options);
            case "restart" -> restart(options);
            case "start" -> start(options);
            default -> {
                out.println("Unknown command '" + command + "'. " + RunOptions.USAGE);
                yield 2;
            }
        };
    }

    private int start(final RunOptions options) throws Exception {
        if ("cats-and-dogs".equals(options.get("download"))) {
            // downloads happen here, in the main job, never in the NiFi it starts (which stays offline)
            final Path data = DatasetDownload.downloadAndUnpack(DatasetDownload.CATS_AND_DOGS, options.project().resolve("target/downloads"));
            out.println("Using the tutorial's cats_and_dogs_filtered set in " + data + " (a fifth of validation becomes the test split).");
            options.set("data", data.toString());
        }
        if (options.has("base-model") && BaseLocations.isUrl(options.get("base-model"))) {
            try (BaseModel base = BaseModel.builder().setLocation(options.get("base-model")).load()) {
                out.println("Fetched " + options.get("base-model") + " into " + base.getFile());
                options.set("base-model", base.getFile().toString());
            }
        }
        final List<String> problems = options.problems();
        if (!problems.isEmpty()) {
            out.println("Nothing was started: the options have " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":");
            problems.forEach(problem -> out.println("  " + problem));
            return 2;
        }
        final Map<String, String> parameters = options.parameters();
        if (options.isExample()) {
            out.println("No --data or --base-model: training on the 780 real flower photos in examples/flowers with the ImageNet-pretrained "
                    + "SqueezeNet 1.1 base in examples/models (see examples/README.md).");
        }
        final NiFiClient client = nifi(options);
        final String stampName = GROUP_PREFIX + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT));
        final String group;
        try {
            group = FlowRun.importFlow(client, stampName, withContextName(Files.readString(options.project().resolve("templates/cats-vs-dogs.json")),
                    stampName), parameters, positionOfNextGroup(client));
        } catch (final FlowRun.InvalidFlowException e) {
            out.println(e.getMessage() + "\nNiFi stays up to fix it; ./run.sh stop stops it.");
            return 1;
        }
        out.println("Imported templates/cats-vs-dogs.json as group '" + stampName + "' with " + parameters + "; starting it.");
        client.startProcessGroup(group);
        return follow(client, group, options);
    }

    /** Follows a group's run to its end and reports it; the exit code. */
    private int follow(final NiFiClient client, final String group, final RunOptions options) throws Exception {
        final RunMonitor monitor = new RunMonitor(client, group, out, Duration.ofMinutes(options.stallMinutes()));
        final RunMonitor.Outcome outcome = monitor.follow(options.output());
        if (outcome != RunMonitor.Outcome.DONE) {
            out.println("Run " + monitor.runId() + " did not finish (" + outcome.name().toLowerCase(Locale.ROOT) + "). NiFi stays up: "
                    + uiAddress(client) + " (./run.sh status, ./run.sh stop).");
            return 1;
        }
        client.stopProcessGroup(group);
        out.println();
        for (final Map.Entry<String, JsonNode> entry : monitor.metrics().entrySet()) {
            final JsonNode metrics = entry.getValue();
            out.printf(Locale.ROOT, "%-10s model: test accuracy %.3f (loss %.3f) on %d images%s%n", entry.getKey(), metrics.path("accuracy").asDouble(),
                    metrics.path("loss").asDouble(), metrics.path("count").asInt(), validation(monitor.results(), entry.getKey()));
        }
        try (Stream<Path> files = Files.list(monitor.results())) {
            for (final Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                if (file.getFileName().toString().contains("fine-tune") && (file.toString().endsWith(".png") || file.toString().endsWith(".tar"))) {
                    out.println((file.toString().endsWith(".tar") ? "Model:          " : "Plot:           ") + file);
                }
            }
        }
        out.println("This run's results: " + monitor.results());
        out.println("NiFi UI:        " + uiAddress(client) + "   (the flow is the '" + groupName(client, group) + "' group; provenance holds "
                + "every result)");
        out.println("Stop NiFi with: ./run.sh stop");
        return 0;
    }

    /** The project's NiFi: the running one, else started (its earlier flow kept unless --fresh). */
    private NiFiClient nifi(final RunOptions options) throws Exception {
        final Optional<NiFiInstance.Detached> running = NiFiInstance.runningDetached(home);
        if (running.isPresent() && !options.has("fresh")) {
            out.println("Adding this run to the project's NiFi already running on 127.0.0.1:" + running.get().port() + " (pid "
                    + running.get().pid() + "); earlier runs and their results are kept.");
            return running.get().client();
        }
        if (running.isPresent()) {
            NiFiInstance.stopDetached(home, Duration.ofSeconds(60));
            out.println("--fresh: stopped the running NiFi; its flow, queues and repositories are removed.");
        }
        final boolean keep = !options.has("fresh") && NiFiInstance.hasFlow(home);
        final NiFiInstance.Builder builder = NiFiInstance.builder().name("main").detached(true).fresh(!keep);
        if (options.has("port")) {
            builder.port(Integer.parseInt(options.get("port")));
        }
        final NiFiInstance nifi = builder.start();
        out.printf(Locale.ROOT, "NiFi 2.3.0 started on 127.0.0.1:%d in %.0f s (pid %d, log %s)%s%n", nifi.port(),
                nifi.lastStartupTime().toMillis() / 1000.0, nifi.pid(), nifi.logFile(), keep ? " with the flow of earlier runs" : "");
        return nifi.client();
    }

    private int status(final RunOptions options) throws Exception {
        final Optional<NiFiInstance.Detached> running = NiFiInstance.runningDetached(home);
        if (running.isEmpty()) {
            out.println("The project's NiFi is not running" + (NiFiInstance.hasFlow(home) ? "; its flow is kept: ./run.sh restart starts it again "
                    + "with its queues." : "."));
        } else {
            final NiFiClient client = running.get().client();
            out.println("NiFi runs on 127.0.0.1:" + running.get().port() + " (pid " + running.get().pid() + "): " + uiAddress(client));
            for (final Map.Entry<String, String> group : client.rootGroups().entrySet()) {
                out.println("  " + describeGroup(client, group.getKey(), group.getValue()));
            }
        }
        final Path output = options.output();
        if (Files.isDirectory(output)) {
            try (Stream<Path> runs = Files.list(output)) {
                final List<Path> folders = runs.filter(Files::isDirectory).sorted().toList();
                out.println(folders.size() + " run(s) with results in " + output + (folders.isEmpty() ? "" : ":"));
                folders.forEach(folder -> out.println("  " + folder.getFileName()));
            }
        }
        return 0;
    }

    private int restart(final RunOptions options) throws Exception {
        if (NiFiInstance.runningDetached(home).isPresent()) {
            out.println("The project's NiFi is already running: ./run.sh status shows its runs.");
            return 2;
        }
        if (!NiFiInstance.hasFlow(home)) {
            out.println("There is no NiFi of this project to restart (no flow in " + home + "): ./run.sh starts one.");
            return 2;
        }
        final NiFiInstance.Builder builder = NiFiInstance.builder().name("main").detached(true).fresh(false);
        if (options.has("port")) {
            builder.port(Integer.parseInt(options.get("port")));
        }
        final NiFiInstance nifi = builder.start();
        final NiFiClient client = nifi.client();
        out.printf(Locale.ROOT, "NiFi 2.3.0 restarted on 127.0.0.1:%d in %.0f s (pid %d) with its flow, queues and state.%n", nifi.port(),
                nifi.lastStartupTime().toMillis() / 1000.0, nifi.pid());
        int exit = 0;
        for (final Map.Entry<String, String> group : client.rootGroups().entrySet()) {
            final boolean running = client.processors(group.getKey()).stream().anyMatch(processor -> "RUNNING".equals(processor.state()));
            final boolean failed = client.connectionQueues(group.getKey()).stream()
                    .anyMatch(queue -> "failures".equals(queue.target()) && queue.flowFilesQueued() > 0);
            if (running && failed) {
                out.println("'" + group.getValue() + "' failed before the restart (./run.sh status shows it); not following it.");
            } else if (running && group.getValue().startsWith(GROUP_PREFIX.strip())) {
                out.println("Following '" + group.getValue() + "', still in progress:");
                exit = Math.max(exit, follow(client, group.getKey(), options));
            }
        }
        return exit;
    }

    private static String describeGroup(final NiFiClient client, final String groupId, final String name) throws Exception {
        final List<NiFiClient.ProcessorSummary> processors = client.processors(groupId);
        final boolean running = processors.stream().anyMatch(processor -> "RUNNING".equals(processor.state()));
        final List<String> invalid = new ArrayList<>();
        String runId = "(not loaded yet)";
        for (final NiFiClient.ProcessorSummary processor : processors) {
            if (!processor.isValid() && !processor.validationErrors().isEmpty()) {
                invalid.add(processor.name());
            }
            if (processor.name().equals("LoadImageFolder")) {
                runId = client.processorState(processor.id()).getOrDefault("run.id", runId);
            }
        }
        long results = 0;
        long failures = 0;
        for (final NiFiClient.ConnectionQueue queue : client.connectionQueues(groupId)) {
            results += "results".equals(queue.target()) ? queue.flowFilesQueued() : 0;
            failures += "failures".equals(queue.target()) ? queue.flowFilesQueued() : 0;
        }
        return "'" + name + "': " + (running ? "running" : "stopped") + ", run " + runId + ", " + results + " of "
                + 2 * FlowRun.RESULTS_PER_EVALUATION + " results queued"
                + (failures > 0 ? ", " + failures + " in failures" : "") + (invalid.isEmpty() ? "" : ", invalid: " + invalid);
    }

    /** The template with its parameter context renamed, so each run's group has a context of its own. */
    static String withContextName(final String flow, final String name) throws java.io.IOException {
        final ObjectNode root = (ObjectNode) MAPPER.readTree(flow);
        final ObjectNode contexts = (ObjectNode) root.path("parameterContexts");
        final String original = contexts.fieldNames().next();
        final ObjectNode context = (ObjectNode) contexts.remove(original);
        context.put("name", name);
        contexts.set(name, context);
        ((ObjectNode) root.path("flowContents")).put("parameterContextName", name);
        return MAPPER.writeValueAsString(root);
    }

    private static double positionOfNextGroup(final NiFiClient client) throws Exception {
        return client.rootGroups().size() * 250.0;
    }

    private static String groupName(final NiFiClient client, final String group) throws Exception {
        return client.processGroup(group).path("component").path("name").asText();
    }

    private static String uiAddress(final NiFiClient client) {
        return client.apiUri().toString().replace("/nifi-api", "/nifi/");
    }

    /**
     * ", validation accuracy V (epoch E)" of the model a phase evaluated, from the model file in the results (the kept
     * epoch's figures, as TrainHead and FineTune keep it), or nothing when the file is not there.
     */
    static String validation(final Path results, final String phase) throws IOException {
        try (Stream<Path> files = Files.list(results)) {
            final Optional<Path> model = files.filter(file -> file.getFileName().toString().endsWith("-model-" + phase + ".tar")).findFirst();
            if (model.isEmpty()) {
                return "";
            }
            try (InputStream in = Files.newInputStream(model.get())) {
                final ModelManifest.TrainingMetrics metrics = ModelPackage.readManifest(in).metrics();
                return String.format(Locale.ROOT, ", validation accuracy %.3f (epoch %d)", metrics.keptValidationAccuracy(), metrics.keptEpoch());
            }
        }
    }
}
