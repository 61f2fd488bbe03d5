package org.nifitransfer.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nifitransfer.core.dataset.NormalizationPreset;

/**
 * Stage 5: the whole template (head, then fine-tuning) in a real NiFi, from starting its group until both evaluations
 * are queued, beside the peer's script doing the same work end to end.
 */
final class PipelineStage {

    private final Bench bench;

    PipelineStage(final Bench bench) {
        this.bench = bench;
    }

    void run() {
        final Benchmark.Options options = bench.options();
        final Path work = bench.work();
        final Path data = bench.data().pipelineFolder();
        final Path ptModel = bench.data().ptModel();
        final NormalizationPreset preset = bench.data().preset();
        final String epochs = String.format(Locale.ROOT, "head %d + fine-tune %d epochs", options.headEpochs(), options.fineTuneEpochs());
        final PythonPeer.Result ours = bench.nifi().run("pipeline", List.of("--work", work.toString(), "--data", data.toString(), "--base",
                ptModel.toString(), "--preset", preset.name(), "--size", Integer.toString(Bench.SIZE), "--head-epochs",
                Integer.toString(options.headEpochs()), "--fine-tune-epochs", Integer.toString(options.fineTuneEpochs())));
        final PythonPeer.Result peer = bench.python().run("stage5_pipeline.py", List.of("--data", data.toString(), "--model",
                ptModel.toString(), "--out", work.resolve("stage5-python").toString(), "--size", Integer.toString(Bench.SIZE), "--order",
                preset.channelOrder().name(), "--mean", Bench.join(preset.mean()), "--std", Bench.join(preset.std()), "--head-epochs",
                Integer.toString(options.headEpochs()), "--fine-tune-epochs", Integer.toString(options.fineTuneEpochs())));
        final BenchTable table = bench.table();
        table.cost("5. whole pipeline (template), " + epochs, "s wall", ours.number("seconds"), ours.note() != null ? ours.note()
                        : String.format(Locale.ROOT, "NiFi; test acc %.3f / %.3f", ours.number("head_accuracy"), ours.number("fine_tune_accuracy")),
                peer.number("seconds"), peer.note() != null ? peer.note()
                        : String.format(Locale.ROOT, "script; test acc %.3f / %.3f", peer.number("head_accuracy"), peer.number("fine_tune_accuracy")));
        table.note(String.format(Locale.ROOT, "stage 5: ours from starting the template's group in a running NiFi (start-up, %s s, not "
                + "counted) until both evaluations are queued, %s test images; the peer from after its imports to its end; test "
                + "accuracy head / fine-tuned", ours.text("nifi_startup_s"), ours.text("test_images")));
        if (ours.json() != null && ours.json().has("busy_seconds")) {
            final StringBuilder busy = new StringBuilder();
            ours.json().get("busy_seconds").properties().forEach(entry -> busy.append(busy.isEmpty() ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %.1f", entry.getKey(), entry.getValue().asDouble())));
            table.note("stage 5, ours, seconds each processor was busy (NiFi's task durations): " + busy);
        }
    }
}
