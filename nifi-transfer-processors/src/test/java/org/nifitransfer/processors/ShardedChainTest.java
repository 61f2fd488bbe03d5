package org.nifitransfer.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.nifi.util.MockFlowFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.dataset.DatasetShards;
import org.nifitransfer.core.dataset.FeatureDatasetReader;
import org.nifitransfer.core.dataset.FeatureShard;

/**
 * A split emitted in shards ("Images Per Shard") goes through the chain shard by shard, with two concurrent tasks in the
 * shard-by-shard processors and the shards reaching the joins in reverse order, and trains and evaluates what the same
 * folder gives in one flowfile per split.
 */
class ShardedChainTest {

    @TempDir
    static Path images;

    private static Chain.Outputs whole;
    private static Chain.Outputs sharded;

    @BeforeAll
    static void runBoth() {
        TestImages.stripedFolder(images, new String[] {"train", "validation", "test"}, new int[] {30, 10, 10}, 32);
        whole = chain(load -> { });
        // 60 train images in 9 shards (the last of 4), 20 validation and 20 test images in 3 each
        sharded = chain(load -> load.setProperty(LoadImageFolder.IMAGES_PER_SHARD, "7"));
    }

    private static Chain.Outputs chain(final java.util.function.Consumer<org.apache.nifi.util.TestRunner> load) {
        return Chain.run(images, load, "tiny_base.pt", 32, "zero-one", head -> {
            head.setProperty(TrainHead.OPTIMIZER, TrainingSupport.Optimizer.ADAM);
            head.setProperty(TrainHead.LEARNING_RATE, "0.05");
            head.setProperty(TrainHead.EPOCHS, "6");
        }, fineTune -> {
            fineTune.setProperty(FineTune.LEARNING_RATE, "0.0005");
            fineTune.setProperty(FineTune.EPOCHS, "1");
        });
    }

