package org.nifitransfer.bench;

import ai.djl.Device;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.nifitransfer.bench.FineTuneStage.Features;
import org.nifitransfer.core.augment.AugmentationRecipe;
import org.nifitransfer.core.augment.Augmenter;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.folder.FolderScan;
import org.nifitransfer.core.folder.ImageFolderScanner;
import org.nifitransfer.core.image.Resizer;
import org.nifitransfer.core.model.BaseModel;
import org.nifitransfer.core.model.EpochRecord;
import org.nifitransfer.core.model.FeatureExtractor;
import org.nifitransfer.core.model.HeadSpec;
import org.nifitransfer.core.model.ModelPackage;
import org.nifitransfer.core.model.ModelRunner;
import org.nifitransfer.core.model.ParameterInfo;
import org.nifitransfer.core.model.TestTimeAugmentation;
import org.nifitransfer.core.model.UnfreezeSelector;
import org.nifitransfer.core.model.UnfreezeStrategy;
import org.nifitransfer.core.pipeline.Cancellation;
import org.nifitransfer.core.pipeline.DatasetAugmentation;
import org.nifitransfer.core.pipeline.TensorConverter;
import org.nifitransfer.core.training.FineTuner;
import org.nifitransfer.core.training.HeadModels;
import org.nifitransfer.core.training.HeadTrainer;
import org.nifitransfer.core.training.LearningRateSchedule;
import org.nifitransfer.core.training.OptimizerChoice;

/**
 * The fine-tuning sweep of issue 17 (docs/fine-tuning.md): the real {@link HeadTrainer} and {@link FineTuner}, as
 * TrainHead and FineTune run them, on a folder of real photos split as the template splits it (LoadImageFolder's seed,
 * a fifth of the validation images held out as test). Only the validation split is ever predicted: the test split is
 * written nowhere and read by nothing here, so no setting is chosen on it.
 *
 * <p>For every setting and seed it trains a head (TrainHead's head: one dense layer on standardised features, dropout
 * 0.2, 10 epochs, the best kept; with HeadTrainer's optimizer, RMSprop at 1e-3, where TrainHead's default is Adam at
 * 1e-3; every row of the sweep has the same head), fine-tunes it, and appends one CSV
 * row: the head's and the fine-tuned model's validation accuracy and loss (the kept epoch, as Keep Best Epoch keeps it),
 * every epoch's validation accuracy, both with and without the horizontal-flip test-time augmentation, and the seconds.
 * Rows are appended as runs finish, so an interrupted sweep keeps what it measured, and a setting and seed already in
 * the file are not run again.
 *
 * <pre>
 * ./sweep.sh --base squeezenet|mobilenetv2 --settings FILE --seeds 1,2,3 [--out FILE] [--data DIR] [--models DIR]
 * </pre>
 * A settings file has one setting a line: a name, then {@code key=value} pairs over FineTune's and UnfreezeLayers'
 * defaults (blocks=2 optimizer=rmsprop lr=1e-5 schedule=constant epochs=10 augmentation=default batchnorm=false
 * headvariants=0); '#' starts a comment.
 */
public final class FineTuningSweep {

    private static final int SIZE = 224;
    private static final int BATCH = 32;

    /** One point of the sweep. */
    record Setting(String name, int blocks, OptimizerChoice optimizer, float learningRate, LearningRateSchedule schedule, int epochs,
                   String augmentation, boolean batchNorm, int headVariants) {

        static Setting parse(final String line) {
            final String[] words = line.trim().split("\\s+");
            final Map<String, String> values = new HashMap<>(Map.of("blocks", "2", "optimizer", "rmsprop", "lr", "1e-5", "schedule", "constant",
                    "epochs", "10", "augmentation", "default", "batchnorm", "false", "headvariants", "0"));
            for (int i = 1; i < words.length; i++) {
                final int equals = words[i].indexOf('=');
                if (equals < 0 || !values.containsKey(words[i].substring(0, equals))) {
                    throw new IllegalArgumentException("Setting '" + words[0] + "': '" + words[i] + "' is not one of key=value for "
                            + values.keySet());
                }
                values.put(words[i].substring(0, equals), words[i].substring(equals + 1));
            }
            recipe(values.get("augmentation"));
            return new Setting(words[0], Integer.parseInt(values.get("blocks")), OptimizerChoice.fromValue(values.get("optimizer")),
                    Float.parseFloat(values.get("lr")), LearningRateSchedule.fromValue(values.get("schedule")),
                    Integer.parseInt(values.get("epochs")), values.get("augmentation"), Boolean.parseBoolean(values.get("batchnorm")),
                    Integer.parseInt(values.get("headvariants")));
        }
    }

