package org.nifitransfer.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.FeatureDatasetReader;
import org.nifitransfer.core.dataset.FeatureShard;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.FeatureExtractor;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ParameterInfo;
import org.nifitransfer.core.model.UnfreezeSelector;
import org.nifitransfer.core.model.UnfreezeStrategy;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.pipeline.TensorConverter;
import org.nifitransfer.core.training.FineTuner;
import org.nifitransfer.core.training.HeadModels;
import org.nifitransfer.core.training.HeadTrainer;
import org.nifitransfer.core.training.OptimizerChoice;
import org.nifitransfer.core.training.TrainingProgress;

/**
 * Stage 4: the real {@link FineTuner} (FineTune's defaults: RMSprop 3e-4, batch 32, the top blocks of the
 * base unfrozen, BatchNorm statistics frozen) on a tensor dataset of real images, with a head first trained on
 * their features. Throughput is measured between the end of the first training batch and the end of the last, from
 * the trainer's own progress reports, so it covers reading the batch from the tensor cache, normalising it, forward,
 * backward and the optimizer step, and leaves out start-up and validation.
 */
final class FineTuneStage {

    /** Images/s and what was measured. */
    record Measured(double imagesPerSecond, int batchesTimed, long trainableParameters) {
    }

    private final Bench bench;
    private final List<Path> files;
    private final List<Integer> labels;
    private final List<String> classes;
    private final int batch = Bench.BATCH;

    FineTuneStage(final Bench bench) {
        this.bench = bench;
        this.files = bench.data().files();
        this.labels = bench.data().labels();
        this.classes = bench.data().classes();
    }

    /**
     * Fine-tunes plain, augmented on the fly, and with NCHW batches, beside the peer's plain and augmented runs on the
     * batch stage 2 wrote.
     */
    void run() throws Exception {
        final BenchTable table = bench.table();
        final Path work = bench.work();
        final Path ptModel = bench.data().ptModel();
        final int batches = Math.max(6, (int) Math.round(bench.options().seconds() * 2));
        // the Augment processor's defaults, as the template attaches them
        final Augmenter augmentation = new Augmenter(AugmentationRecipe.builder().optRotationRange(40).optWidthShiftRange(0.2)
                .optHeightShiftRange(0.2).optZoomRange(0.2).optHorizontalFlip(true).build());
        record Variant(Augmenter augmenter, boolean channelsLast, String label) {
        }
        // the peer always feeds NCHW: one run per augmentation choice, and the NCHW row shares the plain row's
        final Map<Boolean, PythonPeer.Result> peers = new HashMap<>();
        for (final Variant variant : List.of(new Variant(null, true, ""), new Variant(augmentation, true, ", augmented on the fly"),
                new Variant(null, false, ", NCHW input"))) {
            final Measured ours = measure(batches, 2, variant.augmenter(), variant.channelsLast(), work);
            final PythonPeer.Result peer = peers.computeIfAbsent(variant.augmenter() != null, augmented -> {
                final List<String> args = new ArrayList<>(List.of("--model", ptModel.toString(), "--batch", work.resolve("batch.npy").toString(),
                        "--classes", Integer.toString(classes.size()), "--unfreeze", "2", "--seconds",
                        Double.toString(bench.options().seconds())));
                if (augmented) {
                    args.add("--augment");
                }
                return bench.python().run("stage4_finetune.py", args);
            });
            table.rate("4. fine-tune, top 2 blocks unfrozen, batch 32, RMSprop" + variant.label(),
                    "images/s", ours.imagesPerSecond(),
                    String.format(Locale.ROOT, "FineTuner, %d batches, %,d trainable", ours.batchesTimed(), ours.trainableParameters()),
                    peer.number("images_per_s"), peer.note() != null ? peer.note()
                            : String.format(Locale.ROOT, "one batch again and again, %,.0f trainable", peer.number("trainable_parameters")));
        }
        table.note("stage 4, ours: FineTuner's own progress reports time every batch after the first, including reading it from the "
                + "tensor cache and normalising it; the peer reuses one normalised batch, so it does no data work. 'Augmented': "
                + "Augment's defaults (rotation 40, shifts 0.2, zoom 0.2, horizontal flip), ours per image in Java (Augmenter), the "
                + "peer's per batch with torch affine_grid + grid_sample. FineTuner feeds channels-last batches (NHWC data behind the NCHW "
                + "shape); the NCHW row is optChannelsLast(false); the peer feeds NCHW");
    }

