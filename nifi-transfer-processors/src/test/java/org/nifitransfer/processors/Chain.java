package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;

/** Runs the eight processors in nifi-mock, passing flowfiles along as the template's connections do. */
final class Chain {

    static Path fixture(final String name) {
        return Path.of(System.getProperty("transfer.fixtures", "../fixtures")).resolve("models").resolve(name);
    }

    /** What a chain run produced. */
    record Outputs(List<MockFlowFile> tensors, List<MockFlowFile> features, MockFlowFile headModel, MockFlowFile unfrozen,
                   MockFlowFile tunedModel, Map<String, List<MockFlowFile>> headResults, Map<String, List<MockFlowFile>> tunedResults,
                   List<TestRunner> runners) {
    }

    /**
     * Queues a copy of {@code flowFile} (content and attributes, new identity) in {@code runner}, as a connection would.
     * Enqueuing the MockFlowFile itself would keep its numeric id, which the next runner's own flowfiles reuse.
     */
    static void pass(final MockFlowFile flowFile, final TestRunner runner) {
        final Map<String, String> attributes = new java.util.HashMap<>(flowFile.getAttributes());
        attributes.remove("uuid");
        runner.enqueue(flowFile.toByteArray(), attributes);
        INPUTS.computeIfAbsent(runner, key -> new ArrayList<>()).add(Map.copyOf(attributes));
    }

    /** The attributes of every flowfile {@link #pass} queued in each runner. */
    private static final Map<TestRunner, List<Map<String, String>>> INPUTS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** The attributes of the flowfiles passed to {@code runner}. */
    static List<Map<String, String>> inputs(final TestRunner runner) {
        return INPUTS.getOrDefault(runner, List.of());
    }

    static TestRunner runner(final Class<? extends Processor> type, final Consumer<TestRunner> configure) {
        final TestRunner runner = TestRunners.newTestRunner(type);
        configure.accept(runner);
        return runner;
    }

    /** The whole chain over an image folder, with a base and options. */
    static Outputs run(final Path images, final String base, final int size, final String preset, final Consumer<TestRunner> headOptions,
                       final Consumer<TestRunner> fineTuneOptions) {
        return run(images, load -> { }, base, size, preset, headOptions, fineTuneOptions);
    }

    /** The whole chain over an image folder, with LoadImageFolder's options too. */
    static Outputs run(final Path images, final Consumer<TestRunner> loadOptions, final String base, final int size, final String preset,
                       final Consumer<TestRunner> headOptions, final Consumer<TestRunner> fineTuneOptions) {
        final List<TestRunner> runners = new ArrayList<>();
        final TestRunner load = runner(LoadImageFolder.class, r -> {
            r.setProperty(LoadImageFolder.INPUT_DIRECTORY, images.toString());
            loadOptions.accept(r);
        });
        load.run();
        final List<MockFlowFile> loaded = load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        final int datasets = loaded.size();
        // a split in several shards: the shard-by-shard processors run two tasks at once, as the template allows
        final int threads = datasets > 3 ? 2 : 1;
        load.assertAllFlowFilesTransferred(LoadImageFolder.REL_SUCCESS, datasets);
        assertTrue(datasets >= 3, "a dataset per split at least");
        runners.add(load);

        final TestRunner resize = runner(ResizeAndNormalize.class, r -> {
            r.setProperty(ResizeAndNormalize.TARGET_WIDTH, String.valueOf(size));
            r.setProperty(ResizeAndNormalize.TARGET_HEIGHT, String.valueOf(size));
            r.setProperty(ResizeAndNormalize.PRESET, preset);
            r.setThreadCount(threads);
        });
        loaded.forEach(flowFile -> pass(flowFile, resize));
        resize.run(datasets);
        resize.assertAllFlowFilesTransferred(ResizeAndNormalize.REL_SUCCESS, datasets);
        runners.add(resize);

        final TestRunner augment = runner(Augment.class, r -> {
            r.setProperty(Augment.ROTATION, "0");
            r.setProperty(Augment.ZOOM, "0");
            r.setProperty(Augment.WIDTH_SHIFT, "0.1");
            r.setProperty(Augment.HEIGHT_SHIFT, "0.1");
            r.setThreadCount(threads);
        });
        resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS).forEach(flowFile -> pass(flowFile, augment));
        augment.run(datasets);
        augment.assertAllFlowFilesTransferred(Augment.REL_SUCCESS, datasets);
        runners.add(augment);
        final List<MockFlowFile> tensors = augment.getFlowFilesForRelationship(Augment.REL_SUCCESS);
        final List<MockFlowFile> training = tensors.stream().filter(flowFile -> !"test".equals(flowFile.getAttribute(TransferAttributes.SPLIT)))
                .toList();

