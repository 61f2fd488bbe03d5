package org.nifitransfer.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.util.MockProcessContext;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.nifitransfer.core.folder.FolderScanException;
import org.nifitransfer.core.folder.ImageFolderScanner;
import org.nifitransfer.core.folder.ImageValidators;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.model.BaseLocations;
import org.nifitransfer.processors.ExtractFeatures;
import org.nifitransfer.processors.FineTune;
import org.nifitransfer.processors.ResizeAndNormalize;
import org.nifitransfer.processors.TrainHead;
import org.nifitransfer.processors.UnfreezeLayers;

/**
 * The main job's options, parsed and checked before anything starts: each value that becomes a template parameter is
 * validated by the processor property it feeds, with the processor's own validators (so the message is the one NiFi
 * would show on the canvas), and the image folder is scanned as LoadImageFolder would scan it.
 *
 * <p>Without {@code --data} the run uses the photos in {@code examples/flowers}; without {@code --base-model}, the
 * SqueezeNet base in {@code examples/models} with its Caffe preset at 224×224.
 */
final class RunOptions {

    static final String USAGE = "Usage: ./run.sh [--data DIR] [--base-model FILE|URL] [--preset zero-one|minus-one-one|imagenet|caffe] "
            + "[--size N] [--unfreeze N] [--head-epochs N] [--fine-tune-epochs N] [--fine-tune-lr R] [--port N] [--stall-minutes N] "
            + "[--download cats-and-dogs] [--fresh] | status | restart | stop";

    /** Options that take a value, and the template parameter each one sets (null: the main job's own). */
    private static final Map<String, String> VALUED = new LinkedHashMap<>();
    private static final Set<String> FLAGS = Set.of("fresh");

    static {
        VALUED.put("data", "data.directory");
        VALUED.put("base-model", "base.model");
        VALUED.put("preset", "normalization.preset");
        VALUED.put("size", "image.size");
        VALUED.put("unfreeze", "unfreeze.top.blocks");
        VALUED.put("head-epochs", "head.epochs");
        VALUED.put("fine-tune-epochs", "fine.tune.epochs");
        VALUED.put("fine-tune-lr", "fine.tune.learning.rate");
        VALUED.put("port", null);
        VALUED.put("stall-minutes", null);
        VALUED.put("download", null);
        VALUED.put("output", null);
        VALUED.put("project", null);
    }

    private final Map<String, String> values;
    private final Set<String> flags;

    private RunOptions(final Map<String, String> values, final Set<String> flags) {
        this.values = values;
        this.flags = flags;
    }

    /**
     * Parses {@code --name value} pairs and flags.
     *
     * @throws IllegalArgumentException naming the argument that is not an option, and the usage
     */
    static RunOptions parse(final List<String> arguments) {
        final Map<String, String> values = new LinkedHashMap<>();
        final Set<String> flags = new java.util.HashSet<>();
        for (int i = 0; i < arguments.size(); i++) {
            final String argument = arguments.get(i);
            final String name = argument.startsWith("--") ? argument.substring(2) : null;
            if (name != null && FLAGS.contains(name)) {
                flags.add(name);
            } else if (name != null && VALUED.containsKey(name)) {
                if (i + 1 >= arguments.size() || arguments.get(i + 1).startsWith("--")) {
                    throw new IllegalArgumentException("--" + name + " needs a value. " + USAGE);
                }
                values.put(name, arguments.get(++i));
            } else {
                throw new IllegalArgumentException("Unknown argument '" + argument + "'. " + USAGE);
            }
        }
        return new RunOptions(values, flags);
    }

    String get(final String name) {
        return values.get(name);
    }

    boolean has(final String name) {
        return values.containsKey(name) || flags.contains(name);
    }

    void set(final String name, final String value) {
        values.put(name, value);
    }

    /** The project root: {@code --project}, else the working directory's parent (the main job runs in nifi-transfer-e2e). */
    Path project() {
        return Path.of(values.getOrDefault("project", "..")).toAbsolutePath().normalize();
    }

    /** Where each run's results go, in a folder per run id: {@code --output}, else {@code target/run-output}. */
    Path output() {
        return values.containsKey("output") ? Path.of(values.get("output")).toAbsolutePath() : project().resolve("target/run-output");
    }

    /** Minutes without any progress after which the main job stops following a run and says what it waits for. */
    int stallMinutes() {
        return Integer.parseInt(values.getOrDefault("stall-minutes", "5"));
    }

