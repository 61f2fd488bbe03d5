package org.nifitransfer.bench;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.nifitransfer.core.dataset.NormalizationPreset;

/**
 * The images and bases every stage measures (see {@link #prepare}), and which they are in {@link #description()}.
 *
 * @param files       every image, class by class
 * @param labels      each file's class index
 * @param classes     the class names, sorted
 * @param ptModel     the TorchScript base
 * @param onnxModel   the same base in ONNX
 * @param preset      the base's normalisation
 * @param folder      the folder the images came from
 * @param description one line for the table's notes
 */
record BenchData(List<Path> files, List<Integer> labels, List<String> classes, Path ptModel, Path onnxModel, NormalizationPreset preset,
                 Path folder, String description) {

    /**
     * The images the options name: {@code --photos N} generated 500x375 photos (stage 6's, through {@code nifi}); else
     * {@code --data}, either the shared data folder (its flowers) or any folder of class folders (split folders such as
     * train/ and val/ above them are read too); else generated 320x240 JPEGs. The bases are SqueezeNet 1.1 from
     * {@code --models} (default the shared models) with the Caffe preset when they are there, else the fixture base.
     */
    static BenchData prepare(final Benchmark.Options options, final Path work, final NiFiStages nifi) throws IOException {
        final Path models = options.models();
        final boolean squeezeNet = Files.isRegularFile(models.resolve("squeezenet1_1_features.pt"))
                && Files.isRegularFile(models.resolve("squeezenet1_1_features.onnx"));
        final Path pt = squeezeNet ? models.resolve("squeezenet1_1_features.pt") : options.repo().resolve("fixtures/models/tiny_base.pt");
        final Path onnx = squeezeNet ? models.resolve("squeezenet1_1_features.onnx")
                : options.repo().resolve("fixtures/models/tiny_base_dynamic.onnx");
        final NormalizationPreset preset = squeezeNet ? NormalizationPreset.CAFFE : NormalizationPreset.ZERO_ONE;
        final String bases = squeezeNet ? "SqueezeNet 1.1 features, caffe preset" : "fixture tiny_base, zero-one preset (no SqueezeNet in "
                + models + ")";
        final List<Path> files = new ArrayList<>();
        final List<Integer> labels = new ArrayList<>();
        final Path folder;
        final String what;
        if (options.photos() != null) {
            final PythonPeer.Result generated = nifi.run("generate", List.of("--work", work.toString(), "--images",
                    Integer.toString(options.photos())));
            if (generated.note() != null) {
                throw new IOException("Cannot generate the photos: " + generated.note());
            }
            folder = Path.of(generated.text("folder"));
            what = "GENERATED 500x375 photos (stage 6's generator)";
        } else if (Files.isDirectory(options.data().resolve("datasets/flowers"))) {
            folder = options.data().resolve("datasets/flowers");
            what = "flowers (train + val)";
        } else if (Files.isDirectory(options.data()) && !subfolders(options.data()).isEmpty()) {
            folder = options.data();
            what = "your folder";
        } else {
            folder = work.resolve("generated");
            generate(folder, 5, 120);
            what = "GENERATED 320x240 JPEGs (no " + options.data() + ") - not comparable to the real-data figures";
        }
        final List<String> classes = loadFolder(folder, files, labels);
        if (classes.size() < 2 || files.isEmpty()) {
            throw new IOException(folder + " has " + classes.size() + " class folder(s) with " + files.size() + " image(s): the stages need "
                    + "a folder of at least two class folders of images (or split folders of them)");
        }
        return new BenchData(files, labels, classes, pt, onnx, preset, folder, String.format(Locale.ROOT, "%s: %s, %d images, %d classes; %s",
                folder, what, files.size(), classes.size(), bases));
    }

    /** The folder the whole-pipeline stage reads. */
    Path pipelineFolder() {
        return folder;
    }

    private static final java.util.Set<String> SPLIT_FOLDERS = java.util.Set.of("train", "training", "val", "valid", "validation", "test",
            "testing");
    private static final java.util.Set<String> IMAGE_EXTENSIONS = java.util.Set.of("jpg", "jpeg", "png", "bmp", "gif");

    /**
     * Adds the images of {@code root}'s class folders to {@code files} and {@code labels}, class by class (sorted by name);
     * when its folders are splits (train/, val/, test/), the class folders inside all of them. Returns the classes.
     */
    private static List<String> loadFolder(final Path root, final List<Path> files, final List<Integer> labels) throws IOException {
        final List<Path> top = subfolders(root);
        final boolean splits = !top.isEmpty() && top.stream().allMatch(dir -> SPLIT_FOLDERS.contains(dir.getFileName().toString()
                .toLowerCase(Locale.ROOT)));
        final List<Path> classFolders = new ArrayList<>();
        for (final Path dir : splits ? top : List.of(root)) {
            classFolders.addAll(subfolders(dir));
        }
        final List<String> classes = classFolders.stream().map(dir -> dir.getFileName().toString()).distinct().sorted().toList();
        for (final Path dir : classFolders.stream().sorted(java.util.Comparator.comparing(dir -> classes.indexOf(dir.getFileName().toString())))
                .toList()) {
            try (Stream<Path> list = Files.list(dir)) {
                for (final Path file : list.filter(Files::isRegularFile).filter(BenchData::isImage).sorted().toList()) {
                    files.add(file);
                    labels.add(classes.indexOf(dir.getFileName().toString()));
                }
            }
        }
        return classes;
    }

    private static List<Path> subfolders(final Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(Files::isDirectory).filter(path -> !path.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }

    private static boolean isImage(final Path file) {
        final String name = file.getFileName().toString();
        return IMAGE_EXTENSIONS.contains(name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT));
    }

    /** Writes {@code perClass} smooth random 320x240 JPEGs per class under {@code root/train/class_i}. */
    private static void generate(final Path root, final int classCount, final int perClass) throws IOException {
        final Random random = new Random(42);
        for (int c = 0; c < classCount; c++) {
            final Path dir = root.resolve("train").resolve("class_" + c);
            Files.createDirectories(dir);
            for (int i = 0; i < perClass; i++) {
                final Path file = dir.resolve(String.format(Locale.ROOT, "img_%04d.jpg", i));
                if (Files.exists(file)) {
                    continue;
                }
                final BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
                final Graphics2D g = image.createGraphics();
                g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), 320, 240, new Color(random.nextInt(0xFFFFFF))));
                g.fillRect(0, 0, 320, 240);
                for (int s = 0; s < 20; s++) {
                    g.setColor(new Color(random.nextInt(0xFFFFFF)));
                    g.fillOval(random.nextInt(320), random.nextInt(240), 10 + random.nextInt(80), 10 + random.nextInt(80));
                }
                g.dispose();
                ImageIO.write(image, "jpg", file.toFile());
            }
        }
    }
}