    /**
     * The augmentation strengths the sweep compares: Augment's defaults (Keras' tutorial recipe), a lighter one, a
     * flip only, and none. Null for none.
     */
    static AugmentationRecipe recipe(final String strength) {
        return switch (strength) {
            case "default" -> AugmentationRecipe.builder().optRotationRange(40).optWidthShiftRange(0.2).optHeightShiftRange(0.2)
                    .optZoomRange(0.2).optHorizontalFlip(true).build();
            case "light" -> AugmentationRecipe.builder().optRotationRange(15).optWidthShiftRange(0.1).optHeightShiftRange(0.1)
                    .optZoomRange(0.1).optHorizontalFlip(true).build();
            case "flip" -> AugmentationRecipe.builder().optHorizontalFlip(true).build();
            case "none" -> null;
            default -> throw new IllegalArgumentException("augmentation must be default, light, flip or none: " + strength);
        };
    }

    private final Path work;
    private final Path baseFile;
    private final Map<String, Features> features = new HashMap<>();
    private final Map<String, ModelPackage> heads = new HashMap<>();
    private final Map<String, double[]> headTta = new HashMap<>();
    /** The base's parameters, read once: every head model lists them. */
    private List<ParameterInfo> baseParameters;

    private FineTuningSweep(final Path work, final Path baseFile) {
        this.work = work;
        this.baseFile = baseFile;
    }

