package org.nifitransfer.processors.demo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.processors.Augment;
import org.nifitransfer.processors.Evaluate;
import org.nifitransfer.processors.ExtractFeatures;
import org.nifitransfer.processors.FineTune;
import org.nifitransfer.processors.LoadImageFolder;
import org.nifitransfer.processors.ResizeAndNormalize;
import org.nifitransfer.processors.TrainHead;
import org.nifitransfer.processors.TransferAttributes;
import org.nifitransfer.processors.UnfreezeLayers;

/**
 * The project's main job until the end-to-end issue replaces it with a real NiFi: runs the eight processors
 * (the real processor code, in NiFi's test framework) over a folder of images — LoadImageFolder, ResizeAndNormalize,
 * Augment, ExtractFeatures, TrainHead, UnfreezeLayers, FineTune, Evaluate — prints what each produced and the head
 * and fine-tuned accuracies, and writes the datasets, the models, the metrics and the plots to the output folder.
 *
 * <p>Arguments: {@code [--data DIR] [--base-model FILE] [--out DIR] [--size N] [--preset NAME] [--unfreeze N]
 * [--head-epochs N] [--fine-tune-epochs N] [--fine-tune-lr R] [--materialize N]}. Without {@code --data}, a small dataset of generated
 * images is made, and without {@code --base-model} the tiny fixture base is used: a smoke run, not a benchmark.
 */
public final class DataPipelineDemo {

    private DataPipelineDemo() {
    }