    @Test
    void eachSplitIsShardedWithNiFisFragmentAttributes() {
        final List<MockFlowFile> loaded = sharded.runners().getFirst().getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        assertEquals(15, loaded.size());
        final Map<String, List<MockFlowFile>> bySplit = loaded.stream().collect(Collectors.groupingBy(flowFile -> flowFile.getAttribute(TransferAttributes.SPLIT)));
        final Map<String, Integer> expectedShards = Map.of("train", 9, "validation", 3, "test", 3);
        final Map<String, Integer> expectedImages = Map.of("train", 60, "validation", 20, "test", 20);
        final Set<String> identifiers = new TreeSet<>();
        for (final Map.Entry<String, List<MockFlowFile>> split : bySplit.entrySet()) {
            final List<MockFlowFile> shards = split.getValue();
            final int count = expectedShards.get(split.getKey());
            assertEquals(count, shards.size(), split.getKey());
            assertEquals(1, shards.stream().map(flowFile -> flowFile.getAttribute(TransferAttributes.FRAGMENT_IDENTIFIER)).distinct().count());
            identifiers.add(shards.getFirst().getAttribute(TransferAttributes.FRAGMENT_IDENTIFIER));
            assertEquals(java.util.stream.IntStream.range(0, count).boxed().toList(), shards.stream()
                    .map(flowFile -> Integer.parseInt(flowFile.getAttribute(TransferAttributes.FRAGMENT_INDEX))).sorted().toList());
            shards.forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.FRAGMENT_COUNT, String.valueOf(count)));
            assertEquals(expectedImages.get(split.getKey()), shards.stream().mapToInt(flowFile -> Integer.parseInt(flowFile.getAttribute(TransferAttributes.COUNT))).sum());
            assertTrue(shards.stream().allMatch(flowFile -> Integer.parseInt(flowFile.getAttribute(TransferAttributes.COUNT)) <= 7));
            shards.forEach(flowFile -> assertTrue(flowFile.getAttribute("filename").matches("[0-9a-f]{8}-" + split.getKey()
                    + "-image-dataset-shard-\\d+-of-" + count + "\\.tar"), flowFile.getAttribute("filename")));
        }
        assertEquals(3, identifiers.size(), "each split has its own fragment.identifier");
        // without the property's effect, a split is one flowfile: shard 0 of 1
        final List<MockFlowFile> unsharded = whole.runners().getFirst().getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        assertEquals(3, unsharded.size());
        unsharded.forEach(flowFile -> flowFile.assertAttributeEquals(TransferAttributes.FRAGMENT_COUNT, "1"));
    }

    @Test
    void theShardsFeaturesAreTheWholeSplitsInOrderAndOnlyTheFirstCarriesTheBase() throws IOException {
        for (final String split : List.of("train", "validation")) {
            final Features expected = features(ofSplit(whole.features(), split));
            final List<MockFlowFile> shards = ofSplit(sharded.features(), split);
            final Features joined = features(shards);
            assertEquals(expected.files(), joined.files(), split);
            assertEquals(expected.vectors().size(), joined.vectors().size());
            for (int i = 0; i < expected.vectors().size(); i++) {
                assertEquals(expected.vectors().get(i), joined.vectors().get(i), 1e-5f, split + " value " + i);
            }
            assertEquals(expected.baseEntry(), joined.baseEntry(), split);
        }
        final List<MockFlowFile> train = ofSplit(sharded.features(), "train");
        assertTrue(train.getFirst().getSize() > 3 * train.get(1).getSize(), "the first train shard embeds the base, the others do not: "
                + train.stream().map(MockFlowFile::getSize).toList());
    }

    @Test
    void trainingAndEvaluationOnShardsGiveTheWholeSplitsResults() {
        assertEquals(whole.headModel().getAttribute("transfer.val.accuracy"), sharded.headModel().getAttribute("transfer.val.accuracy"));
        assertEquals(whole.headModel().getAttribute("transfer.loss"), sharded.headModel().getAttribute("transfer.loss"));
        final MockFlowFile headMetrics = sharded.headResults().get("metrics").getFirst();
        assertEquals(whole.headResults().get("metrics").getFirst().getAttribute("transfer.eval.accuracy"), headMetrics.getAttribute("transfer.eval.accuracy"));
        assertEquals(predictions(whole.headResults()), predictions(sharded.headResults()));
        assertEquals(20, predictions(sharded.headResults()).size(), "every test image of the three shards is evaluated once");
        assertEquals(whole.tunedResults().get("metrics").getFirst().getAttribute("transfer.eval.accuracy"),
                sharded.tunedResults().get("metrics").getFirst().getAttribute("transfer.eval.accuracy"));
        for (final MockFlowFile model : List.of(sharded.headModel(), sharded.tunedModel())) {
            TransferAttributes.SHARD_ATTRIBUTES.forEach(attribute -> assertNull(model.getAttribute(attribute), attribute));
        }
        assertNotNull(sharded.tunedModel());
    }

    /** Each test image's predicted class, by file. */
    private static List<String> predictions(final Map<String, List<MockFlowFile>> results) {
        final String csv = new String(results.get("predictions").getFirst().toByteArray(), StandardCharsets.UTF_8);
        final List<String> rows = new ArrayList<>();
        final String[] lines = csv.split("\n");
        for (int i = 1; i < lines.length; i++) {
            final String[] cells = lines[i].split(",");
            rows.add(cells[0] + " " + cells[2]);
        }
        return rows;
    }

    private record Features(List<String> files, List<Float> vectors, String baseEntry) {
    }

    private static Features features(final List<MockFlowFile> shards) throws IOException {
        final List<DatasetShards.Source> sources = shards.stream()
                .sorted(Comparator.comparingInt(flowFile -> Integer.parseInt(flowFile.getAttribute(TransferAttributes.FRAGMENT_INDEX))))
                .<DatasetShards.Source>map(flowFile -> () -> new ByteArrayInputStream(flowFile.toByteArray())).toList();
        final List<String> files = new ArrayList<>();
        final List<Float> vectors = new ArrayList<>();
        try (FeatureDatasetReader reader = FeatureDatasetReader.open(DatasetShards.concatenate(sources))) {
            reader.setBaseSink((entry, content) -> content.transferTo(java.io.OutputStream.nullOutputStream()));
            FeatureShard chunk;
            while ((chunk = reader.nextShard()) != null) {
                files.addAll(chunk.files());
                for (int i = 0; i < chunk.count() * chunk.dimension(); i++) {
                    vectors.add(chunk.features()[i]);
                }
            }
            assertNotEquals(0, files.size());
            return new Features(files, vectors, reader.getManifest().features().base().entry());
        }
    }

    /** A split's flowfiles, in the order they were emitted. */
    private static List<MockFlowFile> ofSplit(final List<MockFlowFile> flowFiles, final String split) {
        return flowFiles.stream().filter(flowFile -> split.equals(flowFile.getAttribute(TransferAttributes.SPLIT))).toList();
    }
}
