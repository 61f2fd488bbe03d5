package org.nifitransfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Stage 9 (issue 16): LoadImageFolder, ResizeAndNormalize and ExtractFeatures through NiFi on the flowers, in shards of
 * 1,000 images: on one node with 1 and 2 ExtractFeatures tasks, with shards of 250 and with whole splits, and on a
 * 3-node cluster on this same machine with the template's load balancing. No peer: the figures say what sharding and a
 * cluster cost and give, and each node's share of the work.
 */
final class ScalingStage {

    private static final String NONE = "no peer (NiFi only)";

    private final Bench bench;

    ScalingStage(final Bench bench) {
        this.bench = bench;
    }

    void run() {
        final Path folder = bench.data().pipelineFolder();
        final Path classFolders = Files.isDirectory(folder.resolve("train")) ? folder.resolve("train") : folder;
        final PythonPeer.Result ours = bench.nifi().run("scaling", List.of("--work", bench.work().toString(), "--data", classFolders.toString(),
                "--base", bench.data().onnxModel().toString(), "--preset", bench.data().preset().name(), "--size", Integer.toString(Bench.SIZE)));
        final BenchTable table = bench.table();
        if (ours.json() == null) {
            table.rate("9. extraction through NiFi, sharded", "images/s", null, ours.note(), null, NONE);
            return;
        }
        for (final String run : List.of("one_node_1_task", "one_node_2_tasks", "one_node_shard_250", "one_node_whole_splits", "cluster_1_task",
                "cluster_shard_250", "cluster_unbalanced",
                "cluster_shard_250_balanced_twice")) {
            final JsonNode result = ours.json().path(run);
            if (result.isMissingNode()) {
                continue;
            }
            final String label = switch (run) {
                case "one_node_1_task" -> "9. extraction, 1 node, 1 task, shards of 1,000";
                case "one_node_2_tasks" -> "9. extraction, 1 node, 2 tasks, shards of 1,000";
                case "one_node_shard_250" -> "9. extraction, 1 node, 1 task, shards of 250";
                case "one_node_whole_splits" -> "9. extraction, 1 node, 1 task, whole splits";
                case "cluster_1_task" -> "9. extraction, " + ours.json().path("cluster_nodes").asInt() + "-node cluster on this machine, "
                        + "shards of 1,000";
                case "cluster_shard_250" -> "9. extraction, " + ours.json().path("cluster_nodes").asInt() + "-node cluster on this machine, "
                        + "shards of 250";
                case "cluster_unbalanced" -> "9. extraction, " + ours.json().path("cluster_nodes").asInt() + "-node cluster, shards of 250, "
                        + "no load balancing (the primary does all)";
                default -> "9. extraction, " + ours.json().path("cluster_nodes").asInt() + "-node cluster, shards of 250, round robin into "
                        + "ExtractFeatures too";
            };
            final StringBuilder nodes = new StringBuilder();
            for (final JsonNode each : result.path("runs")) {
                final StringBuilder shares = new StringBuilder();
                each.path("nodes").properties().forEach(node -> shares.append(shares.isEmpty() ? "" : "/").append(node.getValue().path("images").asLong()));
                nodes.append(nodes.isEmpty() ? "" : ", ").append(shares);
            }
            table.rate(label, "images/s", result.path("images_per_s").asDouble(), String.format(Locale.ROOT,
                    "median of %d: %.0f-%.0f; %d images in %d datasets; %.2f CPU ms/image%s", result.path("runs").size(),
                    result.path("min_images_per_s").asDouble(), result.path("max_images_per_s").asDouble(), result.path("images").asLong(),
                    result.path("datasets").asLong(), result.path("cpu_ms_per_image").asDouble(),
                    run.startsWith("cluster") ? "; images by node in each run " + nodes : ""), null, NONE);
        }
        table.note(String.format(Locale.ROOT, "stage 9: idle, one NiFi uses %.3f CPU s per s, the %d-node cluster %.3f (heartbeats, status, "
                + "the cluster protocol)", ours.json().path("one_node_idle_cpu_per_s").asDouble(), ours.json().path("cluster_nodes").asInt(),
                ours.json().path("cluster_idle_cpu_per_s").asDouble()));
        table.note("stage 9: " + classFolders + " split 80/10/10 by LoadImageFolder, every split resized and extracted ("
                + bench.data().onnxModel().getFileName() + "), timed from starting the group until every feature dataset is queued; a "
                + "first run in each NiFi warms it up and is not shown; CPU ms/image = user + system CPU of every NiFi process over the run "
                + "divided by the images (of the median run); the cluster's nodes share this machine's cores");
    }
}