    /**
     * Measures with {@code augmentation} applied on the fly to every training batch, or none when null, with channels-last
     * batches (FineTune's default) or NCHW ones.
     */
    private Measured measure(final int batches, final int topBlocks, final Augmenter augmentation, final boolean channelsLast, final Path work)
            throws Exception {
        // every k-th file, so all classes are in; the last batch is the validation set
        final int count = (batches + 1) * batch;
        final List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            picked.add((int) ((long) i * files.size() / count));
        }
        final byte[] train = tensors("train", picked.subList(0, batches * batch));
        final byte[] validation = tensors("validation", picked.subList(batches * batch, count));
        final ModelPackage headModel = headModel(train, validation, work);
        final List<ParameterInfo> selected = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(topBlocks)
                .build().apply(headModel.manifest().baseParameters());
        final long trainable = selected.stream().filter(ParameterInfo::trainable).mapToLong(ParameterInfo::count).sum();
        final ModelPackage unfrozen = new ModelPackage(headModel.manifest().withBaseParameters(selected, false, "top " + topBlocks + " blocks"),
                headModel.baseFile(), headModel.headWeights());
        final long[] firstBatchEnd = new long[1];
        final long[] lastBatchEnd = new long[1];
        final int[] timed = new int[1];
        final FineTuner tuner = FineTuner.builder().optOptimizer(OptimizerChoice.RMSPROP).optLearningRate(3e-4f).optEpochs(1)
                .optBatchSize(batch).optChannelsLast(channelsLast).optProgress((TrainingProgress update) -> {
                    final long now = System.nanoTime();
                    if (update.batch() == 1) {
                        firstBatchEnd[0] = now;
                    } else {
                        lastBatchEnd[0] = now;
                        timed[0] = (int) update.batch() - 1;
                    }
                }).build();
        tuner.fineTune(unfrozen, () -> new ByteArrayInputStream(train), () -> new ByteArrayInputStream(validation), augmentation, work);
        if (timed[0] < 1) {
            throw new IllegalStateException("Fine-tuning reported " + (timed[0] + 1) + " batch(es); the stage needs at least 2");
        }
        return new Measured(timed[0] * (double) batch / ((lastBatchEnd[0] - firstBatchEnd[0]) / 1e9), timed[0], trainable);
    }

    /** A head trained on the features of {@code count} of the files (every k-th; a fifth validates), as TrainHead emits it. */
    ModelPackage headModel(final int count, final Path work) throws Exception {
        final List<Integer> picked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            picked.add((int) ((long) i * files.size() / count));
        }
        final int trainCount = count * 4 / 5;
        return headModel(tensors("train", picked.subList(0, trainCount)), tensors("validation", picked.subList(trainCount, count)), work);
    }

    private byte[] tensors(final String split, final List<Integer> picked) throws IOException {
        final ByteArrayOutputStream images = new ByteArrayOutputStream();
        try (ImageDatasetWriter writer = new ImageDatasetWriter(images, DatasetManifest.of(DatasetKind.IMAGES, "bench", split, classes, null))) {
            for (final int index : picked) {
                final Path file = files.get(index);
                writer.add(labels.get(index), file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        final ByteArrayOutputStream tensors = new ByteArrayOutputStream();
        TensorConverter.builder().setResizer(Resizer.builder().setSize(Bench.SIZE, Bench.SIZE).build())
                .setNormalization(bench.data().preset()).build()
                .convert(new ByteArrayInputStream(images.toByteArray()), tensors, Cancellation.NONE, done -> { });
        return tensors.toByteArray();
    }

    /** A head trained for a few epochs on the train tensors' features, packaged with the base, as TrainHead emits it. */
    private ModelPackage headModel(final byte[] train, final byte[] validation, final Path work) throws Exception {
        final Path ptModel = bench.data().ptModel();
        try (BaseModel base = BaseModel.builder().setLocation(ptModel.toString()).load()) {
            final FeatureExtractor extractor = FeatureExtractor.builder().setBase(base).optBatchSize(batch).build();
            final Features trainSet = features(extractor, train);
            final Features validationSet = features(extractor, validation);
            final HeadSpec head = new HeadSpec(trainSet.dimension, List.of(), 0.2, "relu", classes.size(), true);
            final HeadTrainer.Result result = HeadTrainer.builder().setHead(head).optEpochs(3).optBatchSize(batch).build()
                    .train(trainSet.values, trainSet.labels, validationSet.values, validationSet.labels);
            final ModelPackage model = HeadModels.packageHead(trainSet.manifest, ptModel, base.parameters(), head, result, "cpu()");
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            model.write(bytes);
            return ModelPackage.read(new ByteArrayInputStream(bytes.toByteArray()), work);
        }
    }

    /** A feature dataset in memory: its manifest, and every vector and label in order. */
    record Features(DatasetManifest manifest, int dimension, float[] values, int[] labels) {

        /** Reads a whole feature dataset. */
        static Features read(final byte[] dataset) throws IOException {
            final List<FeatureShard> shards = new ArrayList<>();
            try (FeatureDatasetReader reader = FeatureDatasetReader.open(new ByteArrayInputStream(dataset))) {
                FeatureShard shard;
                while ((shard = reader.nextShard()) != null) {
                    shards.add(shard);
                }
                final int dimension = reader.getManifest().features().dimension();
                final FeatureShard all = FeatureShard.concat(shards, dimension);
                return new Features(reader.getManifest(), dimension, all.features(), all.labels());
            }
        }
    }

    private static Features features(final FeatureExtractor extractor, final byte[] tensors) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        extractor.extract(new ByteArrayInputStream(tensors), out, true, Cancellation.NONE, done -> { });
        return Features.read(out.toByteArray());
    }
}
