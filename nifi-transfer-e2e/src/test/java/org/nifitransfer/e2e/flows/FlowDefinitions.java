package org.nifitransfer.e2e.flows;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flow.VersionedFunnel;
import org.apache.nifi.flow.VersionedPort;
import org.apache.nifi.flow.VersionedProcessor;
import org.apache.nifi.registry.flow.RegisteredFlowSnapshot;
import org.nifitransfer.processors.Augment;
import org.nifitransfer.processors.ClassifyImage;
import org.nifitransfer.processors.Evaluate;
import org.nifitransfer.processors.ExtractFeatures;
import org.nifitransfer.processors.FineTune;
import org.nifitransfer.processors.LoadImageFolder;
import org.nifitransfer.processors.ResizeAndNormalize;
import org.nifitransfer.processors.TrainHead;
import org.nifitransfer.processors.UnfreezeLayers;

/**
 * The flow definitions the project ships: {@code templates/cats-vs-dogs.json} and the flows in {@code sample-flows/}.
 * They are generated from NiFi's own flow model and our processors' property and relationship constants;
 * {@code FlowDefinitionsTest} fails when a committed file differs from what this class generates, and
 * {@code main} (or the test with {@code -Dflows.write=true}) rewrites them.
 */
public final class FlowDefinitions {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private static final double COLUMN = 480;
    private static final double ROW = 480;
    /** Lane labels sit left of their lane; a funnel sits centred on its lane, right of its last processor. */
    private static final double LANE_LABEL_X = -COLUMN;
    private static final double LANE_LABEL_WIDTH = 400;
    private static final double FUNNEL_OFFSET = 152;
    private static final double FUNNEL_Y = 40;

    private FlowDefinitions() {
    }

