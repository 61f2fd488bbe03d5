package org.nifitransfer.core.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A split that LoadImageFolder emitted in several flowfiles ("Images Per Shard"), read as the one dataset it would
 * have been. The shards are read in order, one at a time, and re-emitted as a single tar stream: the first shard's
 * {@code dataset.json} without its {@code shard} section, the embedded base of the first shard (feature datasets carry it
 * only there), every shard's data entries (the tar's own numbered {@code shards/NNNNNN/} chunks renumbered to follow
 * on), and one {@code summary.json} with the counts and skipped files of all of them. Every reader of a dataset can
 * therefore read a sharded split unchanged, and the images come in the order of the whole split, whichever node or
 * thread prepared each shard.
 *
 * <p>Each shard must say which part it is ({@code shard.index} equal to its position, {@code shard.count} equal to the
 * number of shards given) and match the first in everything else its manifest says (run, split, classes, geometry,
 * normalisation, augmentation, features and base): a mismatch is a {@link DatasetFormatException} naming what differs.
 * At most one copy buffer (64 KB) and one entry's tar header are held at a time.
 */
public final class DatasetShards {

    /** Opens one shard's content; called once per read, in shard order, and closed before the next is opened. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    private static final String CHUNK_PREFIX = "shards/";
    private static final String BASE_PREFIX = "base/";

    private DatasetShards() {
    }

    /**
     * The shards' content as one dataset. A single source is returned as it is (a split in one flowfile reads exactly
     * as before); several are checked and joined as they are read.
     *
     * @param shards the shards of one split, in {@code fragment.index} order
     * @return a stream over one dataset; read errors surface as {@link DatasetFormatException} or {@link IOException}
     */
    public static InputStream concatenate(final List<Source> shards) throws IOException {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("A dataset needs at least one shard");
        }
        return shards.size() == 1 ? shards.getFirst().open() : new Concatenation(shards);
    }

    /** The stream: a small state machine that produces tar bytes only as they are read. */
    private static final class Concatenation extends InputStream {

        private final List<Source> shards;
        private final Pending pending = new Pending();
        private final TarArchiveOutputStream out = DatasetTar.newWriter(pending);
        private final byte[] copy = new byte[64 * 1024];
        private final byte[] one = new byte[1];
        private final Map<String, Long> classCounts = new LinkedHashMap<>();
        private final List<DatasetSummary.SkippedFile> skipped = new ArrayList<>();
        private JsonNode first;
        private long count;
        private int part = -1;
        private TarArchiveInputStream in;
        private boolean summarised;
        private String entryName;
        private long entryLeft;
        private int chunkOffset;
        private int chunksInPart;
        private boolean finished;

        Concatenation(final List<Source> shards) {
            this.shards = List.copyOf(shards);
        }

        @Override
        public int read() throws IOException {
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(final byte[] buffer, final int offset, final int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (pending.remaining() == 0) {
                if (finished) {
                    return -1;
                }
                step();
            }
            return pending.drain(buffer, offset, length);
        }

        @Override
        public int available() {
            return pending.remaining();
        }

        @Override
        public void close() throws IOException {
            finished = true;
            if (in != null) {
                in.close();
                in = null;
            }
        }

        /** Produces the next piece of output: a slice of an entry, an entry's header, or a shard's start or end. */
        private void step() throws IOException {
            if (entryLeft > 0) {
                final int read = in.read(copy, 0, (int) Math.min(copy.length, entryLeft));
                if (read < 0) {
                    throw new DatasetFormatException("entry " + entryName + " of shard " + part + " is truncated");
                }
                out.write(copy, 0, read);
                entryLeft -= read;
                if (entryLeft == 0) {
                    out.closeArchiveEntry();
                }
                return;
            }
            if (in == null) {
                openNext();
                return;
            }
            final TarArchiveEntry entry = in.getNextEntry();
            if (entry == null) {
                endPart();
                return;
            }
            final String name = entry.getName();
            if (DatasetTar.SUMMARY_ENTRY.equals(name)) {
                add(DatasetTar.readSummary(in, entry));
                return;
            }
            if (name.startsWith(BASE_PREFIX) && part > 0) {
                // the first shard carries the base; a copy in another is the same file (the manifests agree on its sha256)
                return;
            }
            entryName = name.startsWith(CHUNK_PREFIX) ? renumber(name) : name;
            out.putArchiveEntry(DatasetTar.newEntry(entryName, entry.getSize()));
            entryLeft = entry.getSize();
            if (entryLeft == 0) {
                out.closeArchiveEntry();
            }
        }

        private void openNext() throws IOException {
            part++;
            in = DatasetTar.newReader(shards.get(part).open());
            summarised = false;
            chunksInPart = 0;
            final DatasetManifest manifest = DatasetTar.readManifest(in, null);
            check(manifest);
            if (part == 0) {
                DatasetTar.putJson(out, DatasetTar.MANIFEST_ENTRY, manifest.withShard(null));
            }
        }

        private void endPart() throws IOException {
            in.close();
            in = null;
            if (!summarised) {
                throw new DatasetFormatException("shard " + part + " ends without summary.json (truncated)");
            }
            chunkOffset += chunksInPart;
            if (part + 1 < shards.size()) {
                return;
            }
            DatasetTar.putJson(out, DatasetTar.SUMMARY_ENTRY, new DatasetSummary(count, classCounts, skipped));
            out.close();
            finished = true;
        }

        /** {@code shards/000003/labels.npy} of this shard, numbered after the chunks of the shards before it. */
        private String renumber(final String name) {
            final int slash = name.indexOf('/', CHUNK_PREFIX.length());
            final int local;
            try {
                local = Integer.parseInt(name.substring(CHUNK_PREFIX.length(), slash < 0 ? name.length() : slash));
            } catch (final NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new DatasetFormatException("unexpected entry '" + name + "' in shard " + part);
            }
            chunksInPart = Math.max(chunksInPart, local + 1);
            return TensorDatasetWriter.shardPrefix(chunkOffset + local) + (slash < 0 ? "" : name.substring(slash + 1));
        }

        private void add(final DatasetSummary summary) {
            summarised = true;
            count += summary.count();
            summary.classCounts().forEach((className, classCount) -> classCounts.merge(className, classCount, Long::sum));
            skipped.addAll(summary.skipped());
        }

        private void check(final DatasetManifest manifest) {
            final DatasetManifest.Shard shard = manifest.shard();
            final String which = "shard " + part + " of " + shards.size() + " (" + manifest.split() + " split of run " + manifest.runId() + ")";
            if (shard == null) {
                throw new DatasetFormatException(which + " is a whole split, not a shard: its dataset.json has no 'shard' section");
            }
            if (shard.index() != part || shard.count() != shards.size()) {
                throw new DatasetFormatException(which + " says it is shard " + shard.index() + " of " + shard.count()
                        + ": the shards of a split must all be joined, in order");
            }
            final JsonNode comparable = comparable(manifest);
            if (part == 0) {
                first = comparable;
            } else if (!comparable.equals(first)) {
                throw new DatasetFormatException(which + " does not match shard 0 in " + String.join(", ", differences(first, comparable))
                        + ": every shard of a split must be prepared with the same settings");
            }
        }

        /** The manifest without what may differ between shards: the shard section and where the base is embedded. */
        private static JsonNode comparable(final DatasetManifest manifest) {
            final ObjectNode tree = DatasetTar.MAPPER.valueToTree(manifest.withShard(null));
            if (tree.path("features").path("base") instanceof ObjectNode base) {
                base.remove("entry");
            }
            return tree;
        }

        private static List<String> differences(final JsonNode expected, final JsonNode actual) {
            final List<String> fields = new ArrayList<>();
            final Iterator<String> names = expected.fieldNames();
            while (names.hasNext()) {
                final String name = names.next();
                if (!expected.get(name).equals(actual.get(name))) {
                    fields.add(name);
                }
            }
            actual.fieldNames().forEachRemaining(name -> {
                if (!expected.has(name)) {
                    fields.add(name);
                }
            });
            return fields;
        }
    }

    /** Bytes written by the tar writer and not yet read; emptied before more is produced, so it stays small. */
    private static final class Pending extends ByteArrayOutputStream {

        private int position;

        int remaining() {
            return count - position;
        }

        int drain(final byte[] buffer, final int offset, final int length) {
            final int n = Math.min(length, count - position);
            System.arraycopy(buf, position, buffer, offset, n);
            position += n;
            if (position == count) {
                position = 0;
                count = 0;
            }
            return n;
        }
    }
}