    public static void main(final String[] args) throws Exception {
        // the pom puts --threads and --repo first
        final int summary = List.of(args).indexOf("--summary");
        if (summary >= 0) {
            for (int i = summary + 1; i < args.length; i++) {
                System.out.println(summary(Files.readAllLines(Path.of(args[i]))));
            }
            return;
        }
        final Map<String, String> options = new LinkedHashMap<>(Map.of("--data", "../shared/data/datasets/flowers", "--models",
                "../shared/data/models", "--seeds", "1,2,3"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        final String baseName = options.get("--base");
        final NormalizationPreset preset;
        final String file;
        switch (baseName == null ? "" : baseName) {
            case "squeezenet" -> {
                preset = NormalizationPreset.CAFFE;
                file = "squeezenet1_1_features.pt";
            }
            case "mobilenetv2" -> {
                preset = NormalizationPreset.IMAGENET;
                file = "mobilenet_v2_features.pt";
            }
            default -> throw new IllegalArgumentException("--base squeezenet|mobilenetv2 is required");
        }
        final Path data = Path.of(options.get("--data")).toAbsolutePath().normalize();
        final Path base = Path.of(options.get("--models")).resolve(file).toAbsolutePath().normalize();
        if (!Files.isDirectory(data) || !Files.isRegularFile(base)) {
            throw new IllegalStateException("SWEEP DATA MISSING: " + data + " and " + base + " (../shared/data beside the checkout)");
        }
        final List<Setting> settings = Files.readAllLines(Path.of(options.get("--settings"))).stream().map(line -> line.replaceAll("#.*", ""))
                .filter(line -> !line.isBlank()).map(Setting::parse).toList();
        final List<Long> seeds = List.of(options.get("--seeds").split(",")).stream().map(String::trim).map(Long::valueOf).toList();
        final Path out = Path.of(options.getOrDefault("--out", "target/sweep/" + baseName + ".csv")).toAbsolutePath();
        final Path work = Path.of("target/sweep/work-" + baseName).toAbsolutePath();
        Files.createDirectories(work);
        final FineTuningSweep sweep = new FineTuningSweep(work, base);
        sweep.prepare(data, preset);
        final String header = "base,setting,seed,blocks,optimizer,lr,schedule,epochs,augmentation,batchnorm,headvariants,"
                + "head_val_acc,head_val_loss,head_val_acc_flip,tuned_val_acc,tuned_val_loss,tuned_val_acc_flip,kept_epoch,epoch_val_acc,seconds";
        if (!Files.exists(out)) {
            Files.createDirectories(out.getParent());
            Files.writeString(out, header + "\n");
        }
        final List<String> done = Files.readAllLines(out).stream().skip(1).map(line -> String.join(",", List.of(line.split(",")).subList(1, 3)))
                .toList();
        for (final Setting setting : settings) {
            for (final long seed : seeds) {
                if (done.contains(setting.name() + "," + seed)) {
                    continue;
                }
                final String row = baseName + "," + sweep.run(setting, seed);
                Files.writeString(out, row + "\n", StandardOpenOption.APPEND);
                System.out.println(row);
            }
        }
    }

    /**
     * The sweep table of docs/fine-tuning.md from a CSV: one row a setting, in the order first run, with the seeds' mean
     * and sample standard deviation of the fine-tuned validation accuracy, and of its gain over the same seed's head
     * (paired: the head and the fine-tuned model of a seed see the same validation images).
     */
    static String summary(final List<String> csv) {
        final List<String> columns = List.of(csv.getFirst().split(","));
        final Map<String, List<String[]>> bySetting = new LinkedHashMap<>();
        csv.stream().skip(1).map(line -> line.split(",")).forEach(row -> bySetting.computeIfAbsent(row[1], key -> new ArrayList<>()).add(row));
        final StringBuilder table = new StringBuilder("| setting | blocks | optimizer, rate, schedule | epochs | augmentation | BN stats | head on variants "
                + "| seeds | head | fine-tuned | gain | flip TTA on the head | flip TTA on the fine-tuned | s a run |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (final Map.Entry<String, List<String[]>> entry : bySetting.entrySet()) {
            final List<String[]> rows = entry.getValue();
            final String[] first = rows.getFirst();
            final double[] head = column(rows, columns.indexOf("head_val_acc"));
            final double[] headFlip = column(rows, columns.indexOf("head_val_acc_flip"));
            final double[] tuned = column(rows, columns.indexOf("tuned_val_acc"));
            final double[] tunedFlip = column(rows, columns.indexOf("tuned_val_acc_flip"));
            final double[] gain = new double[rows.size()];
            final double[] headTta = new double[rows.size()];
            final double[] tunedTta = new double[rows.size()];
            for (int i = 0; i < gain.length; i++) {
                gain[i] = tuned[i] - head[i];
                headTta[i] = headFlip[i] - head[i];
                tunedTta[i] = tunedFlip[i] - tuned[i];
            }
            final double rate = Double.parseDouble(first[5]);
            final int exponent = (int) Math.floor(Math.log10(rate) + 1e-9);
            table.append(String.format(Locale.ROOT, "| %s | %s | %s %.0fe%d, %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %.0f |%n",
                    entry.getKey(), first[3], first[4], rate / Math.pow(10, exponent), exponent, first[6], first[7], first[8],
                    "true".equals(first[9]) ? "update" : "frozen", "0".equals(first[10]) ? "no" : first[10], rows.size(), percent(head, false),
                    percent(tuned, false), percent(gain, true), percent(headTta, true), percent(tunedTta, true),
                    mean(column(rows, columns.indexOf("seconds")))));
        }
        return table.toString();
    }

    private static double[] column(final List<String[]> rows, final int index) {
        return rows.stream().mapToDouble(row -> Double.parseDouble(row[index])).toArray();
    }

    private static double mean(final double[] values) {
        double sum = 0;
        for (final double value : values) {
            sum += value;
        }
        return sum / values.length;
    }

    /** Mean in percent, ± the sample standard deviation when there are several values. */
    private static String percent(final double[] values, final boolean signed) {
        final double mean = mean(values);
        final String text = String.format(Locale.ROOT, signed ? "%+.1f" : "%.1f", 100 * mean);
        if (values.length < 2) {
            return text;
        }
        double squares = 0;
        for (final double value : values) {
            squares += (value - mean) * (value - mean);
        }
        return text + String.format(Locale.ROOT, " ± %.1f", 100 * Math.sqrt(squares / (values.length - 1)));
    }

    private Path split(final String name) {
        return work.resolve(name + ".tensors");
    }

    /** The train, validation (and test, never read) tensor datasets, made once and kept in the work folder. */
    private void prepare(final Path data, final NormalizationPreset preset) throws Exception {
        if (Files.exists(split("validation"))) {
            return;
        }
        final FolderScan scan = ImageFolderScanner.builder().setDirectory(data).optTestFromValidation(0.2).build().scan();
        for (final Map.Entry<String, List<FolderScan.ImageFile>> entry : scan.splits().entrySet()) {
            final ByteArrayOutputStream images = new ByteArrayOutputStream();
            try (ImageDatasetWriter writer = new ImageDatasetWriter(images, DatasetManifest.of(DatasetKind.IMAGES, "sweep", entry.getKey(),
                    scan.classes(), null))) {
                for (final FolderScan.ImageFile image : entry.getValue()) {
                    writer.add(image.label(), image.relativePath(), Files.readAllBytes(image.path()));
                }
            }
            final Path tensors = Files.createTempFile(work, "split-", ".tmp");
            try (OutputStream out = Files.newOutputStream(tensors)) {
                TensorConverter.builder().setResizer(Resizer.builder().setSize(SIZE, SIZE).build()).setNormalization(preset).build()
                        .convert(new ByteArrayInputStream(images.toByteArray()), out, Cancellation.NONE, count -> { });
            }
            Files.move(tensors, split(entry.getKey()));
            System.out.printf(Locale.ROOT, "%s: %d images%n", entry.getKey(), entry.getValue().size());
        }
    }

    /** Features of a tensor dataset, or of its materialised augmented variants with the originals. */
    private Features features(final String splitName, final int variants) throws Exception {
        final String key = splitName + "/" + variants;
        if (features.containsKey(key)) {
            return features.get(key);
        }
        Path tensors = split(splitName);
        if (variants > 0) {
            final Path augmented = work.resolve(splitName + "-" + variants + "-variants.tensors");
            if (!Files.exists(augmented)) {
                final Path partial = Files.createTempFile(work, "variants-", ".tmp");
                try (InputStream in = Files.newInputStream(tensors); OutputStream out = Files.newOutputStream(partial)) {
                    new DatasetAugmentation(recipe("default"), 42).materializeTensors(in, out, variants, true, Cancellation.NONE);
                }
                Files.move(partial, augmented);
            }
            tensors = augmented;
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BaseModel base = BaseModel.builder().setLocation(baseFile.toString()).load(); InputStream in = Files.newInputStream(tensors)) {
            FeatureExtractor.builder().setBase(base).optBatchSize(BATCH).build().extract(in, out, false, Cancellation.NONE, count -> { });
        }
        final Features result = Features.read(out.toByteArray());
        features.put(key, result);
        return result;
    }

    /** The sweep's head for this seed, on the features of the train images (and their variants): see the class comment. */
    private ModelPackage head(final long seed, final int variants) throws Exception {
        final String key = seed + "/" + variants;
        if (heads.containsKey(key)) {
            return heads.get(key);
        }
        final Features train = features("train", variants);
        final Features validation = features("validation", 0);
        final HeadSpec spec = new HeadSpec(train.dimension(), List.of(), 0.2, "relu", train.manifest().classes().size(), true);
        final HeadTrainer.Result result = HeadTrainer.builder().setHead(spec).optSeed(seed).optKeepBest(true).optBatchSize(BATCH).build()
                .train(train.values(), train.labels(), validation.values(), validation.labels());
        if (baseParameters == null) {
            try (BaseModel base = BaseModel.builder().setLocation(baseFile.toString()).load()) {
                baseParameters = base.parameters();
            }
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        HeadModels.packageHead(train.manifest(), baseFile, baseParameters, spec, result, "cpu()").write(bytes);
        final ModelPackage model = ModelPackage.read(new ByteArrayInputStream(bytes.toByteArray()), work);
        heads.put(key, model);
        return model;
    }

    /** Validation accuracy and loss without and with the flip (accuracy only). */
    private double[] validate(final ModelPackage model) throws Exception {
        final double[] result = new double[3];
        for (final TestTimeAugmentation tta : List.of(TestTimeAugmentation.NONE, TestTimeAugmentation.HORIZONTAL_FLIP)) {
            final long[] counts = new long[2];
            final double[] loss = new double[1];
            try (ModelRunner runner = ModelRunner.open(model, Device.cpu()).optTestTimeAugmentation(tta);
                 InputStream in = Files.newInputStream(split("validation"))) {
                runner.predictAll(in, BATCH, prediction -> {
                    counts[0]++;
                    if (prediction.predictedLabel() == prediction.trueLabel()) {
                        counts[1]++;
                    }
                    loss[0] -= Math.log(Math.max(1e-12, prediction.probabilities()[prediction.trueLabel()]));
                }, Cancellation.NONE, count -> { });
            }
            if (tta == TestTimeAugmentation.NONE) {
                result[0] = counts[1] / (double) counts[0];
                result[1] = loss[0] / counts[0];
            } else {
                result[2] = counts[1] / (double) counts[0];
            }
        }
        return result;
    }

    private String run(final Setting setting, final long seed) throws Exception {
        final long start = System.nanoTime();
        final ModelPackage head = head(seed, setting.headVariants());
        final double[] headScores = headTta.computeIfAbsent(seed + "/" + setting.headVariants(), key -> {
            try {
                return validate(head);
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        });
        final List<ParameterInfo> selected = UnfreezeSelector.builder().setStrategy(UnfreezeStrategy.TOP_BLOCKS).optTopBlocks(setting.blocks())
                .optTrainBatchNormStatistics(setting.batchNorm()).build().apply(head.manifest().baseParameters());
        final ModelPackage unfrozen = new ModelPackage(head.manifest().withBaseParameters(selected, setting.batchNorm(),
                "top " + setting.blocks() + " blocks"), head.baseFile(), head.headWeights());
        final AugmentationRecipe recipe = recipe(setting.augmentation());
        final FineTuner.Result result = FineTuner.builder().optOptimizer(setting.optimizer()).optLearningRate(setting.learningRate())
                .optSchedule(setting.schedule()).optEpochs(setting.epochs()).optBatchSize(BATCH).optSeed(seed).optKeepBest(true).build()
                .fineTune(unfrozen, () -> Files.newInputStream(split("train")), () -> Files.newInputStream(split("validation")),
                        recipe == null ? null : new Augmenter(recipe), work);
        final double[] tuned = validate(result.model());
        final String epochs = result.training().history().stream().filter(epoch -> EpochRecord.FINE_TUNE.equals(epoch.phase()))
                .map(epoch -> String.format(Locale.ROOT, "%.4f", epoch.validationAccuracy())).collect(Collectors.joining(" "));
        Files.deleteIfExists(result.model().baseFile());
        return String.format(Locale.ROOT, "%s,%d,%d,%s,%g,%s,%d,%s,%s,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%d,%s,%.0f", setting.name(), seed,
                setting.blocks(), setting.optimizer().getValue(), setting.learningRate(), setting.schedule().getValue(), setting.epochs(),
                setting.augmentation(), setting.batchNorm(), setting.headVariants(), headScores[0], headScores[1], headScores[2], tuned[0],
                tuned[1], tuned[2], result.training().keptEpoch(), epochs, (System.nanoTime() - start) / 1e9);
    }
}