    /** Every flow by its path below the project root. */
    static Map<String, FlowBuilder> all() {
        try {
            return flows();
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, FlowBuilder> flows() throws ReflectiveOperationException {
        final Map<String, FlowBuilder> flows = new LinkedHashMap<>();
        flows.put("templates/cats-vs-dogs.json", catsVsDogs());
        flows.put("sample-flows/train-then-classify.json", trainThenClassify());
        flows.put("sample-flows/flowers-onnx-head-only.json", flowersOnnxHeadOnly());
        flows.put("sample-flows/fine-tune-on-the-fly.json", fineTuneOnTheFly());
        flows.put("sample-flows/materialized-augmentation.json", materializedAugmentation());
        return flows;
    }

    public static void main(final String[] args) throws IOException {
        final Path project = Path.of(args.length > 0 ? args[0] : ".");
        for (final Map.Entry<String, FlowBuilder> flow : all().entrySet()) {
            Files.writeString(project.resolve(flow.getKey()), json(flow.getValue().build()), StandardCharsets.UTF_8);
        }
    }

    static String json(final RegisteredFlowSnapshot snapshot) throws IOException {
        return MAPPER.writeValueAsString(snapshot) + "\n";
    }

    private static Map<PropertyDescriptor, String> properties(final Object... pairs) {
        final Map<PropertyDescriptor, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            properties.put((PropertyDescriptor) pairs[i], (String) pairs[i + 1]);
        }
        return properties;
    }

    /** LoadImageFolder at the start of a flow, reading #{data.directory}, with more properties as pairs. */
    private static VersionedProcessor load(final FlowBuilder flow, final Object... more) {
        final Map<PropertyDescriptor, String> values = properties(LoadImageFolder.INPUT_DIRECTORY, "#{data.directory}");
        values.putAll(properties(more));
        return flow.processor("LoadImageFolder", LoadImageFolder.class, 0, 0, values, "1 min");
    }

    /** ResizeAndNormalize next to LoadImageFolder, at #{image.size} with #{normalization.preset}. */
    private static VersionedProcessor resize(final FlowBuilder flow) {
        return flow.processor("ResizeAndNormalize", ResizeAndNormalize.class, COLUMN, 0,
                properties(ResizeAndNormalize.TARGET_WIDTH, "#{image.size}", ResizeAndNormalize.TARGET_HEIGHT, "#{image.size}",
                        ResizeAndNormalize.PRESET, "#{normalization.preset}"), "0 sec");
    }

    /** ExtractFeatures with #{base.model}, checking #{normalization.preset}, with more properties as pairs. */
    private static VersionedProcessor extract(final FlowBuilder flow, final double x, final double y, final Object... more) {
        final Map<PropertyDescriptor, String> values = properties(ExtractFeatures.BASE_MODEL, "#{base.model}",
                ExtractFeatures.EXPECTED_PRESET, "#{normalization.preset}");
        values.putAll(properties(more));
        return flow.processor("ExtractFeatures", ExtractFeatures.class, x, y, values, "0 sec");
    }

    /** Parameters the data half of every flow uses. */
    private static void dataParameters(final FlowBuilder flow, final String directory, final String preset, final String size,
                                       final boolean splitFolders) {
        flow.parameter("data.directory", directory, "The image folder: train/, validation/ (or val/) and test/, each with one folder "
                + "per class (or class folders only, split 80/10/10)")
                .parameter("normalization.preset", preset, "The preset the base was trained with: zero-one, minus-one-one, imagenet or caffe")
                .parameter("image.size", size, "Width and height the images are resized to (the base's input size)");
        if (splitFolders) {
            flow.parameter("test.from.validation", "0.2", "Without a test/ folder (cats_and_dogs_filtered has none): the share of "
                    + "validation images set aside as the test split, as the TensorFlow tutorial does; 0 for none");
        }
    }

    /**
     * The cats-vs-dogs template: load, resize, augment on the fly, extract features with a TorchScript base, train a head,
     * unfreeze the top blocks, fine-tune, and evaluate both the head model and the fine-tuned model on the test split.
     */
    static FlowBuilder catsVsDogs() throws ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("cats-vs-dogs", "Transfer learning as in the Keras/TensorFlow tutorials: a frozen "
                + "pretrained base, a new head, then fine-tuning of the top blocks. Change the parameters, start the group, and read "
                + "the results in provenance (Evaluate's results) or in the 'results' output port's queue.");
        transferLearning(flow);
        return flow;
    }

    /** What the template's components that other flows build on are. */
    private record Template(VersionedProcessor evaluateTuned, VersionedFunnel results) {
    }

