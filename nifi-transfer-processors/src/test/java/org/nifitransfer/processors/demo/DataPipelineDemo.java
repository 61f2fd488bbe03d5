package org.nifitransfer.processors.demo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.processors.Augment;
import org.nifitransfer.processors.LoadImageFolder;
import org.nifitransfer.processors.ResizeAndNormalize;
import org.nifitransfer.processors.TransferAttributes;

/**
 * The project's main job until the end-to-end issue replaces it with a real NiFi: runs LoadImageFolder,
 * ResizeAndNormalize and Augment (the real processors, in NiFi's test framework) over a folder of images,
 * prints what each produced, and writes the final datasets as .tar files a user can open with tar and numpy.
 *
 * <p>Arguments: {@code [--data DIR] [--out DIR] [--size N] [--preset NAME] [--materialize N]}. Without
 * {@code --data}, a small dataset of generated images is made first (a smoke run, not a benchmark).
 */
public final class DataPipelineDemo {

    private DataPipelineDemo() {
    }

    public static void main(final String[] args) throws IOException {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("java.awt.headless", "true");
        Path data = null;
        Path out = Path.of("target", "demo-output");
        String size = "224";
        String preset = "imagenet";
        String materialize = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--size" -> size = args[++i];
                case "--preset" -> preset = args[++i];
                case "--materialize" -> materialize = args[++i];
                default -> throw new IllegalArgumentException("Unknown argument " + args[i]
                        + "; expected --data DIR, --out DIR, --size N, --preset zero-one|minus-one-one|imagenet|caffe, --materialize N");
            }
        }
        if (data == null) {
            data = Path.of("target", "demo-data");
            final int made = SyntheticImages.writeFolder(data, 40, 10, 10);
            System.out.println("No --data given: generated " + made + " images (horizontal vs vertical stripes) in " + data.toAbsolutePath());
            System.out.println("This is a smoke run on synthetic images, not a benchmark.");
        }
        final long start = System.nanoTime();

        final TestRunner load = TestRunners.newTestRunner(LoadImageFolder.class);
        load.setProperty(LoadImageFolder.INPUT_DIRECTORY, data.toAbsolutePath().toString());
        load.run();
        if (!load.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE).isEmpty()) {
            System.err.println("LoadImageFolder failed: " + load.getFlowFilesForRelationship(LoadImageFolder.REL_FAILURE)
                    .getFirst().getAttribute(TransferAttributes.ERROR));
            System.exit(1);
        }
        final List<MockFlowFile> loaded = load.getFlowFilesForRelationship(LoadImageFolder.REL_SUCCESS);
        System.out.println();
        System.out.println("LoadImageFolder: run " + loaded.getFirst().getAttribute(TransferAttributes.RUN_ID) + " from " + data.toAbsolutePath());
        loaded.forEach(DataPipelineDemo::printDataset);

        final TestRunner resize = TestRunners.newTestRunner(ResizeAndNormalize.class);
        resize.setProperty(ResizeAndNormalize.TARGET_WIDTH, size);
        resize.setProperty(ResizeAndNormalize.TARGET_HEIGHT, size);
        resize.setProperty(ResizeAndNormalize.PRESET, preset);
        loaded.forEach(resize::enqueue);
        resize.run(loaded.size());
        reportFailures(resize, "ResizeAndNormalize");
        final List<MockFlowFile> tensors = resize.getFlowFilesForRelationship(ResizeAndNormalize.REL_SUCCESS);
        System.out.println("ResizeAndNormalize: " + size + "x" + size + ", preset " + preset);
        tensors.forEach(DataPipelineDemo::printDataset);

        final TestRunner augment = TestRunners.newTestRunner(Augment.class);
        if (materialize != null) {
            augment.setProperty(Augment.MODE, "materialize");
            augment.setProperty(Augment.VARIANTS, materialize);
        }
        tensors.forEach(augment::enqueue);
        augment.run(tensors.size());
        reportFailures(augment, "Augment");
        final List<MockFlowFile> augmented = augment.getFlowFilesForRelationship(Augment.REL_SUCCESS);
        System.out.println("Augment: " + (materialize == null ? "on the fly (train only)" : materialize + " variants per train image"));
        augmented.forEach(DataPipelineDemo::printDataset);

        Files.createDirectories(out);
        final List<String> written = new ArrayList<>();
        for (final MockFlowFile flowFile : augmented) {
            final Path file = out.resolve(flowFile.getAttribute("filename"));
            Files.write(file, flowFile.toByteArray());
            written.add(file.toAbsolutePath().toString());
        }
        System.out.printf(Locale.ROOT, "%nDone in %.1f s. Datasets written (tar: dataset.json, shards/*/images.npy, labels.npy, files.json, summary.json):%n",
                (System.nanoTime() - start) / 1e9);
        written.forEach(file -> System.out.println("  " + file));
        System.out.println("Open one in Python: tar xf FILE && python3 -c \"import numpy; print(numpy.load('shards/000000/images.npy').shape)\"");
    }

    private static void reportFailures(final TestRunner runner, final String name) {
        for (final MockFlowFile failure : runner.getFlowFilesForRelationship("failure")) {
            System.err.println(name + " failed for " + failure.getAttribute(TransferAttributes.SPLIT) + ": "
                    + failure.getAttribute(TransferAttributes.ERROR));
        }
    }

    private static void printDataset(final MockFlowFile flowFile) {
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-10s %-15s %6s images",
                flowFile.getAttribute(TransferAttributes.SPLIT), flowFile.getAttribute(TransferAttributes.KIND),
                flowFile.getAttribute(TransferAttributes.COUNT)));
        final List<String> classes = new ArrayList<>();
        flowFile.getAttributes().forEach((key, value) -> {
            if (key.startsWith(TransferAttributes.COUNT_PREFIX)) {
                classes.add(key.substring(TransferAttributes.COUNT_PREFIX.length()) + "=" + value);
            }
        });
        classes.sort(null);
        line.append("  ").append(classes);
        line.append(String.format(Locale.ROOT, "  %.1f MB", flowFile.getSize() / 1e6));
        if (!"0".equals(flowFile.getAttribute(TransferAttributes.SKIPPED_COUNT))) {
            line.append("  skipped ").append(flowFile.getAttribute(TransferAttributes.SKIPPED));
        }
        if ("tensor-dataset".equals(flowFile.getAttribute(TransferAttributes.KIND))) {
            try (TensorDatasetReader reader = TensorDatasetReader.open(new ByteArrayInputStream(flowFile.toByteArray()))) {
                final DatasetManifest.TensorSpec spec = reader.getManifest().tensor();
                int shards = 0;
                TensorShard shard;
                int first = -1;
                while ((shard = reader.nextShard()) != null) {
                    first = first < 0 ? shard.count() : first;
                    shards++;
                }
                line.append(String.format(Locale.ROOT, "%n             %d shard(s) of images.npy uint8 [n<=%d, %d, %d, 3], read as float32 NCHW with %s; augmentation %s",
                        shards, first, spec.height(), spec.width(), spec.normalization(), flowFile.getAttribute(TransferAttributes.AUGMENTATION)));
            } catch (final IOException e) {
                line.append("  (unreadable: ").append(e.getMessage()).append(')');
            }
        }
        System.out.println(line);
    }
}
