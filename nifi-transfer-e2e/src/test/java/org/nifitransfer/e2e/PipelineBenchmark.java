package org.nifitransfer.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.nifitransfer.e2e.flows.FlowDefinitions;
import org.nifitransfer.e2e.runtime.NiFiClient;
import org.nifitransfer.e2e.runtime.NiFiCluster;
import org.nifitransfer.e2e.runtime.NiFiInstance;

/**
 * The benchmark stages that need a real NiFi (issue 5), run by the bench module's {@code Benchmark} in a JVM of its own
 * (through Maven, for the test classpath and the NiFi home). Each prints one line {@code BENCH-RESULT {json}}.
 * <ul>
 *   <li>{@code pipeline}: the cats-vs-dogs template on a folder with a TorchScript base, from starting the group until
 *   both evaluations are queued: wall time and test accuracies (stage 5).</li>
 *   <li>{@code memory}: LoadImageFolder, ResizeAndNormalize and ExtractFeatures (every split) on a generated folder of
 *   500x375 JPEGs in a NiFi with a 1 GB heap: wall time, peak heap (the largest occupancy the GC log shows before a
 *   collection) and peak RSS (the kernel's VmHWM for the NiFi process) (stage 6).</li>
 *   <li>{@code classify}: single-image flowfiles through ClassifyImage (a Model File), after a warm-up: images/s of ClassifyImage
 *   alone on a queue EmitFiles filled first, and fed live by EmitFiles (the test-only stand-in for GetFile) (stage 7).</li>
 *   <li>{@code scaling}: LoadImageFolder, ResizeAndNormalize and ExtractFeatures on a folder of class folders (the flowers),
 *   in shards of {@code --shard} images: on one node with 1 and 2 ExtractFeatures tasks and with smaller and no shards,
 *   then on a {@code --nodes}-node cluster with the template's load balancing: images/s, each node's share of the
 *   extraction, and the CPU seconds the NiFi processes spent (stage 9, issue 16).</li>
 *   <li>{@code generate}: only writes {@code --images} generated 500x375 JPEGs (stage 6's) and prints their folder, for the
 *   stages that run on real-size photos ({@code ./bench.sh --photos N}).</li>
 * </ul>
 * Every NiFi it starts runs on 127.0.0.1 with DJL offline.
 */
public final class PipelineBenchmark {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A G1 pause line: {@code ... Pause Young (Normal) (G1 Evacuation Pause) 510M->96M(1024M) 4.1ms}. */
    private static final Pattern GC_UPTIME = Pattern.compile("^\\[(\\d+(?:\\.\\d+)?)s\\]");
    private static final Pattern GC_OCCUPANCY = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private PipelineBenchmark() {
    }