    /** The template's components, parameters and labels, in {@code flow}. */
    private static Template transferLearning(final FlowBuilder flow) throws ReflectiveOperationException {
        dataParameters(flow, "/data/cats_and_dogs_filtered", "imagenet", "224", true);
        flow.parameter("base.model", "/models/base_features.pt", "The headless pretrained base: a TorchScript .pt file (needed for "
                        + "fine-tuning), or a DJL model-zoo URL when NiFi is online")
                .parameter("unfreeze.top.blocks", "7", "How many of the base's top blocks fine-tuning trains (a base with fewer has all of "
                        + "them trained, with a warning)")
                .parameter("head.learning.rate", "0.001", "The head's learning rate (Adam)")
                .parameter("head.epochs", "10", "Epochs of head training")
                .parameter("fine.tune.learning.rate", "0.0003", "The fine-tuning learning rate (RMSprop) at its peak, between the "
                        + "warm-up and the cosine decay")
                .parameter("fine.tune.epochs", "5", "Epochs of fine-tuning, numbered on from the head's")
                .parameter("device", "auto", "auto (a GPU when DJL sees one), cpu, gpu or gpu:N");

        flow.parameter("images.per.shard", "1000", "Each split travels as flowfiles of at most this many images, prepared shard by shard "
                + "(by several concurrent tasks, or by every node of a cluster); the training processors wait for all of a split's shards");
        final VersionedProcessor load = load(flow, LoadImageFolder.TEST_FROM_VALIDATION, "#{test.from.validation}",
                LoadImageFolder.IMAGES_PER_SHARD, "#{images.per.shard}");
        final VersionedProcessor resize = resize(flow);
        final VersionedProcessor augment = flow.processor("Augment", Augment.class, 2 * COLUMN, 0, properties(), "0 sec");
        final VersionedProcessor extract = extract(flow, 0, ROW, ExtractFeatures.DEVICE, "#{device}");
        final VersionedProcessor head = flow.processor("TrainHead", TrainHead.class, COLUMN, ROW,
                properties(TrainHead.LEARNING_RATE, "#{head.learning.rate}", TrainHead.EPOCHS, "#{head.epochs}", TrainHead.DEVICE, "#{device}"),
                "1 sec");
        final VersionedProcessor unfreeze = flow.processor("UnfreezeLayers", UnfreezeLayers.class, 2 * COLUMN, ROW,
                properties(UnfreezeLayers.TOP_BLOCKS, "#{unfreeze.top.blocks}"), "0 sec");
        final VersionedProcessor fineTune = flow.processor("FineTune", FineTune.class, 3 * COLUMN, ROW,
                properties(FineTune.LEARNING_RATE, "#{fine.tune.learning.rate}", FineTune.EPOCHS, "#{fine.tune.epochs}",
                        FineTune.DEVICE, "#{device}"), "1 sec");
        final VersionedProcessor evaluateHead = flow.processor("Evaluate Head Model", Evaluate.class, COLUMN, 2 * ROW,
                properties(Evaluate.DEVICE, "#{device}"), "1 sec");
        final VersionedProcessor evaluateTuned = flow.processor("Evaluate Fine-Tuned Model", Evaluate.class, 3 * COLUMN, 2 * ROW,
                properties(Evaluate.DEVICE, "#{device}"), "1 sec");
        final VersionedFunnel dataFailures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, FUNNEL_Y);
        final VersionedFunnel trainingFailures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, ROW + FUNNEL_Y);
        final VersionedFunnel evaluationFailures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, 2 * ROW + FUNNEL_Y);
        final VersionedFunnel results = flow.funnel("results", 2 * COLUMN + FUNNEL_OFFSET, 3 * ROW);
        final VersionedFunnel models = flow.funnel("models", 3 * COLUMN + FUNNEL_OFFSET, 3 * ROW);

        // on a cluster: the primary node loads, the shards spread over every node (round robin) and stay there to be
        // resized, augmented and extracted, and each run's datasets and models gather on one node (partition by run id) for
        // training and evaluation; a standalone NiFi keeps these settings and ignores them. A second round robin, into
        // ExtractFeatures, would move every tensor shard again and deal them out less evenly (stage 9 of the bench)
        flow.primaryNodeOnly(load)
                .connect(load, resize, LoadImageFolder.REL_SUCCESS).roundRobin()
                .connect(resize, augment, ResizeAndNormalize.REL_SUCCESS)
                .connect(augment, extract, Augment.REL_SUCCESS)
                .connect(augment, fineTune, Augment.REL_SUCCESS).partitionByRun()
                .connect(augment, evaluateHead, Augment.REL_SUCCESS).partitionByRun()
                .connect(augment, evaluateTuned, Augment.REL_SUCCESS).partitionByRun()
                .connect(extract, head, ExtractFeatures.REL_SUCCESS).partitionByRun()
                .connect(head, unfreeze, TrainHead.REL_SUCCESS)
                .connect(head, evaluateHead, TrainHead.REL_SUCCESS).partitionByRun()
                .connect(unfreeze, fineTune, UnfreezeLayers.REL_SUCCESS).partitionByRun()
                .connect(fineTune, evaluateTuned, FineTune.REL_SUCCESS).partitionByRun()
                .connect(evaluateHead, results, Evaluate.REL_RESULTS)
                .connect(evaluateTuned, results, Evaluate.REL_RESULTS)
                .connect(evaluateHead, models, Evaluate.REL_MODEL)
                .connect(evaluateTuned, models, Evaluate.REL_MODEL);
        flow.routeFailures(dataFailures, load, resize, augment)
                .routeFailures(trainingFailures, extract, head, unfreeze, fineTune)
                .routeFailures(evaluationFailures, evaluateHead, evaluateTuned);

        flow.label("Data. 1. LoadImageFolder: image datasets per split (in shards of #{images.per.shard} images), one run id. "
                        + "2. ResizeAndNormalize: decode, resize to #{image.size}, record the base's preset. 3. Augment: new random "
                        + "variants of the training images every epoch.",
                        LANE_LABEL_X, 0, LANE_LABEL_WIDTH, 128)
                .label("Training. 4. ExtractFeatures: the frozen base once over train and validation. 5. TrainHead: a new head; the model "
                        + "comes out. 6. UnfreezeLayers: the top blocks to train. 7. FineTune: those blocks and the head, low learning rate.",
                        LANE_LABEL_X, ROW, LANE_LABEL_WIDTH, 128)
                .label("Evaluation. 8. Both models on the test split: metrics, learning curve, confusion matrix, predictions.",
                        LANE_LABEL_X, 2 * ROW, LANE_LABEL_WIDTH, 128)
                .label("Results and models queue at the funnels below; anything that cannot go on queues at the funnel at the end of "
                        + "its lane, with transfer.error saying why. To send results on, replace a funnel by an output port.",
                        LANE_LABEL_X, 3 * ROW, LANE_LABEL_WIDTH, 128);
        return new Template(evaluateTuned, results);
    }

    /**
     * The template, then the fine-tuned model put to work: Evaluate passes it to ClassifyImage, which classifies the images
     * that come in at the input port (connect GetFile, ListenHTTP or ConsumeKafka to it outside the group).
     */
    static FlowBuilder trainThenClassify() throws ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("train-then-classify", "The cats-vs-dogs template, then its fine-tuned model classifies "
                + "new images: connect a source of images (GetFile, FetchFile, ListenHTTP, ConsumeKafka) to the input port 'images to "
                + "classify'. Images that come before the model wait for it.");
        final Template template = transferLearning(flow);
        flow.parameter("minimum.confidence", "0.5", "Images whose most probable class is less probable than this go to 'uncertain'");
        final VersionedPort incoming = flow.inputPort("images to classify", 0, 4 * ROW + FUNNEL_Y);
        final VersionedProcessor classify = flow.processor("ClassifyImage", ClassifyImage.class, 2 * COLUMN, 4 * ROW,
                properties(ClassifyImage.MINIMUM_CONFIDENCE, "#{minimum.confidence}", ClassifyImage.DEVICE, "#{device}"), "0 sec");
        final VersionedFunnel classified = flow.funnel("classified", 3 * COLUMN + FUNNEL_OFFSET, 4 * ROW + FUNNEL_Y);
        final VersionedFunnel uncertain = flow.funnel("uncertain", 3 * COLUMN + FUNNEL_OFFSET, 4 * ROW + FUNNEL_Y + 160);
        final VersionedFunnel failures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, 4 * ROW + FUNNEL_Y);
        flow.connect(incoming, classify)
                .connect(template.evaluateTuned(), classify, Evaluate.REL_MODEL)
                .connect(classify, classified, ClassifyImage.REL_SUCCESS)
                .connect(classify, uncertain, ClassifyImage.REL_UNCERTAIN)
                .connect(classify, template.results(), ClassifyImage.REL_PREDICTIONS);
        flow.routeFailures(failures, classify);
        flow.label("Classification. 9. ClassifyImage: the fine-tuned model, once evaluated, classifies each image that comes in at "
                + "'images to classify'. Sure answers queue at 'classified', unsure ones at 'uncertain' (for a person to label).",
                LANE_LABEL_X, 4 * ROW, LANE_LABEL_WIDTH, 128);
        return flow;
    }

    /** The fast path: an ONNX base, features and a head only, on a folder of class folders split 80/10/10. */
    static FlowBuilder flowersOnnxHeadOnly() throws ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("flowers-onnx-head-only", "Five flower classes from class folders (split 80/10/10), "
                + "features from the ONNX SqueezeNet (ONNX Runtime, the fastest on CPU), a head trained on them, and an evaluation on "
                + "the test split. No fine-tuning: ONNX bases are inference only.");
        dataParameters(flow, "/data/flowers/train", "caffe", "224", false);
        flow.parameter("base.model", "/models/squeezenet1_1_features.onnx", "The headless ONNX base");
        final VersionedProcessor load = load(flow, LoadImageFolder.LAYOUT, "class-folders");
        final VersionedProcessor resize = resize(flow);
        final VersionedProcessor extract = extract(flow, 2 * COLUMN, 0);
        final VersionedProcessor head = flow.processor("TrainHead", TrainHead.class, 2 * COLUMN, ROW, properties(), "1 sec");
        final VersionedProcessor evaluate = flow.processor("Evaluate", Evaluate.class, COLUMN, ROW, properties(), "1 sec");
        final VersionedFunnel dataFailures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, FUNNEL_Y);
        final VersionedFunnel modelFailures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, ROW + FUNNEL_Y);
        final VersionedFunnel results = flow.funnel("results", COLUMN + FUNNEL_OFFSET, 2 * ROW);
        flow.connect(load, resize, LoadImageFolder.REL_SUCCESS)
                .connect(resize, extract, ResizeAndNormalize.REL_SUCCESS)
                .connect(resize, evaluate, ResizeAndNormalize.REL_SUCCESS)
                .connect(extract, head, ExtractFeatures.REL_SUCCESS)
                .connect(head, evaluate, TrainHead.REL_SUCCESS)
                .connect(evaluate, results, Evaluate.REL_RESULTS, Evaluate.REL_MODEL);
        flow.routeFailures(dataFailures, load, resize, extract).routeFailures(modelFailures, head, evaluate);
        flow.label("Class folders only: LoadImageFolder splits each class 80/10/10 with a seed. The ONNX base runs on ONNX Runtime: "
                        + "features only, no fine-tuning.", LANE_LABEL_X, 0, LANE_LABEL_WIDTH, 128)
                .label("TrainHead trains the head; Evaluate joins the head model with the test split's tensors.", LANE_LABEL_X, ROW,
                        LANE_LABEL_WIDTH, 128);
        return flow;
    }

    /**
     * Not a committed flow: the data half alone (LoadImageFolder, ResizeAndNormalize, ExtractFeatures on every split)
     * into a {@code features} funnel, for the memory benchmark (issue 5, stage 6) and the scaling benchmark (issue 16,
     * stage 9), connected as the template is for a cluster (the primary node loads, round robin into ResizeAndNormalize and
     * ExtractFeatures). Parameters: data.directory (class folders), normalization.preset, image.size, base.model,
     * images.per.shard.
     */
    public static String extractionOnlyJson() throws IOException, ReflectiveOperationException {
        return extractionOnlyJson(1, false);
    }

    /**
     * {@link #extractionOnlyJson()} with ExtractFeatures running {@code extractTasks} concurrent tasks, and with a second
     * round-robin connection, into ExtractFeatures, when {@code balanceExtraction}.
     */
    public static String extractionOnlyJson(final int extractTasks, final boolean balanceExtraction) throws IOException,
            ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("extraction-only", "Class folders split 80/10/10, resized, normalised, and every "
                + "split through the frozen base: the memory and scaling benchmarks' flow.");
        dataParameters(flow, "/data/images", "caffe", "224", false);
        flow.parameter("base.model", "/models/squeezenet1_1_features.onnx", "The headless base (.onnx or .pt)")
                .parameter("images.per.shard", "1000", "Images per shard");
        final VersionedProcessor load = load(flow, LoadImageFolder.LAYOUT, "class-folders", LoadImageFolder.IMAGES_PER_SHARD,
                "#{images.per.shard}");
        final VersionedProcessor resize = resize(flow);
        final VersionedProcessor extract = extract(flow, 2 * COLUMN, 0, ExtractFeatures.SPLITS, "train, validation, test");
        extract.setConcurrentlySchedulableTaskCount(extractTasks);
        final VersionedFunnel features = flow.funnel("features", 2 * COLUMN + FUNNEL_OFFSET, ROW);
        final VersionedFunnel failures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, FUNNEL_Y);
        flow.primaryNodeOnly(load)
                .connect(load, resize, LoadImageFolder.REL_SUCCESS).roundRobin()
                .connect(resize, extract, ResizeAndNormalize.REL_SUCCESS);
        if (balanceExtraction) {
            flow.roundRobin();
        }
        flow.connect(extract, features, ExtractFeatures.REL_SUCCESS);
        flow.routeFailures(failures, load, resize, extract);
        return json(flow.build());
    }

    /**
     * Not a committed flow: a head trained at #{image.size}, evaluated on test tensors resized to #{test.image.size} that
     * reach Evaluate on a connection of their own, so the evaluation fails with the model and the test split on two
     * connections (the end-to-end test of Evaluate's failure path). Parameters: data.directory, normalization.preset,
     * image.size, test.image.size, base.model.
     */
    public static String failingEvaluationJson() throws IOException, ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("failing-evaluation", "The model and the test split reach Evaluate on two connections, "
                + "at different image sizes: the evaluation fails and both inputs must reach 'failures'.");
        dataParameters(flow, "/data/images", "zero-one", "64", false);
        flow.parameter("test.image.size", "32", "The size the test split is resized to: not the model's")
                .parameter("base.model", "/models/base.pt", "The headless base");
        final VersionedProcessor load = load(flow);
        final VersionedProcessor resize = resize(flow);
        final VersionedProcessor resizeTest = flow.processor("ResizeAndNormalize Test", ResizeAndNormalize.class, COLUMN, ROW,
                properties(ResizeAndNormalize.TARGET_WIDTH, "#{test.image.size}", ResizeAndNormalize.TARGET_HEIGHT, "#{test.image.size}",
                        ResizeAndNormalize.PRESET, "#{normalization.preset}"), "0 sec");
        final VersionedProcessor extract = extract(flow, 2 * COLUMN, 0);
        final VersionedProcessor head = flow.processor("TrainHead", TrainHead.class, 3 * COLUMN, 0, properties(), "1 sec");
        final VersionedProcessor evaluate = flow.processor("Evaluate", Evaluate.class, 3 * COLUMN, ROW, properties(), "1 sec");
        final VersionedFunnel results = flow.funnel("results", 3 * COLUMN + FUNNEL_OFFSET, 2 * ROW);
        final VersionedFunnel dataFailures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, FUNNEL_Y);
        final VersionedFunnel testFailures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, ROW + FUNNEL_Y);
        flow.connect(load, resize, LoadImageFolder.REL_SUCCESS)
                .connect(load, resizeTest, LoadImageFolder.REL_SUCCESS)
                .connect(resize, extract, ResizeAndNormalize.REL_SUCCESS)
                .connect(resizeTest, evaluate, ResizeAndNormalize.REL_SUCCESS)
                .connect(extract, head, ExtractFeatures.REL_SUCCESS)
                .connect(head, evaluate, TrainHead.REL_SUCCESS)
                .connect(evaluate, results, Evaluate.REL_RESULTS, Evaluate.REL_MODEL);
        flow.routeFailures(dataFailures, load, resize, extract, head).routeFailures(testFailures, resizeTest, evaluate);
        return json(flow.build());
    }

    /** Fine-tuning from a named layer with a cosine schedule, the images augmented on the fly, one evaluation. */
    static FlowBuilder fineTuneOnTheFly() throws ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("fine-tune-on-the-fly", "A TorchScript base, a head, then fine-tuning from a named layer "
                + "upward (the TensorFlow tutorial's fine_tune_at) with a cosine learning-rate schedule, while every epoch sees new random "
                + "variants of the training images. The fine-tuned model is evaluated on the test split.");
        dataParameters(flow, "/data/cats_and_dogs_filtered", "caffe", "224", true);
        flow.parameter("base.model", "/models/squeezenet1_1_features.pt", "The headless TorchScript base")
                .parameter("fine.tune.from.layer", "11", "The first layer to train: a block ('11'), a layer ('12.expand1x1') or a "
                        + "parameter name, as the model's summary.txt lists them")
                .parameter("fine.tune.epochs", "10", "Epochs of fine-tuning");
        flow.parameter("images.per.shard", "1000", "Each split travels as flowfiles of at most this many images, prepared shard by shard "
                + "(by several concurrent tasks, or by every node of a cluster); the training processors wait for all of a split's shards");
        final VersionedProcessor load = load(flow, LoadImageFolder.TEST_FROM_VALIDATION, "#{test.from.validation}",
                LoadImageFolder.IMAGES_PER_SHARD, "#{images.per.shard}");
        final VersionedProcessor resize = resize(flow);
        final VersionedProcessor augment = flow.processor("Augment On The Fly", Augment.class, 2 * COLUMN, 0,
                properties(Augment.ROTATION, "20", Augment.ZOOM, "0.1", Augment.FILL_MODE, "reflect"), "0 sec");
        final VersionedProcessor extract = extract(flow, 0, ROW);
        final VersionedProcessor head = flow.processor("TrainHead", TrainHead.class, COLUMN, ROW, properties(), "1 sec");
        final VersionedProcessor unfreeze = flow.processor("UnfreezeLayers From Layer", UnfreezeLayers.class, 2 * COLUMN, ROW,
                properties(UnfreezeLayers.STRATEGY, "FROM_LAYER", UnfreezeLayers.LAYER_NAME, "#{fine.tune.from.layer}"), "0 sec");
        final VersionedProcessor fineTune = flow.processor("FineTune", FineTune.class, 3 * COLUMN, ROW,
                properties(FineTune.SCHEDULE, "cosine", FineTune.EPOCHS, "#{fine.tune.epochs}"), "1 sec");
        final VersionedProcessor evaluate = flow.processor("Evaluate", Evaluate.class, 3 * COLUMN, 2 * ROW, properties(), "1 sec");
        final VersionedFunnel dataFailures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, FUNNEL_Y);
        final VersionedFunnel trainingFailures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, ROW + FUNNEL_Y);
        final VersionedFunnel evaluationFailures = flow.funnel("failures", 4 * COLUMN + FUNNEL_OFFSET, 2 * ROW + FUNNEL_Y);
        final VersionedFunnel results = flow.funnel("results", 3 * COLUMN + FUNNEL_OFFSET, 3 * ROW);
        flow.connect(load, resize, LoadImageFolder.REL_SUCCESS)
                .connect(resize, augment, ResizeAndNormalize.REL_SUCCESS)
                .connect(augment, extract, Augment.REL_SUCCESS)
                .connect(augment, fineTune, Augment.REL_SUCCESS)
                .connect(augment, evaluate, Augment.REL_SUCCESS)
                .connect(extract, head, ExtractFeatures.REL_SUCCESS)
                .connect(head, unfreeze, TrainHead.REL_SUCCESS)
                .connect(unfreeze, fineTune, UnfreezeLayers.REL_SUCCESS)
                .connect(fineTune, evaluate, FineTune.REL_SUCCESS)
                .connect(evaluate, results, Evaluate.REL_RESULTS, Evaluate.REL_MODEL);
        flow.routeFailures(dataFailures, load, resize, augment)
                .routeFailures(trainingFailures, extract, head, unfreeze, fineTune)
                .routeFailures(evaluationFailures, evaluate);
        flow.label("Augmentation is attached, not applied: FineTune draws new variants every epoch.", LANE_LABEL_X, 0, LANE_LABEL_WIDTH, 128)
                .label("Everything from #{fine.tune.from.layer} upward trains, with a cosine-decaying learning rate.", LANE_LABEL_X, ROW,
                        LANE_LABEL_WIDTH, 128);
        return flow;
    }

    /** Augmentation stored in the dataset (five variants per training image), then features and a head. */
    static FlowBuilder materializedAugmentation() throws ReflectiveOperationException {
        final FlowBuilder flow = new FlowBuilder("materialized-augmentation", "Five augmented copies of every training image are stored "
                + "(with the originals), so the frozen base sees them when it extracts features: the head then learns from six times as "
                + "many images. Download the augmented dataset from provenance to look at the variants.");
        dataParameters(flow, "/data/cats_and_dogs_filtered", "imagenet", "224", true);
        flow.parameter("base.model", "/models/base_features.onnx", "The headless base (.onnx or .pt)")
                .parameter("variants.per.image", "5", "Augmented copies stored per training image");
        flow.parameter("images.per.shard", "1000", "Each split travels as flowfiles of at most this many images, prepared shard by shard "
                + "(by several concurrent tasks, or by every node of a cluster); the training processors wait for all of a split's shards");
        final VersionedProcessor load = load(flow, LoadImageFolder.TEST_FROM_VALIDATION, "#{test.from.validation}",
                LoadImageFolder.IMAGES_PER_SHARD, "#{images.per.shard}");
        final VersionedProcessor resize = resize(flow);
        final VersionedProcessor augment = flow.processor("Augment Materialized", Augment.class, 2 * COLUMN, 0,
                properties(Augment.MODE, "materialize", Augment.VARIANTS, "#{variants.per.image}"), "0 sec");
        final VersionedProcessor extract = extract(flow, 0, ROW);
        final VersionedProcessor head = flow.processor("TrainHead", TrainHead.class, COLUMN, ROW, properties(), "1 sec");
        final VersionedProcessor evaluate = flow.processor("Evaluate", Evaluate.class, 2 * COLUMN, ROW, properties(), "1 sec");
        final VersionedFunnel dataFailures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, FUNNEL_Y);
        final VersionedFunnel modelFailures = flow.funnel("failures", 3 * COLUMN + FUNNEL_OFFSET, ROW + FUNNEL_Y);
        final VersionedFunnel results = flow.funnel("results", 2 * COLUMN + FUNNEL_OFFSET, 2 * ROW);
        flow.connect(load, resize, LoadImageFolder.REL_SUCCESS)
                .connect(resize, augment, ResizeAndNormalize.REL_SUCCESS)
                .connect(augment, extract, Augment.REL_SUCCESS)
                .connect(augment, evaluate, Augment.REL_SUCCESS)
                .connect(extract, head, ExtractFeatures.REL_SUCCESS)
                .connect(head, evaluate, TrainHead.REL_SUCCESS)
                .connect(evaluate, results, Evaluate.REL_RESULTS, Evaluate.REL_MODEL);
        flow.routeFailures(dataFailures, load, resize, augment).routeFailures(modelFailures, extract, head, evaluate);
        flow.label("Materialize: the train split grows to originals + #{variants.per.image} variants each; other splits pass.",
                LANE_LABEL_X, 0, LANE_LABEL_WIDTH, 128);
        return flow;
    }
}
