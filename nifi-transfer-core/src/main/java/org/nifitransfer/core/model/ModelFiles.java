package org.nifitransfer.core.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Cheap checks that a file can be a model for an engine, made before DJL loads it and while a processor's properties are
 * validated: the structure of a TorchScript zip archive (its central directory, and a {@code code/} folder that only
 * TorchScript writes) or of an ONNX protobuf (its top-level fields, read to the end without the weights). A JPEG renamed
 * {@code .pt}, a half-downloaded file, an HTML error page or a {@code torch.save} checkpoint is named as such.
 *
 * <pre>{@code
 * Optional<String> problem = ModelFiles.problem(Path.of("base.pt"), BaseModel.PYTORCH);
 * // "base.pt is a JPEG image, not a TorchScript model: ..."
 * }</pre>
 */
public final class ModelFiles {

    private static final int ZIP_END_RECORD = 0x06054b50;
    private static final int ZIP_CENTRAL_ENTRY = 0x02014b50;
    private static final int ZIP_END_RECORD_SIZE = 22;
    private static final int MAX_ZIP_COMMENT = 0xffff;
    private static final int MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
    private static final int MAX_TOP_LEVEL_FIELDS = 100_000;
    private static final int ONNX_GRAPH_FIELD = 7;

    private ModelFiles() {
    }

