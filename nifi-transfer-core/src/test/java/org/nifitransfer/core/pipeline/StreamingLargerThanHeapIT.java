package org.nifitransfer.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifitransfer.core.dataset.DatasetKind;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.ImageDatasetWriter;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;
import org.nifitransfer.core.image.Resizer;

/**
 * Datasets stream: a tensor dataset more than twice the size of this JVM's heap (the failsafe run gives it
 * 256 MB) is written and read back file to file. Holding it, or even a large part of it, would fail with
 * OutOfMemoryError.
 */
class StreamingLargerThanHeapIT {

    private static final int IMAGES = 4000;

    @Test
    void aTensorDatasetLargerThanTheHeapPassesThrough(@TempDir final Path directory) throws IOException {
        final long heap = Runtime.getRuntime().maxMemory();
        final long tensorBytes = (long) IMAGES * 224 * 224 * 3;
        assertTrue(tensorBytes > 2 * heap, "the test needs a heap under " + tensorBytes / 2 + " bytes, has " + heap);

        final Path images = directory.resolve("images.tar");
        final byte[][] jpegs = {jpeg(Color.ORANGE, 0), jpeg(Color.CYAN, 1)};
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(images));
             ImageDatasetWriter writer = new ImageDatasetWriter(out, DatasetManifest.of(DatasetKind.IMAGES, "run", "train",
                     List.of("a", "b"), null))) {
            for (int i = 0; i < IMAGES; i++) {
                writer.add(i % 2, "img" + i + ".jpg", jpegs[i % 2]);
            }
        }

        final Path tensors = directory.resolve("tensors.tar");
        final TensorConverter converter = TensorConverter.builder()
                .setResizer(Resizer.builder().setSize(224, 224).build())
                .setNormalization(NormalizationPreset.IMAGENET)
                .build();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(images));
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(tensors))) {
            assertEquals(IMAGES, converter.convert(in, out, Cancellation.NONE, done -> { }).summary().count());
        }
        assertTrue(Files.size(tensors) > tensorBytes);

        long read = 0;
        long labelSum = 0;
        try (TensorDatasetReader reader = TensorDatasetReader.open(new BufferedInputStream(Files.newInputStream(tensors)))) {
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                read += shard.count();
                for (final int label : shard.labels()) {
                    labelSum += label;
                }
            }
            assertEquals(IMAGES, reader.getSummary().count());
        }
        assertEquals(IMAGES, read);
        assertEquals(IMAGES / 2, labelSum);
    }

    private static byte[] jpeg(final Color color, final int stripe) throws IOException {
        final BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        graphics.setColor(color);
        graphics.fillRect(0, 0, 96, 64);
        graphics.setColor(Color.BLACK);
        graphics.fillRect(stripe * 40, 0, 16, 64);
        graphics.dispose();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }
}
