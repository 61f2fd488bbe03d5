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
 * The images and bases every stage measures: the flowers (train + val) with SqueezeNet 1.1 when {@code ../shared/data}
 * has them, else generated JPEGs with the fixture base, and says which in {@link #description()}.
 *
 * @param files       every image, class by class
 * @param labels      each file's class index
 * @param classes     the class names, sorted
 * @param ptModel     the TorchScript base
 * @param onnxModel   the same base in ONNX
 * @param preset      the base's normalisation
 * @param flowers     the flowers folder (train/, val/) when the real data is there, else null
 * @param description one line for the table's notes
 */
record BenchData(List<Path> files, List<Integer> labels, List<String> classes, Path ptModel, Path onnxModel, NormalizationPreset preset,
                 Path flowers, String description) {

    /** The flowers under {@code shared} when they and the SqueezeNet files are there, else generated data under {@code work}. */
    static BenchData prepare(final Path shared, final Path repo, final Path work) throws IOException {
        final Path flowers = shared.resolve("datasets/flowers");
        final Path models = shared.resolve("models");
        final List<Path> files = new ArrayList<>();
        final List<Integer> labels = new ArrayList<>();
        if (Files.isDirectory(flowers) && Files.isRegularFile(models.resolve("squeezenet1_1_features.pt"))
                && Files.isRegularFile(models.resolve("squeezenet1_1_features.onnx"))) {
            final List<String> classes = loadFolder(flowers, List.of("train", "val"), files, labels);
            return new BenchData(files, labels, classes, models.resolve("squeezenet1_1_features.pt"),
                    models.resolve("squeezenet1_1_features.onnx"), NormalizationPreset.CAFFE, flowers,
                    String.format(Locale.ROOT, "%s: %d images (train + val), %d classes; SqueezeNet 1.1 features, caffe preset",
                            flowers, files.size(), classes.size()));
        }
        final Path generated = work.resolve("generated");
        generate(generated, 5, 120);
        final List<String> classes = loadFolder(generated, List.of("train"), files, labels);
        return new BenchData(files, labels, classes, repo.resolve("fixtures/models/tiny_base.pt"),
                repo.resolve("fixtures/models/tiny_base_dynamic.onnx"), NormalizationPreset.ZERO_ONE, null,
                String.format(Locale.ROOT, "GENERATED (no %s): %d 320x240 JPEGs, %d classes; fixture tiny_base, "
                        + "zero-one preset - not comparable to the real-data figures", shared, files.size(), classes.size()));
    }

    /** The folder the whole-pipeline stage reads: the flowers, or the generated train split. */
    Path pipelineFolder(final Path work) {
        return flowers != null ? flowers : work.resolve("generated/train");
    }

    /** Adds the files of {@code splits} (class folders named as in the first split) to {@code files} and {@code labels}. */
    private static List<String> loadFolder(final Path root, final List<String> splits, final List<Path> files, final List<Integer> labels)
            throws IOException {
        final List<String> classes;
        try (Stream<Path> dirs = Files.list(root.resolve(splits.getFirst()))) {
            classes = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (final String split : splits) {
            for (int c = 0; c < classes.size(); c++) {
                final Path dir = root.resolve(split).resolve(classes.get(c));
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> list = Files.list(dir)) {
                    for (final Path file : list.filter(Files::isRegularFile).sorted().toList()) {
                        files.add(file);
                        labels.add(c);
                    }
                }
            }
        }
        return classes;
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