    /**
     * Why {@code file} cannot be a model that {@code engine} loads, or empty when its structure looks right.
     *
     * @param file a regular, readable, non-empty file
     * @param engine {@link BaseModel#PYTORCH} or {@link BaseModel#ONNX_RUNTIME}
     */
    public static Optional<String> problem(final Path file, final String engine) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final String reason = BaseModel.ONNX_RUNTIME.equals(engine) ? onnxProblem(channel) : torchScriptProblem(channel);
            if (reason == null) {
                return Optional.empty();
            }
            final String kind = BaseModel.ONNX_RUNTIME.equals(engine) ? "an ONNX model" : "a TorchScript model";
            final String looksLike = looksLike(head(channel), engine);
            return Optional.of(file.getFileName() + (looksLike == null ? " is not " + kind + ": " + reason
                    : " is " + looksLike + ", not " + kind + " (" + reason + ")"));
        } catch (final IOException e) {
            return Optional.of("Cannot read " + file + ": " + e.getMessage());
        }
    }

    /** A TorchScript file is a zip archive (torch.jit.save) whose entries include a code/ folder. */
    private static String torchScriptProblem(final FileChannel channel) throws IOException {
        final long size = channel.size();
        final ByteBuffer head = head(channel);
        if (head.remaining() < 4 || head.order(ByteOrder.LITTLE_ENDIAN).getInt(0) != 0x04034b50) {
            return "a TorchScript file is a zip archive, and this one does not start like one";
        }
        // the end-of-central-directory record: in the last 22 bytes, or before a comment of up to 64 KB
        final int tailLength = (int) Math.min(size, ZIP_END_RECORD_SIZE + MAX_ZIP_COMMENT);
        final ByteBuffer tail = read(channel, size - tailLength, tailLength);
        int end = -1;
        for (int at = tailLength - ZIP_END_RECORD_SIZE; at >= 0; at--) {
            if (tail.getInt(at) == ZIP_END_RECORD) {
                end = at;
                break;
            }
        }
        if (end < 0) {
            return "the zip archive has no central directory: the file is truncated or damaged (an incomplete download or copy?)";
        }
        final long directorySize = Integer.toUnsignedLong(tail.getInt(end + 12));
        final long directoryOffset = Integer.toUnsignedLong(tail.getInt(end + 16));
        if (directorySize == 0xffffffffL || directoryOffset == 0xffffffffL) {
            return null; // a zip64 archive (over 4 GB): its directory is found through another record; let the engine read it
        }
        if (directoryOffset + directorySize > size - tailLength + end || directorySize > MAX_CENTRAL_DIRECTORY) {
            return "the zip archive's central directory points past the end of the file: the file is truncated or damaged";
        }
        final List<String> names = entryNames(read(channel, directoryOffset, (int) directorySize));
        if (names == null) {
            return "the zip archive's central directory is damaged";
        }
        if (names.stream().anyMatch(name -> name.startsWith("code/") || name.contains("/code/"))) {
            return null;
        }
        if (names.stream().anyMatch(name -> name.endsWith("data.pkl"))) {
            return "it is a PyTorch checkpoint or state dict written by torch.save, which holds weights but no code; export the "
                    + "module with torch.jit.script or torch.jit.trace and save it with torch.jit.save";
        }
        return "the zip archive holds no TorchScript code/ folder (entries: " + String.join(", ", names.stream().limit(5).toList())
                + (names.size() > 5 ? ", ..." : "") + ")";
    }

    private static List<String> entryNames(final ByteBuffer directory) {
        final List<String> names = new ArrayList<>();
        int at = 0;
        while (at + 46 <= directory.limit()) {
            if (directory.getInt(at) != ZIP_CENTRAL_ENTRY) {
                return null;
            }
            final int nameLength = Short.toUnsignedInt(directory.getShort(at + 28));
            final int extraLength = Short.toUnsignedInt(directory.getShort(at + 30));
            final int commentLength = Short.toUnsignedInt(directory.getShort(at + 32));
            if (at + 46 + nameLength > directory.limit()) {
                return null;
            }
            final byte[] name = new byte[nameLength];
            directory.get(at + 46, name);
            names.add(new String(name, StandardCharsets.UTF_8));
            at += 46 + nameLength + extraLength + commentLength;
        }
        return names;
    }

    /** An ONNX file is one protobuf ModelProto: its top-level fields must read to the end of the file, a graph among them. */
    private static String onnxProblem(final FileChannel channel) throws IOException {
        final long size = channel.size();
        long at = 0;
        boolean graph = false;
        for (int fields = 0; at < size; fields++) {
            if (fields > MAX_TOP_LEVEL_FIELDS) {
                return "it does not read as a protobuf model (too many top-level fields)";
            }
            final long[] tag = varint(channel, at);
            if (tag == null) {
                return "it ends inside a field header: the file is truncated or damaged";
            }
            at = tag[1];
            final long field = tag[0] >>> 3;
            final int wireType = (int) (tag[0] & 7);
            if (field == 0) {
                return "it does not read as a protobuf model (field number 0 at byte " + (at - 1) + ")";
            }
            switch (wireType) {
                case 0 -> {
                    final long[] value = varint(channel, at);
                    if (value == null) {
                        return "it ends inside a field: the file is truncated or damaged";
                    }
                    at = value[1];
                }
                case 1 -> at += 8;
                case 5 -> at += 4;
                case 2 -> {
                    final long[] length = varint(channel, at);
                    if (length == null || length[0] < 0) {
                        return "it ends inside a field header: the file is truncated or damaged";
                    }
                    at = length[1] + length[0];
                    graph |= field == ONNX_GRAPH_FIELD;
                }
                default -> {
                    return "it does not read as a protobuf model (wire type " + wireType + " at the start of a field)";
                }
            }
            if (at > size) {
                return "a field runs " + (at - size) + " bytes past the end of the file: the file is truncated (an incomplete download or copy?)";
            }
        }
        return graph ? null : "it holds no graph";
    }

    /** A varint at {@code position}: {value, position after it}, or null when the file ends first or it is too long. */
    private static long[] varint(final FileChannel channel, final long position) throws IOException {
        final ByteBuffer bytes = read(channel, position, (int) Math.min(10, Math.max(0, channel.size() - position)));
        long value = 0;
        for (int i = 0; i < bytes.limit(); i++) {
            final int b = bytes.get(i) & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                return new long[] {value, position + i + 1};
            }
        }
        return null;
    }

    /** What the first bytes say the file is, when it is something well known other than a model of this engine. */
    private static String looksLike(final ByteBuffer head, final String engine) {
        final byte[] bytes = new byte[head.limit()];
        head.get(0, bytes);
        final String start = new String(bytes, StandardCharsets.ISO_8859_1);
        final String lower = start.stripLeading().toLowerCase(Locale.ROOT);
        if (start.startsWith("\u00ff\u00d8\u00ff")) {
            return "a JPEG image";
        }
        if (start.startsWith("\u0089PNG")) {
            return "a PNG image";
        }
        if (start.startsWith("GIF8")) {
            return "a GIF image";
        }
        if (start.startsWith("%PDF")) {
            return "a PDF document";
        }
        if (lower.startsWith("<!doctype html") || lower.startsWith("<html")) {
            return "an HTML page (a failed download?)";
        }
        if (start.startsWith("\u001f\u008b")) {
            return "a gzip-compressed file (unpack it first)";
        }
        if (start.startsWith("\u0080\u0002") || start.startsWith("\u0080\u0004") || start.startsWith("\u0080\u0005")) {
            return "a Python pickle (a legacy torch.save checkpoint?)";
        }
        if (start.startsWith("PK\u0003\u0004") && BaseModel.ONNX_RUNTIME.equals(engine)) {
            return "a zip archive (a TorchScript model? name it .pt or choose the PyTorch engine)";
        }
        if (bytes.length > 0 && (bytes[0] & 0xff) == 0x08 && !BaseModel.ONNX_RUNTIME.equals(engine)) {
            return "probably an ONNX model (name it .onnx or choose the ONNX Runtime engine)";
        }
        if (bytes.length > 0 && start.chars().allMatch(c -> c == '\n' || c == '\r' || c == '\t' || c >= 0x20 && c < 0x7f)) {
            return "a text file";
        }
        return null;
    }

    private static ByteBuffer head(final FileChannel channel) throws IOException {
        return read(channel, 0, (int) Math.min(64, channel.size()));
    }

    private static ByteBuffer read(final FileChannel channel, final long position, final int length) throws IOException {
        final ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
    }
}
