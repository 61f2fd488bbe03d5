package org.nifitransfer.core.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import org.nifitransfer.core.dataset.DatasetManifest;
import org.nifitransfer.core.dataset.DatasetSummary;
import org.nifitransfer.core.dataset.ImageDatasetReader;
import org.nifitransfer.core.dataset.NormalizationPreset;
import org.nifitransfer.core.dataset.TensorDatasetWriter;
import org.nifitransfer.core.image.ImageDecodeException;
import org.nifitransfer.core.image.ImageDecoder;
import org.nifitransfer.core.image.RgbImage;
import org.nifitransfer.core.image.Resizer;

/**
 * Turns an image dataset into a tensor dataset: decodes every image, brings it to the target size and
 * stores it as uint8 with the normalisation preset. Images are decoded on several threads, in a bounded
 * window (at most {@code 2 x threads} images in flight), and written in their original order. Undecodable
 * images are skipped and listed with the input's own skipped files.
 *
 * <pre>{@code
 * TensorConverter converter = TensorConverter.builder()
 *         .setResizer(Resizer.builder().setSize(224, 224).build())
 *         .setNormalization(NormalizationPreset.CAFFE)
 *         .build();
 * TensorConverter.Result result = converter.convert(imageDatasetIn, tensorDatasetOut, Cancellation.NONE, done -> { });
 * }</pre>
 */
public final class TensorConverter {

    private final ImageDecoder decoder;
    private final Resizer resizer;
    private final NormalizationPreset normalization;
    private final int threads;
    private final int shardSize;

    private TensorConverter(final Builder builder) {
        this.decoder = builder.decoder;
        this.resizer = builder.resizer;
        this.normalization = builder.normalization;
        this.threads = builder.threads;
        this.shardSize = builder.shardSize;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The result of a conversion. */
    public record Result(DatasetManifest manifest, DatasetSummary summary) {
    }

    /**
     * Converts one dataset.
     *
     * @param in an image dataset
     * @param out receives the tensor dataset
     * @param cancellation asked between images
     * @param progress receives the number of images done (stored or skipped) after each one
     * @return the manifest and summary written
     * @throws org.nifitransfer.core.dataset.DatasetFormatException when {@code in} is not an image dataset
     * @throws java.util.concurrent.CancellationException when cancelled
     */
    public Result convert(final InputStream in, final OutputStream out, final Cancellation cancellation, final LongConsumer progress)
            throws IOException {
        final ExecutorService executor = Executors.newFixedThreadPool(threads, runnable -> {
            final Thread thread = new Thread(runnable, "tensor-converter");
            thread.setDaemon(true);
            return thread;
        });
        try (ImageDatasetReader reader = ImageDatasetReader.open(in)) {
            final DatasetManifest manifest = reader.getManifest().withTensor(DatasetManifest.TensorSpec.of(
                    resizer.getHeight(), resizer.getWidth(), resizer.getMode().getValue(), resizer.getInterpolation().getValue(),
                    normalization));
            final TensorDatasetWriter writer = new TensorDatasetWriter(out, manifest, shardSize);
            final Deque<Pending> window = new ArrayDeque<>();
            ImageDatasetReader.ImageEntry entry;
            long done = 0;
            while ((entry = reader.next()) != null) {
                cancellation.check();
                final ImageDatasetReader.ImageEntry image = entry;
                window.addLast(new Pending(image, executor.submit(() -> resizer.resize(decoder.decode(image.content(), image.relativePath())))));
                if (window.size() >= 2 * threads) {
                    drain(window.removeFirst(), writer);
                    progress.accept(++done);
                }
            }
            while (!window.isEmpty()) {
                cancellation.check();
                drain(window.removeFirst(), writer);
                progress.accept(++done);
            }
            writer.skipAll(reader.getSkipped());
            writer.close();
            return new Result(manifest, writer.getSummary());
        } finally {
            executor.shutdownNow();
        }
    }

    private static void drain(final Pending pending, final TensorDatasetWriter writer) throws IOException {
        final RgbImage image;
        try {
            image = pending.result().get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while decoding " + pending.entry().displayName(), e);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof ImageDecodeException decodeError) {
                writer.skip(pending.entry().displayName(), decodeError.getReason());
                return;
            }
            throw new IOException("Decoding " + pending.entry().displayName() + " failed: " + e.getCause(), e.getCause());
        }
        writer.add(image, pending.entry().label(), pending.entry().displayName());
    }

    private record Pending(ImageDatasetReader.ImageEntry entry, Future<RgbImage> result) {
    }

    /** Builds a {@link TensorConverter}; the resizer and normalisation are required. */
    public static final class Builder {
        private ImageDecoder decoder = ImageDecoder.builder().build();
        private Resizer resizer;
        private NormalizationPreset normalization;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int shardSize = TensorDatasetWriter.DEFAULT_SHARD_SIZE;

        private Builder() {
        }

        /** The target size, fit mode and filter (required). */
        public Builder setResizer(final Resizer value) {
            this.resizer = value;
            return this;
        }

        /** The normalisation stored with the tensors (required). */
        public Builder setNormalization(final NormalizationPreset value) {
            this.normalization = value;
            return this;
        }

        /** The decoder; default: 64-megapixel limit, EXIF orientation applied. */
        public Builder optDecoder(final ImageDecoder value) {
            this.decoder = value;
            return this;
        }

        /** Decoding threads; default: the number of processors. */
        public Builder optThreads(final int value) {
            this.threads = value;
            return this;
        }

        /** Images per stored shard; default {@value TensorDatasetWriter#DEFAULT_SHARD_SIZE}. */
        public Builder optShardSize(final int value) {
            this.shardSize = value;
            return this;
        }

        public TensorConverter build() {
            Objects.requireNonNull(resizer, "A resizer is required");
            Objects.requireNonNull(normalization, "A normalisation preset is required");
            if (threads < 1 || shardSize < 1) {
                throw new IllegalArgumentException("Threads and shard size must be at least 1");
            }
            return new TensorConverter(this);
        }
    }
}
