package org.nifitransfer.core.training;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.nifitransfer.core.dataset.DatasetFormatException;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.TensorDatasetReader;
import org.nifitransfer.core.dataset.TensorShard;

/**
 * A tensor dataset unpacked once into a flat local file of uint8 pixels, so that every epoch can visit the
 * images in a new random order (a true shuffle) by positional reads, with only one batch on the heap. The file
 * is deleted on {@link #close()}.
 */
public final class TensorCache implements Closeable {

    private final Path file;
    private final FileChannel channel;
    private final int imageBytes;
    private final int[] labels;

    private TensorCache(final Path file, final FileChannel channel, final int imageBytes, final int[] labels) {
        this.file = file;
        this.channel = channel;
        this.imageBytes = imageBytes;
        this.labels = labels;
    }

    /**
     * Unpacks a tensor dataset, checking it fits a model taking {@code expected} images of {@code classes}.
     *
     * @param classes the model's classes, in its order: a dataset of other classes (or in another order) would train
     *                with the wrong labels
     * @param what how messages name the dataset, e.g. "train dataset"
     * @throws org.nifitransfer.core.dataset.DatasetFormatException when the dataset's images or classes do not fit
     */
    public static TensorCache create(final InputStream in, final Path directory, final DatasetManifest.TensorSpec expected,
                                     final List<String> classes, final String what) throws IOException {
        final Path file = Files.createTempFile(directory, "tensors-", ".u8");
        int[] labels = new int[1024];
        int count = 0;
        try (TensorDatasetReader reader = TensorDatasetReader.open(in);
             OutputStream out = Files.newOutputStream(file)) {
            TensorBatchSource.checkCompatible(expected, reader.getManifest().tensor(), what);
            if (!reader.getManifest().classes().equals(classes)) {
                throw new DatasetFormatException("The " + what + "'s classes " + reader.getManifest().classes() + " differ from the model's "
                        + classes);
            }
            TensorShard shard;
            while ((shard = reader.nextShard()) != null) {
                out.write(shard.pixels(), 0, shard.count() * shard.imageBytes());
                if (count + shard.count() > labels.length) {
                    labels = Arrays.copyOf(labels, Math.max(labels.length * 2, count + shard.count()));
                }
                System.arraycopy(shard.labels(), 0, labels, count, shard.count());
                count += shard.count();
            }
        } catch (final IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new TensorCache(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE),
                expected.height() * expected.width() * 3, Arrays.copyOf(labels, count));
    }

    public int count() {
        return labels.length;
    }

    public int label(final int index) {
        return labels[index];
    }

    /** Reads image {@code index} into {@code target} at {@code offset}. */
    public void read(final int index, final byte[] target, final int offset) throws IOException {
        final ByteBuffer buffer = ByteBuffer.wrap(target, offset, imageBytes);
        long position = (long) index * imageBytes;
        while (buffer.hasRemaining()) {
            final int read = channel.read(buffer, position);
            if (read < 0) {
                throw new IOException("Tensor cache " + file + " is truncated");
            }
            position += read;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }
}