        final TestRunner extract = runner(ExtractFeatures.class, r -> {
            r.setProperty(ExtractFeatures.BASE_MODEL, fixture(base).toString());
            r.setThreadCount(threads);
        });
        training.forEach(flowFile -> pass(flowFile, extract));
        extract.run(training.size());
        extract.assertAllFlowFilesTransferred(ExtractFeatures.REL_SUCCESS, training.size());
        runners.add(extract);
        final List<MockFlowFile> features = extract.getFlowFilesForRelationship(ExtractFeatures.REL_SUCCESS);

        final TestRunner head = runner(TrainHead.class, headOptions);
        // the shards in the reverse of their order, as a cluster may deliver them: the join puts them back in order
        features.reversed().forEach(flowFile -> pass(flowFile, head));
        head.run();
        head.assertTransferCount(TrainHead.REL_SUCCESS, 1);
        head.assertTransferCount(TrainHead.REL_ORIGINAL, features.size());
        head.assertTransferCount(TrainHead.REL_FAILURE, 0);
        runners.add(head);
        final MockFlowFile headModel = head.getFlowFilesForRelationship(TrainHead.REL_SUCCESS).getFirst();

        final Map<String, List<MockFlowFile>> headResults = evaluate(headModel, testShards(tensors), runners);
        if (fineTuneOptions == null) {
            return new Outputs(tensors, features, headModel, null, null, headResults, Map.of(), runners);
        }

        final TestRunner unfreeze = runner(UnfreezeLayers.class, r -> r.setProperty(UnfreezeLayers.TOP_BLOCKS, "1"));
        pass(headModel, unfreeze);
        unfreeze.run();
        unfreeze.assertAllFlowFilesTransferred(UnfreezeLayers.REL_SUCCESS, 1);
        runners.add(unfreeze);
        final MockFlowFile unfrozen = unfreeze.getFlowFilesForRelationship(UnfreezeLayers.REL_SUCCESS).getFirst();

        final TestRunner fineTune = runner(FineTune.class, fineTuneOptions);
        pass(unfrozen, fineTune);
        training.reversed().forEach(flowFile -> pass(flowFile, fineTune));
        fineTune.run();
        fineTune.assertTransferCount(FineTune.REL_SUCCESS, 1);
        fineTune.assertTransferCount(FineTune.REL_ORIGINAL, 1 + training.size());
        fineTune.assertTransferCount(FineTune.REL_FAILURE, 0);
        runners.add(fineTune);
        final MockFlowFile tuned = fineTune.getFlowFilesForRelationship(FineTune.REL_SUCCESS).getFirst();
        return new Outputs(tensors, features, headModel, unfrozen, tuned, headResults, evaluate(tuned, testShards(tensors), runners), runners);
    }

    /** The test dataset, of a chain whose test split is one flowfile. */
    static MockFlowFile test(final List<MockFlowFile> tensors) {
        final List<MockFlowFile> test = testShards(tensors);
        assertEquals(1, test.size(), "the test split is one flowfile");
        return test.getFirst();
    }

    /** The test split's flowfiles (its shards, or the one flowfile). */
    static List<MockFlowFile> testShards(final List<MockFlowFile> tensors) {
        return tensors.stream().filter(flowFile -> "test".equals(flowFile.getAttribute(TransferAttributes.SPLIT))).toList();
    }

    /** Evaluate's outputs by transfer.result, plus "model". */
    static Map<String, List<MockFlowFile>> evaluate(final MockFlowFile model, final List<MockFlowFile> test, final List<TestRunner> runners) {
        final TestRunner evaluate = runner(Evaluate.class, r -> { });
        pass(model, evaluate);
        test.reversed().forEach(shard -> pass(shard, evaluate));
        evaluate.run();
        evaluate.assertTransferCount(Evaluate.REL_RESULTS, 6);
        evaluate.assertTransferCount(Evaluate.REL_MODEL, 1);
        evaluate.assertTransferCount(Evaluate.REL_ORIGINAL, test.size());
        evaluate.assertTransferCount(Evaluate.REL_FAILURE, 0);
        runners.add(evaluate);
        final Map<String, List<MockFlowFile>> results = new java.util.HashMap<>();
        for (final MockFlowFile result : evaluate.getFlowFilesForRelationship(Evaluate.REL_RESULTS)) {
            results.computeIfAbsent(result.getAttribute(Evaluate.RESULT_ATTRIBUTE), key -> new ArrayList<>()).add(result);
        }
        results.put("model", evaluate.getFlowFilesForRelationship(Evaluate.REL_MODEL));
        assertEquals(List.of(1, 1, 1, 1, 1, 1), List.of(results.get("metrics").size(), results.get("learning-curve").size(),
                results.get("confusion-matrix").size(), results.get("predictions").size(), results.get("heatmaps").size(),
                results.get("activations").size()));
        return results;
    }
}