    public static void main(final String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("java.awt.headless", "true");
        final Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Unknown argument " + args[i] + "; expected --data DIR, --base-model FILE, --out DIR, "
                        + "--size N, --preset zero-one|minus-one-one|imagenet|caffe, --unfreeze N, --head-epochs N, --fine-tune-epochs N, "
                        + "--fine-tune-lr R, --materialize N");
            }
            options.put(args[i].substring(2), args[++i]);
        }
        final boolean smoke = !options.containsKey("base-model");
        final Path project = Path.of(options.getOrDefault("project", "..")).toAbsolutePath().normalize();
        final String base = options.getOrDefault("base-model", project.resolve("fixtures/models/tiny_base.pt").toString());
        final String size = options.getOrDefault("size", smoke ? "64" : "224");
        final String preset = options.getOrDefault("preset", smoke ? "zero-one" : "imagenet");
        final Path out = Path.of(options.getOrDefault("out", "target/demo-output")).toAbsolutePath();
        Path data = options.containsKey("data") ? Path.of(options.get("data")) : null;
        if (data == null) {
            data = Path.of("target", "demo-data").toAbsolutePath();
            final int made = SyntheticImages.writeFolder(data, 100, 30, 30);
            System.out.println("No --data given: generated " + made + " images (horizontal vs vertical stripes) in " + data);
        }
        if (smoke) {
            System.out.println("No --base-model given: using the tiny fixture base " + base + ". This is a smoke run, not a benchmark.");
        }
        final long start = System.nanoTime();

        final TestRunner load = runner(LoadImageFolder.class, r -> r.setProperty(LoadImageFolder.INPUT_DIRECTORY, options.containsKey("data")
                ? Path.of(options.get("data")).toAbsolutePath().toString() : Path.of("target", "demo-data").toAbsolutePath().toString()));
        load.run();
        if (!load.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).isEmpty()) {
            System.err.println("LoadImageFolder failed: " + load.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE)
                    .getFirst().getAttribute(TransferAttributes.ERROR));
            System.exit(1);
        }
        final List<MockFlowFile> loaded = load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        System.out.println();
        System.out.println("LoadImageFolder: run " + loaded.getFirst().getAttribute(TransferAttributes.RUN_ID) + " from " + data);
        loaded.forEach(DataPipelineDemo::printDataset);

        final List<MockFlowFile> tensors = step("ResizeAndNormalize: " + size + "x" + size + ", preset " + preset, ResizeAndNormalize.class, r -> {
            r.setProperty(ResizeAndNormalize.TARGET_WIDTH, size);
            r.setProperty(ResizeAndNormalize.TARGET_HEIGHT, size);
            r.setProperty(ResizeAndNormalize.PRESET, preset);
        }, loaded, "success");
        final List<MockFlowFile> augmented = step("Augment: " + (options.containsKey("materialize") ? options.get("materialize")
                + " variants per train image" : "on the fly (train only)"), Augment.class, r -> {
                    if (options.containsKey("materialize")) {
                        r.setProperty(Augment.MODE, "materialize");
                        r.setProperty(Augment.VARIANTS, options.get("materialize"));
                    }
                }, tensors, "success");
        final MockFlowFile train = split(augmented, "train");
        final MockFlowFile validation = split(augmented, "validation");
        final MockFlowFile test = augmented.stream().filter(flowFile -> "test".equals(flowFile.getAttribute(TransferAttributes.SPLIT)))
                .findFirst().orElse(null);

        final List<MockFlowFile> features = step("ExtractFeatures: " + base, ExtractFeatures.class,
                r -> r.setProperty(ExtractFeatures.BASE_MODEL, base), List.of(train, validation), "success");
        // a smoke run trains the tiny fixture base's head longer, and fine-tunes its top faster, than a real base needs
        final MockFlowFile head = step("TrainHead", TrainHead.class,
                r -> r.setProperty(TrainHead.EPOCHS, options.getOrDefault("head-epochs", smoke ? "40" : "10")), features, "success").getFirst();
        final MockFlowFile unfrozen = step("UnfreezeLayers: top " + options.getOrDefault("unfreeze", "2") + " blocks", UnfreezeLayers.class,
                r -> r.setProperty(UnfreezeLayers.TOP_BLOCKS, options.getOrDefault("unfreeze", "2")), List.of(head), "success").getFirst();
        final MockFlowFile tuned = step("FineTune", FineTune.class,
                r -> {
                    r.setProperty(FineTune.EPOCHS, options.getOrDefault("fine-tune-epochs", smoke ? "5" : "3"));
                    r.setProperty(FineTune.LEARNING_RATE, options.getOrDefault("fine-tune-lr", smoke ? "0.001" : "0.00001"));
                }, List.of(unfrozen, train, validation), "success")
                .getFirst();

        final MockFlowFile evaluation = test != null ? test : validation;
        final Map<String, MockFlowFile> headResults = evaluate(head, evaluation);
        final Map<String, MockFlowFile> tunedResults = evaluate(tuned, evaluation);

        Files.createDirectories(out);
        final List<String> written = new ArrayList<>();
        for (final MockFlowFile flowFile : List.of(train, validation, head, tuned)) {
            written.add(write(out, flowFile));
        }
        for (final Map<String, MockFlowFile> results : List.of(headResults, tunedResults)) {
            for (final String kind : List.of("metrics", "learning-curve", "confusion-matrix", "predictions")) {
                written.add(write(out, results.get(kind)));
            }
        }
        final String on = test != null ? "test" : "validation (no test split)";
        System.out.printf(Locale.ROOT, "%nHead model:       validation accuracy %s, %s accuracy %s%n", head.getAttribute("transfer.val.accuracy"),
                on, headResults.get("metrics").getAttribute("transfer.eval.accuracy"));
        System.out.printf(Locale.ROOT, "Fine-tuned model: validation accuracy %s, %s accuracy %s (kept epoch %s)%n",
                tuned.getAttribute("transfer.val.accuracy"), on, tunedResults.get("metrics").getAttribute("transfer.eval.accuracy"),
                tuned.getAttribute("transfer.kept.epoch"));
        System.out.printf(Locale.ROOT, "Learning curve:   %s%n", out.resolve(tunedResults.get("learning-curve").getAttribute("filename")));
        System.out.printf(Locale.ROOT, "Model:            %s%n", out.resolve(tuned.getAttribute("filename")));
        System.out.printf(Locale.ROOT, "%nDone in %.1f s. Everything written to %s:%n", (System.nanoTime() - start) / 1e9, out);
        written.forEach(file -> System.out.println("  " + file));
    }

    private static TestRunner runner(final Class<? extends Processor> type, final Consumer<TestRunner> configure) {
        final TestRunner runner = TestRunners.newTestRunner(type);
        configure.accept(runner);
        return runner;
    }

    /** Runs one processor over {@code inputs} and returns what it sent to {@code relationship}; exits on failures. */
    private static List<MockFlowFile> step(final String title, final Class<? extends Processor> type, final Consumer<TestRunner> configure,
                                           final List<MockFlowFile> inputs, final String relationship) {
        final TestRunner runner = runner(type, configure);
        inputs.forEach(flowFile -> pass(flowFile, runner));
        runner.run(Math.max(1, inputs.size()));
        for (final String bad : List.of("failure", "timeout")) {
            if (runner.getProcessor().getRelationships().stream().anyMatch(r -> r.getName().equals(bad))) {
                for (final MockFlowFile failed : runner.getFlowFilesForRelationship(bad)) {
                    System.err.println(type.getSimpleName() + " sent " + failed.getAttribute("filename") + " to " + bad + ": "
                            + failed.getAttribute(TransferAttributes.ERROR));
                    System.exit(1);
                }
            }
        }
        final List<MockFlowFile> outputs = runner.getFlowFilesForRelationship(relationship);
        System.out.println(title);
        outputs.forEach(DataPipelineDemo::printDataset);
        return outputs;
    }

    private static Map<String, MockFlowFile> evaluate(final MockFlowFile model, final MockFlowFile dataset) {
        final TestRunner runner = runner(Evaluate.class, r -> { });
        pass(model, runner);
        final Map<String, String> attributes = new HashMap<>(dataset.getAttributes());
        attributes.remove("uuid");
        attributes.put(TransferAttributes.SPLIT, "test");
        runner.enqueue(testCopy(dataset), attributes);
        runner.run();
        final Map<String, MockFlowFile> results = new HashMap<>();
        runner.getFlowFilesForRelationship(Evaluate.REL_RESULTS).forEach(result -> results.put(result.getAttribute("transfer.result"), result));
        if (results.size() != 4) {
            System.err.println("Evaluate failed: " + runner.getFlowFilesForRelationship(Evaluate.REL_FAILURE).stream()
                    .map(flowFile -> flowFile.getAttribute(TransferAttributes.ERROR)).toList());
            System.exit(1);
        }
        System.out.println("Evaluate (" + model.getAttribute(TransferAttributes.PHASE) + " model): accuracy "
                + results.get("metrics").getAttribute("transfer.eval.accuracy") + " on " + results.get("metrics").getAttribute("transfer.eval.count")
                + " images");
        return results;
    }

    /** A validation dataset stands in for a missing test split: Evaluate joins on split=test. */
    private static byte[] testCopy(final MockFlowFile dataset) {
        return dataset.toByteArray();
    }

    private static void pass(final MockFlowFile flowFile, final TestRunner runner) {
        final Map<String, String> attributes = new HashMap<>(flowFile.getAttributes());
        attributes.remove("uuid");
        runner.enqueue(flowFile.toByteArray(), attributes);
    }

    private static MockFlowFile split(final List<MockFlowFile> flowFiles, final String split) {
        return flowFiles.stream().filter(flowFile -> split.equals(flowFile.getAttribute(TransferAttributes.SPLIT))).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + split + " split: the folder needs train/ and validation/ "
                        + "(or class folders only)"));
    }

    private static String write(final Path out, final MockFlowFile flowFile) throws IOException {
        final Path file = out.resolve(flowFile.getAttribute("filename"));
        Files.write(file, flowFile.toByteArray());
        return file.toString();
    }

    private static void printDataset(final MockFlowFile flowFile) {
        final String kind = flowFile.getAttribute(TransferAttributes.KIND);
        if ("model".equals(kind)) {
            System.out.printf(Locale.ROOT, "  model (%s): %s epochs, validation accuracy %s, loss %s, %s trainable base parameters, %.1f MB%n",
                    flowFile.getAttribute(TransferAttributes.PHASE), flowFile.getAttribute("transfer.epochs"),
                    flowFile.getAttribute("transfer.val.accuracy"), flowFile.getAttribute("transfer.val.loss"),
                    flowFile.getAttribute("transfer.trainable.parameters"), flowFile.getSize() / 1e6);
            return;
        }
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-10s %-15s %6s images",
                flowFile.getAttribute(TransferAttributes.SPLIT), kind, flowFile.getAttribute(TransferAttributes.COUNT)));
        final List<String> classes = new ArrayList<>();
        flowFile.getAttributes().forEach((key, value) -> {
            if (key.startsWith(TransferAttributes.COUNT_PREFIX)) {
                classes.add(key.substring(TransferAttributes.COUNT_PREFIX.length()) + "=" + value);
            }
        });
        classes.sort(null);
        line.append("  ").append(classes).append(String.format(Locale.ROOT, "  %.1f MB", flowFile.getSize() / 1e6));
        if (!"0".equals(flowFile.getAttribute(TransferAttributes.SKIPPED_COUNT))) {
            line.append("  skipped ").append(flowFile.getAttribute(TransferAttributes.SKIPPED));
        }
        if ("tensor-dataset".equals(kind)) {
            try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
                final DatasetManifest.TensorSpec spec = reader.getManifest().tensor();
                int shards = 0;
                TensorShard shard;
                while ((shard = reader.nextShard()) != null) {
                    shards++;
                }
                line.append(String.format(Locale.ROOT, "; %d shard(s) uint8 [n, %d, %d, 3], preset %s, augmentation %s", shards, spec.height(),
                        spec.width(), spec.normalization().name(), flowFile.getAttribute(TransferAttributes.AUGMENTATION)));
            } catch (final IOException e) {
                line.append("  (unreadable: ").append(e.getMessage()).append(')');
            }
        } else if ("feature-dataset".equals(kind)) {
            line.append("; ").append(flowFile.getAttribute("transfer.feature.dimension")).append(" features each (")
                    .append(flowFile.getAttribute("transfer.pooling")).append(" pooling)");
        }
        System.out.println(line);
    }
}