    /** The template's parameters for this run: the example photos and base unless given, then every option set. */
    Map<String, String> parameters() {
        final Map<String, String> parameters = new LinkedHashMap<>();
        final Path project = project();
        parameters.put("data.directory", Path.of(values.getOrDefault("data", project.resolve("examples/flowers").toString())).toAbsolutePath()
                .toString());
        if (values.containsKey("base-model")) {
            final String base = values.get("base-model");
            parameters.put("base.model", BaseLocations.isUrl(base) ? base : Path.of(base).toAbsolutePath().toString());
        } else {
            parameters.put("base.model", project.resolve("examples/models/squeezenet1_1_features.pt").toString());
            parameters.put("normalization.preset", "caffe");
            parameters.put("image.size", "224");
        }
        VALUED.forEach((option, parameter) -> {
            if (parameter != null && values.containsKey(option) && !option.equals("data") && !option.equals("base-model")) {
                parameters.put(parameter, values.get(option));
            }
        });
        return parameters;
    }

    /** True when the run uses the photos and base the repository carries. */
    boolean isExample() {
        return !values.containsKey("data") && !values.containsKey("base-model") && !values.containsKey("download");
    }

    /**
     * Every problem with the options, each as {@code --option: <what NiFi would say>}; empty when the run can start.
     * Checks the values with the properties they feed, the base file without loading it, and the image folder as
     * LoadImageFolder scans it (headers only).
     */
    List<String> problems() {
        final List<String> problems = new ArrayList<>();
        final Map<String, String> parameters = parameters();
        check(problems, "base-model", ExtractFeatures.class, ExtractFeatures.BASE_MODEL, parameters.get("base.model"));
        if (!BaseLocations.isUrl(parameters.get("base.model")) && parameters.get("base.model").toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            problems.add("--base-model: the cats-vs-dogs template fine-tunes the base, which needs a TorchScript (.pt) file; "
                    + parameters.get("base.model") + " is ONNX (inference only)");
        }
        check(problems, "preset", ResizeAndNormalize.class, ResizeAndNormalize.PRESET, parameters.get("normalization.preset"));
        check(problems, "size", ResizeAndNormalize.class, ResizeAndNormalize.TARGET_WIDTH, parameters.get("image.size"));
        check(problems, "unfreeze", UnfreezeLayers.class, UnfreezeLayers.TOP_BLOCKS, parameters.get("unfreeze.top.blocks"));
        check(problems, "head-epochs", TrainHead.class, TrainHead.EPOCHS, parameters.get("head.epochs"));
        check(problems, "fine-tune-epochs", FineTune.class, FineTune.EPOCHS, parameters.get("fine.tune.epochs"));
        check(problems, "fine-tune-lr", FineTune.class, FineTune.LEARNING_RATE, parameters.get("fine.tune.learning.rate"));
        for (final String number : List.of("port", "stall-minutes")) {
            if (values.containsKey(number)) {
                try {
                    final int value = Integer.parseInt(values.get(number));
                    if (value < 1 || number.equals("port") && value > 65535) {
                        problems.add("--" + number + ": " + value + " is out of range");
                    }
                } catch (final NumberFormatException e) {
                    problems.add("--" + number + ": '" + values.get(number) + "' is not a whole number");
                }
            }
        }
        if (values.containsKey("download") && !values.get("download").equals("cats-and-dogs")) {
            problems.add("--download: only cats-and-dogs is known");
        }
        if (!values.containsKey("download")) {
            scanData(problems, Path.of(parameters.get("data.directory")));
        }
        return problems;
    }

    /** The folder as LoadImageFolder scans it with its defaults (headers only, for speed): the message it would fail with. */
    private static void scanData(final List<String> problems, final Path directory) {
        final ImageDecoder decoder = ImageDecoder.builder().optMaxPixels(64_000_000L).build();
        try {
            ImageFolderScanner.builder().setDirectory(directory).optValidator(ImageValidators.headerOnly(decoder)).build().scan();
        } catch (final FolderScanException e) {
            problems.add("--data: " + e.getMessage() + " (LoadImageFolder would route this to failure)");
        }
    }

    /** Validates one value with the property it feeds, on a processor configured with nothing else. */
    private static void check(final List<String> problems, final String option, final Class<? extends Processor> type,
                              final PropertyDescriptor property, final String value) {
        if (value == null) {
            return;
        }
        final TestRunner runner = TestRunners.newTestRunner(type);
        runner.setProperty(property, value);
        for (final ValidationResult result : ((MockProcessContext) runner.getProcessContext()).validate()) {
            if (!result.isValid() && property.getName().equals(result.getSubject())) {
                problems.add("--" + option + ": " + result);
            }
        }
    }
}