    public static void main(final String[] args) throws Exception {
        final Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Usage: pipeline|memory|classify|generate --work DIR --base FILE --preset P [--data DIR] [--size N] "
                        + "[--images N] [--head-epochs N] [--fine-tune-epochs N]");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        final String mode = args.length > 0 ? args[0] : "";
        final ObjectNode result = switch (mode) {
            case "pipeline" -> pipeline(options);
            case "memory" -> memory(options);
            case "classify" -> classify(options);
            case "scaling" -> scaling(options);
            case "generate" -> MAPPER.createObjectNode().put("folder", generated(Path.of(require(options, "work")).toAbsolutePath(),
                    Integer.parseInt(require(options, "images"))).toString());
            default -> throw new IllegalArgumentException("The first argument is pipeline, memory, classify, scaling or generate, not '" + mode + "'");
        };
        System.out.println("BENCH-RESULT " + MAPPER.writeValueAsString(result));
        System.exit(0);
    }

    // ---------------------------------------------------------------- stage 5

    private static ObjectNode pipeline(final Map<String, String> options) throws Exception {
        final Path work = Path.of(require(options, "work")).toAbsolutePath();
        final Path output = work.resolve("pipeline-results");
        FlowRun.deleteTree(output);
        Files.createDirectories(output);
        final Map<String, String> parameters = new HashMap<>();
        parameters.put("data.directory", Path.of(require(options, "data")).toAbsolutePath().toString());
        parameters.put("base.model", Path.of(require(options, "base")).toAbsolutePath().toString());
        parameters.put("normalization.preset", require(options, "preset"));
        parameters.put("image.size", options.getOrDefault("size", "224"));
        parameters.put("head.epochs", options.getOrDefault("head-epochs", "10"));
        parameters.put("fine.tune.epochs", options.getOrDefault("fine-tune-epochs", "2"));
        parameters.put("unfreeze.top.blocks", options.getOrDefault("unfreeze", "2"));
        try (NiFiInstance nifi = NiFiInstance.builder().name("bench-pipeline").start()) {
            final NiFiClient client = nifi.client();
            final String template = Files.readString(Path.of(require(options, "project")).resolve("templates/cats-vs-dogs.json"));
            final String group = FlowRun.importFlow(client, "cats-vs-dogs", template, parameters);
            final double seconds = FlowRun.runUntil(client, group, "results", 2 * FlowRun.RESULTS_PER_EVALUATION,
                    Duration.ofHours(2), done -> System.err.printf(Locale.ROOT, "  pipeline: %d of %d results%n", done,
                    2 * FlowRun.RESULTS_PER_EVALUATION));
            // busy time per processor (NiFi's task duration over its 5-minute status window, which covers the run)
            final ObjectNode busy = MAPPER.createObjectNode();
            for (final JsonNode processor : client.processGroupStatus(group).path("processGroupStatus").path("aggregateSnapshot")
                    .path("processorStatusSnapshots")) {
                final JsonNode snapshot = processor.path("processorStatusSnapshot");
                busy.put(snapshot.path("name").asText(), snapshot.path("tasksDurationNanos").asLong() / 1e9);
            }
            final Map<String, JsonNode> metrics = FlowRun.evaluations(client, group,
                    List.of("Evaluate Head Model", "Evaluate Fine-Tuned Model"), null, output);
            final ObjectNode result = MAPPER.createObjectNode();
            result.put("seconds", seconds);
            result.put("nifi_startup_s", nifi.lastStartupTime().toMillis() / 1000.0);
            metrics.forEach((phase, values) -> {
                result.put(phase.replace('-', '_') + "_accuracy", values.path("accuracy").asDouble());
                result.put("test_images", values.path("count").asInt());
            });
            result.put("peak_rss_mb", nifi.peakResidentSetSizeBytes() / 1048576.0);
            result.set("busy_seconds", busy);
            return result;
        }
    }

    // ---------------------------------------------------------------- stage 7

    private static ObjectNode classify(final Map<String, String> options) throws Exception {
        final Path work = Path.of(require(options, "work")).toAbsolutePath();
        final List<Path> images = Files.readAllLines(Path.of(require(options, "list"))).stream().filter(line -> !line.isBlank())
                .map(Path::of).toList();
        final int count = Integer.parseInt(options.getOrDefault("count", "1000"));
        final int tasks = Integer.parseInt(options.getOrDefault("tasks", "1"));
        final Path incoming = work.resolve("classify-incoming");
        FlowRun.deleteTree(incoming);
        Files.createDirectories(incoming);
        final NiFiInstance.Builder builder = NiFiInstance.builder().name("bench-classify").testExtensions(true);
        if (options.containsKey("java-arg")) { // one argument, commas and all: -XX:StartFlightRecording=..., to profile
            builder.javaArgument(options.get("java-arg"));
        }
        try (NiFiInstance nifi = builder.start()) {
            final NiFiClient client = nifi.client();
            client.awaitProcessorTypes(List.of("org.nifitransfer.testing.EmitFiles", "org.nifitransfer.processors.ClassifyImage"),
                    Duration.ofMinutes(2));
            final String root = client.rootProcessGroupId();
            final String classifier = client.createProcessor(root, "org.nifitransfer.processors.ClassifyImage",
                    "org.nifitransfer:nifi-transfer-nar:0.1.0-SNAPSHOT", "ClassifyImage",
                    Map.of("Model File", Path.of(require(options, "model")).toAbsolutePath().toString(), "Minimum Confidence", "0"), "0 sec",
                    tasks, java.util.Set.of("success", "uncertain", "failure", "original", "predictions"));
            final String source = client.createProcessor(root, "org.nifitransfer.testing.EmitFiles",
                    "org.nifitransfer:nifi-transfer-test-nar:0.1.0-SNAPSHOT", "EmitFiles", Map.of("Input Directory", incoming.toString(),
                            "Batch Size", "100"), "0 sec");
            client.connectProcessors(root, source, classifier, List.of("success"));
            // the model loads when ClassifyImage starts, and its first batches warm the engine up: timed after both
            client.setRunStatus(classifier, "RUNNING");
            final int warmUp = Integer.parseInt(options.getOrDefault("warm-up", "96"));
            copyImages(images, incoming, 0, warmUp);
            client.setRunStatus(source, "RUNNING");
            awaitClassified(client, classifier, warmUp, nifi);
            // ClassifyImage alone: the images queued first, then ClassifyImage started (it loads the model again: timed from
            // the end of a second warm-up on the same queue)
            client.setRunStatus(classifier, "STOPPED");
            copyImages(images, incoming, warmUp, 2 * warmUp + count);
            final long queueDeadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (client.queuedFlowFiles(root) < warmUp + count) {
                if (System.nanoTime() > queueDeadline) {
                    throw new IllegalStateException("EmitFiles queued only " + client.queuedFlowFiles(root) + " of " + (warmUp + count));
                }
                Thread.sleep(100);
            }
            client.setRunStatus(classifier, "RUNNING");
            awaitClassified(client, classifier, 2L * warmUp, nifi);
            final long queuedStart = System.nanoTime();
            awaitClassified(client, classifier, 2L * warmUp + count, nifi);
            final double queuedSeconds = (System.nanoTime() - queuedStart) / 1e9;
            // fed live: EmitFiles reads the files while ClassifyImage classifies
            final long busyBefore = busyNanos(client, root, "ClassifyImage");
            copyImages(images, incoming, 2 * warmUp + count, 2 * warmUp + 2 * count);
            final long start = System.nanoTime();
            awaitClassified(client, classifier, 2L * warmUp + 2L * count, nifi);
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double busy = (busyNanos(client, root, "ClassifyImage") - busyBefore) / 1e9;
            final ObjectNode result = MAPPER.createObjectNode();
            result.put("seconds", seconds);
            result.put("images_per_s", count / seconds);
            result.put("tasks", tasks);
            result.put("classify_busy_s", busy);
            result.put("queued_seconds", queuedSeconds);
            result.put("queued_images_per_s", count / queuedSeconds);
            result.put("peak_rss_mb", nifi.peakResidentSetSizeBytes() / 1048576.0);
            return result;
        }
    }

    /** Copies images {@code from} (inclusive) to {@code to} (exclusive) of the cycled list into the folder EmitFiles reads. */
    private static void copyImages(final List<Path> images, final Path incoming, final int from, final int to) throws IOException {
        for (int i = from; i < to; i++) {
            final Path image = images.get(i % images.size());
            final Path target = incoming.resolve(String.format(Locale.ROOT, "%05d-%s", i, image.getFileName()));
            final Path partial = incoming.resolve("." + target.getFileName());
            Files.copy(image, partial);
            Files.move(partial, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Waits until ClassifyImage's state counts {@code count} images (classified or failed). */
    private static void awaitClassified(final NiFiClient client, final String classifier, final long count, final NiFiInstance nifi)
            throws Exception {
        final long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        long done = 0;
        while (done < count) {
            // not more often: each poll is work for NiFi's web server on the cores the classification uses
            Thread.sleep(200);
            final Map<String, String> state = client.processorState(classifier);
            done = Long.parseLong(state.getOrDefault("images.classified", "0")) + Long.parseLong(state.getOrDefault("images.failed", "0"));
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Only " + done + " of " + count + " images classified in 20 minutes: " + nifi.logTail(40));
            }
        }
    }

    /** The nanoseconds a processor of the root group has been busy (NiFi's task duration over its status window). */
    private static long busyNanos(final NiFiClient client, final String root, final String name) throws Exception {
        for (final JsonNode processor : client.processGroupStatus(root).path("processGroupStatus").path("aggregateSnapshot")
                .path("processorStatusSnapshots")) {
            if (name.equals(processor.path("processorStatusSnapshot").path("name").asText())) {
                return processor.path("processorStatusSnapshot").path("tasksDurationNanos").asLong();
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- stage 6

    private static ObjectNode memory(final Map<String, String> options) throws Exception {
        final Path work = Path.of(require(options, "work")).toAbsolutePath();
        final int images = Integer.parseInt(options.getOrDefault("images", "25000"));
        final Path folder = generated(work, images);
        final Path gcLog = work.resolve("gc-" + images + ".log");
        Files.deleteIfExists(gcLog);
        final long[] occupancy;
        final ObjectNode result = MAPPER.createObjectNode();
        final NiFiInstance.Builder builder = NiFiInstance.builder().name("bench-memory-" + images).heap("1g")
                .javaArgument("-Xlog:gc:file=" + gcLog + ":uptime");
        if (options.containsKey("java-args")) { // e.g. -XX:NativeMemoryTracking=summary, to profile
            for (final String argument : options.get("java-args").split(",")) {
                builder.javaArgument(argument);
            }
        }
        try (NiFiInstance nifi = builder.start()) {
            final NiFiClient client = nifi.client();
            final Map<String, String> parameters = Map.of("data.directory", folder.toString(), "base.model",
                    Path.of(require(options, "base")).toAbsolutePath().toString(), "normalization.preset", require(options, "preset"),
                    "image.size", options.getOrDefault("size", "224"));
            final String group = FlowRun.importFlow(client, "extraction-only", FlowDefinitions.extractionOnlyJson(), parameters);
            final long rssBefore = nifi.residentSetSizeBytes();
            final double[] run = FlowRun.runUntilEveryDataset(client, group, "features", Duration.ofHours(2));
            final double seconds = run[0];
            // GC log times are seconds since NiFi's JVM started: collections after this are the benchmark's own REST queries
            final double runEndUptime = Duration.between(ProcessHandle.of(nifi.pid()).orElseThrow().info().startInstant().orElseThrow(),
                    java.time.Instant.now()).toMillis() / 1000.0;
            final long peakRss = nifi.peakResidentSetSizeBytes();
            long extracted = 0;
            final Map<String, String> ids = new HashMap<>();
            client.processors(group).forEach(processor -> ids.put(processor.name(), processor.id()));
            final List<NiFiClient.ProvenanceEvent> events = client.awaitProvenanceEvents(Map.of("ProcessorID", ids.get("ExtractFeatures")),
                    found -> found.stream().filter(PipelineBenchmark::isFeatureOutput).map(NiFiClient.ProvenanceEvent::flowFileUuid)
                            .distinct().count() >= run[1], Duration.ofMinutes(2));
            final Map<String, Long> counts = new HashMap<>();
            events.stream().filter(PipelineBenchmark::isFeatureOutput)
                    .forEach(event -> counts.put(event.flowFileUuid(), Long.parseLong(event.attribute("transfer.count"))));
            for (final long count : counts.values()) {
                extracted += count;
            }
            result.put("images", images);
            result.put("extracted", extracted);
            result.put("seconds", seconds);
            result.put("images_per_s", images / seconds);
            result.put("peak_rss_mb", peakRss / 1048576.0);
            result.put("rss_before_mb", rssBefore / 1048576.0);
            result.put("heap_max_mb", 1024);
            occupancy = peakHeap(gcLog, runEndUptime);
        }
        result.put("peak_heap_mb", occupancy[0] / 1048576.0);
        result.put("max_live_heap_mb", occupancy[1] / 1048576.0);
        result.put("gc_events", occupancy[2]);
        return result;
    }

    // ---------------------------------------------------------------- stage 9

    /** One extraction run: the flow imported afresh, run until every dataset is extracted. */
    private static ObjectNode extractionRun(final NiFiClient client, final String name, final int tasks, final String shard,
                                            final Map<String, String> parameters, final List<Long> pids) throws Exception {
        return extractionRun(client, name, tasks, shard, false, parameters, pids);
    }

    private static ObjectNode extractionRun(final NiFiClient client, final String name, final int tasks, final String shard,
                                            final boolean balanceExtraction, final Map<String, String> parameters, final List<Long> pids)
            throws Exception {
        return extractionRun(client, name, FlowDefinitions.extractionOnlyJson(tasks, balanceExtraction), tasks, shard, parameters, pids);
    }

    private static ObjectNode extractionRun(final NiFiClient client, final String name, final String flow, final int tasks, final String shard,
                                            final Map<String, String> parameters, final List<Long> pids) throws Exception {
        final Map<String, String> values = new HashMap<>(parameters);
        values.put("images.per.shard", shard);
        final String group = FlowRun.importFlow(client, name, flow, values);
        final double cpuBefore = cpuSeconds(pids);
        final double[] run = FlowRun.runUntilEveryDataset(client, group, "features", Duration.ofMinutes(30));
        final double cpu = cpuSeconds(pids) - cpuBefore;
        final Map<String, String> ids = new HashMap<>();
        client.processors(group).forEach(processor -> ids.put(processor.name(), processor.id()));
        final List<NiFiClient.ProvenanceEvent> events = client.awaitProvenanceEvents(Map.of("ProcessorID", ids.get("ExtractFeatures"),
                "EventType", "CONTENT_MODIFIED"), found -> found.size() >= run[1], Duration.ofMinutes(2));
        final ObjectNode perNode = MAPPER.createObjectNode();
        long images = 0;
        for (final Map.Entry<String, List<NiFiClient.ProvenanceEvent>> node : NiFiClient.eventsByNode(events).entrySet()) {
            final long count = node.getValue().stream().mapToLong(event -> Long.parseLong(event.attribute("transfer.count"))).sum();
            perNode.putObject(node.getKey().isEmpty() ? "standalone" : node.getKey()).put("images", count).put("shards", node.getValue().size());
            images += count;
        }
        final ObjectNode result = MAPPER.createObjectNode();
        result.put("tasks", tasks).put("images_per_shard", shard).put("datasets", (long) run[1]).put("images", images)
                .put("seconds", run[0]).put("images_per_s", images / run[0]).put("cpu_seconds", cpu)
                .put("cpu_ms_per_image", 1000 * cpu / images);
        result.set("nodes", perNode);
        System.err.printf(Locale.ROOT, "  scaling %s: %d images in %.1f s (%.0f images/s), %.1f CPU s, by node %s%n", name, images, run[0],
                images / run[0], cpu, perNode);
        return result;
    }

    /** User and system CPU time of processes, from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s). */
    private static double cpuSeconds(final List<Long> pids) throws IOException {
        double seconds = 0;
        for (final long pid : pids) {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command name, field 3 is the state: utime and stime are fields 14 and 15 of the whole line
            seconds += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        }
        return seconds;
    }

    private static ObjectNode scaling(final Map<String, String> options) throws Exception {
        final Path data = Path.of(require(options, "data")).toAbsolutePath();
        final String shard = options.getOrDefault("shard", "1000");
        final int nodes = Integer.parseInt(options.getOrDefault("nodes", "3"));
        final Map<String, String> parameters = Map.of("data.directory", data.toString(), "base.model",
                Path.of(require(options, "base")).toAbsolutePath().toString(), "normalization.preset", require(options, "preset"),
                "image.size", options.getOrDefault("size", "224"));
        final int repeats = Integer.parseInt(options.getOrDefault("repeats", "3"));
        final ObjectNode result = MAPPER.createObjectNode();
        if (!"false".equals(options.get("one-node"))) {
            try (NiFiInstance nifi = NiFiInstance.builder().name("bench-scaling").start()) {
                final NiFiClient client = nifi.client();
                final List<Long> pids = List.of(nifi.pid());
                // a first run warms the JVM (class loading, JIT) and the engine; it is reported but not compared
                result.set("one_node_warm_up", extractionRun(client, "warm-up", 1, shard, parameters, pids));
                result.put("one_node_idle_cpu_per_s", idleCpu(pids));
                result.set("one_node_1_task", repeated(repeats, run -> extractionRun(client, "1 task #" + run, 1, shard, parameters, pids)));
                result.set("one_node_2_tasks", repeated(repeats, run -> extractionRun(client, "2 tasks #" + run, 2, shard, parameters, pids)));
                result.set("one_node_shard_250", repeated(repeats, run -> extractionRun(client, "shards of 250 #" + run, 1, "250", parameters, pids)));
                result.set("one_node_whole_splits", repeated(repeats, run -> extractionRun(client, "whole splits #" + run, 1, "1000000", parameters,
                        pids)));
            }
        }
        try (NiFiCluster cluster = NiFiCluster.builder().name("bench-scaling").nodes(nodes).build()) {
            cluster.start();
            final NiFiClient client = cluster.client();
            final List<Long> pids = new ArrayList<>();
            for (int index = 1; index <= nodes; index++) {
                pids.add(cluster.node(index).pid());
            }
            result.put("cluster_nodes", nodes);
            result.set("cluster_warm_up", extractionRun(client, "cluster warm-up", 1, shard, parameters, pids));
            result.put("cluster_idle_cpu_per_s", idleCpu(pids));
            result.set("cluster_1_task", repeated(repeats, run -> extractionRun(client, "cluster #" + run, 1, shard, parameters, pids)));
            result.set("cluster_shard_250", repeated(repeats, run -> extractionRun(client, "cluster, shards of 250 #" + run, 1, "250",
                    parameters, pids)));
            // no load balancing: the primary node does everything while the others idle; against the balanced runs, what
            // spreading the shards costs on this machine
            final String unbalanced = FlowDefinitions.extractionOnlyJson(1, false).replace("\"ROUND_ROBIN\"", "\"DO_NOT_LOAD_BALANCE\"");
            result.set("cluster_unbalanced", repeated(repeats, run -> extractionRun(client, "cluster, not balanced #" + run, unbalanced, 1,
                    "250", parameters, pids)));
            // the same with a second round robin, into ExtractFeatures: each node deals its shards out from the same first
            // node, so a few shards a node clump
            result.set("cluster_shard_250_balanced_twice", repeated(repeats, run -> extractionRun(client, "cluster, shards of 250, balanced "
                    + "twice #" + run, 1, "250", true, parameters, pids)));
        }
        return result;
    }

    /**
     * CPU seconds per second the NiFi processes spend with nothing to do (heartbeats, status history, the cluster's
     * protocol), over 15 s, after a warm-up run: what a cluster of N processes on one machine costs before any work.
     */
    private static double idleCpu(final List<Long> pids) throws Exception {
        Thread.sleep(5000);
        final double before = cpuSeconds(pids);
        final long start = System.nanoTime();
        Thread.sleep(15_000);
        final double perSecond = (cpuSeconds(pids) - before) / ((System.nanoTime() - start) / 1e9);
        System.err.printf(Locale.ROOT, "  scaling: %d idle NiFi process(es) use %.3f CPU s per s%n", pids.size(), perSecond);
        return perSecond;
    }

    /** One extraction run, for {@link #repeated}. */
    @FunctionalInterface
    private interface Run {
        ObjectNode run(int index) throws Exception;
    }

    /**
     * {@code repeats} runs of one setting: the run with the median rate, with every run's rate, time and images per node
     * beside it ({@code runs}), and the lowest and highest rate.
     */
    private static ObjectNode repeated(final int repeats, final Run run) throws Exception {
        final List<ObjectNode> runs = new ArrayList<>();
        for (int index = 1; index <= repeats; index++) {
            runs.add(run.run(index));
        }
        final List<ObjectNode> byRate = runs.stream().sorted(java.util.Comparator.comparingDouble(node -> node.path("images_per_s").asDouble()))
                .toList();
        final ObjectNode median = byRate.get(byRate.size() / 2).deepCopy();
        median.put("min_images_per_s", byRate.getFirst().path("images_per_s").asDouble());
        median.put("max_images_per_s", byRate.getLast().path("images_per_s").asDouble());
        median.putArray("runs").addAll(runs);
        return median;
    }

    private static boolean isFeatureOutput(final NiFiClient.ProvenanceEvent event) {
        return "feature-dataset".equals(event.attribute("transfer.kind")) && event.attribute("transfer.count") != null;
    }

    /**
     * From a {@code -Xlog:gc:...:uptime} file, counting the collections up to {@code untilUptime} seconds after the JVM
     * started: the largest heap occupancy before a collection (how full the collector let the heap get), the largest
     * after one (an upper bound of what was live), both in bytes, and the number of collections.
     */
    static long[] peakHeap(final Path gcLog, final double untilUptime) throws IOException {
        long peak = 0;
        long live = 0;
        long events = 0;
        for (final String line : Files.readAllLines(gcLog)) {
            final Matcher uptime = GC_UPTIME.matcher(line);
            if (uptime.find() && Double.parseDouble(uptime.group(1)) > untilUptime) {
                break;
            }
            final Matcher matcher = GC_OCCUPANCY.matcher(line);
            if (matcher.find()) {
                peak = Math.max(peak, bytes(matcher.group(1), matcher.group(2)));
                live = Math.max(live, bytes(matcher.group(3), matcher.group(4)));
                events++;
            }
        }
        if (events == 0) {
            throw new IOException("No collection in " + gcLog + ": no peak heap to report");
        }
        return new long[] {peak, live, events};
    }

    private static long bytes(final String value, final String unit) {
        final long number = Long.parseLong(value);
        return switch (unit) {
            case "K" -> number << 10;
            case "M" -> number << 20;
            default -> number << 30;
        };
    }

    /**
     * {@code count} 500x375 JPEGs (the size of the cats-vs-dogs photos) in two class folders. The images are generated
     * once into a pool (image i is the same for every count) and each count's folder holds hard links to the first
     * {@code count}, so the 5,000 set is the first fifth of the 25,000 set.
     */
    static Path generated(final Path work, final int count) throws Exception {
        final Path folder = work.resolve("generated-500x375-" + count);
        final Path done = folder.resolve(".complete");
        if (Files.exists(done)) {
            return folder;
        }
        final Path pool = work.resolve("generated-500x375-pool");
        final List<String> classes = List.of("cat", "dog");
        final ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        try {
            final List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                final int index = i;
                final Path relative = Path.of(classes.get(i % 2), String.format(Locale.ROOT, "%s.%05d.jpg", classes.get(i % 2), i / 2));
                futures.add(threads.submit(() -> {
                    final Path file = pool.resolve(relative);
                    if (!Files.exists(file)) {
                        Files.createDirectories(file.getParent());
                        final Path partial = file.resolveSibling(file.getFileName() + ".partial");
                        ImageIO.write(photo(index), "jpg", partial.toFile());
                        Files.move(partial, file);
                    }
                    final Path link = folder.resolve(relative);
                    Files.createDirectories(link.getParent());
                    Files.deleteIfExists(link);
                    Files.createLink(link, file);
                    return null;
                }));
            }
            for (final Future<?> future : futures) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
        Files.writeString(done, Integer.toString(count));
        return folder;
    }

    /** A photo-sized image with gradients, shapes and grain, so it compresses and decodes like a photo, not a flat card. */
    private static BufferedImage photo(final int index) {
        final Random random = new Random(index * 7919L + 17);
        final BufferedImage image = new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), 500, 375, new Color(random.nextInt(0xFFFFFF))));
        g.fillRect(0, 0, 500, 375);
        for (int s = 0; s < 30; s++) {
            g.setColor(new Color(random.nextInt(0xFFFFFF)));
            g.setStroke(new BasicStroke(1 + random.nextInt(6)));
            if (s % 2 == 0) {
                g.fillOval(random.nextInt(500), random.nextInt(375), 10 + random.nextInt(150), 10 + random.nextInt(150));
            } else {
                g.drawLine(random.nextInt(500), random.nextInt(375), random.nextInt(500), random.nextInt(375));
            }
        }
        g.dispose();
        final int[] row = new int[500];
        for (int y = 0; y < 375; y++) {
            image.getRGB(0, y, 500, 1, row, 0, 500);
            for (int x = 0; x < 500; x++) {
                final int grain = random.nextInt(25) - 12;
                final int r = clamp(((row[x] >> 16) & 0xFF) + grain);
                final int gr = clamp(((row[x] >> 8) & 0xFF) + grain);
                final int b = clamp((row[x] & 0xFF) + grain);
                row[x] = (r << 16) | (gr << 8) | b;
            }
            image.setRGB(0, y, 500, 1, row, 0, 500);
        }
        return image;
    }

    private static int clamp(final int value) {
        return Math.max(0, Math.min(255, value));
    }

    private static String require(final Map<String, String> options, final String name) {
        final String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
