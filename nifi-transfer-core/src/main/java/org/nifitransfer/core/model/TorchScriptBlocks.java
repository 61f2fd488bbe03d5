package org.nifitransfer.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The top-level children of a TorchScript base that is an {@code nn.Sequential} (torchvision's {@code features} bases,
 * stacks of layers), and a copy of the base whose forward returns chosen children's outputs: how the feature maps of
 * inner blocks are read.
 *
 * <p>DJL runs a TorchScript module's {@code forward} and nothing else, and a TorchScript archive carries the source of
 * its classes ({@code code/__torch__/...py}), compiled when the archive loads. The copy keeps every weight and every
 * child as it is and replaces only the top-level class's {@code forward}: the children called one after the other, as a
 * Sequential does, returning the outputs asked for as a tuple. Bases of any other shape (a custom top-level module, an
 * ONNX graph) are refused with the reason.
 */
public final class TorchScriptBlocks {

    private static final Pattern CHILD = Pattern.compile("__annotations__\\[\"(\\d+)\"\\]");
    private static final Pattern SELF = Pattern.compile("def forward\\(self: ([^,]+),");
    private static final String CONTAINER = "__torch__.torch.nn.modules.container";

    private final Path archive;
    private final String codeEntry;
    private final String code;
    private final int classStart;
    private final int classEnd;
    private final int children;

    private TorchScriptBlocks(final Path archive, final String codeEntry, final String code, final int classStart, final int classEnd,
                              final int children) {
        this.archive = archive;
        this.codeEntry = codeEntry;
        this.code = code;
        this.classStart = classStart;
        this.classEnd = classEnd;
        this.children = children;
    }

    /**
     * Opens a TorchScript archive.
     *
     * @throws BaseModelException when the file is not a TorchScript archive whose top level is a Sequential, with the reason
     */
    public static TorchScriptBlocks open(final Path archive) throws BaseModelException {
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            final String prefix = prefix(zip);
            final ZipEntry pickle = zip.getEntry(prefix + "data.pkl");
            if (pickle == null) {
                throw new BaseModelException(archive.getFileName() + " is not a TorchScript archive (no data.pkl)");
            }
            final String[] type = topLevelClass(zip, pickle);
            if (!type[0].equals(CONTAINER) && !type[0].startsWith(CONTAINER + ".") || !type[1].equals("Sequential")) {
                throw new BaseModelException("The top level of " + archive.getFileName() + " is " + type[0].replace("__torch__.", "") + "."
                        + type[1] + ", not a Sequential of blocks");
            }
            final String codeEntry = prefix + "code/" + type[0].replace('.', '/') + ".py";
            final ZipEntry source = zip.getEntry(codeEntry);
            if (source == null) {
                throw new BaseModelException(archive.getFileName() + " carries no source for its top-level class (" + codeEntry + ")");
            }
            final String code;
            try (InputStream in = zip.getInputStream(source)) {
                code = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            final int classStart = code.indexOf("class Sequential(Module):");
            if (classStart < 0) {
                throw new BaseModelException(archive.getFileName() + ": no Sequential class in " + codeEntry);
            }
            final int next = code.indexOf("\nclass ", classStart);
            final int classEnd = next < 0 ? code.length() : next + 1;
            final Matcher child = CHILD.matcher(code.substring(classStart, classEnd));
            int count = 0;
            while (child.find()) {
                if (Integer.parseInt(child.group(1)) != count) {
                    throw new BaseModelException(archive.getFileName() + ": the Sequential's children are not numbered 0, 1, 2, ...");
                }
                count++;
            }
            if (count == 0) {
                throw new BaseModelException(archive.getFileName() + ": the Sequential has no children");
            }
            return new TorchScriptBlocks(archive, codeEntry, code, classStart, classEnd, count);
        } catch (final IOException e) {
            throw new BaseModelException("Cannot read " + archive.getFileName() + " as a TorchScript archive: " + e.getMessage(), e);
        }
    }

    /** How many top-level children the base has (a block is one child or more: see {@link #blockEnds}). */
    public int children() {
        return children;
    }

    /**
     * For each block, the child whose output is the block's: a block starts at a child with parameters (the first path
     * segment of the parameter names, as UnfreezeLayers counts blocks) and runs to the child before the next one, so the
     * activation and pooling after a convolution belong to it.
     *
     * @param parameters the base's parameters
     * @return block name (its first child's index) to the index of its last child, in order
     */
    public LinkedHashMap<String, Integer> blockEnds(final List<ParameterInfo> parameters) {
        final TreeSet<Integer> starts = new TreeSet<>();
        for (final ParameterInfo parameter : parameters) {
            final String block = UnfreezeSelector.blockOf(parameter.name());
            if (block.chars().allMatch(Character::isDigit) && Integer.parseInt(block) < children) {
                starts.add(Integer.parseInt(block));
            }
        }
        final LinkedHashMap<String, Integer> ends = new LinkedHashMap<>();
        for (final int start : starts) {
            final Integer next = starts.higher(start);
            ends.put(String.valueOf(start), next == null ? children - 1 : next - 1);
        }
        return ends;
    }

    /**
     * Writes a copy of the base whose forward returns the outputs of {@code outputs} (child indices), in that order, as a
     * tuple.
     */
    public void writeTapping(final List<Integer> outputs, final Path target) throws IOException {
        if (outputs.isEmpty() || outputs.stream().anyMatch(index -> index < 0 || index >= children)) {
            throw new IllegalArgumentException("Children " + outputs + " of a Sequential of " + children);
        }
        final String body = code.substring(classStart, classEnd);
        final int forward = body.indexOf("  def forward(");
        final Matcher self = SELF.matcher(body);
        if (forward < 0 || !self.find(forward)) {
            throw new IOException(archive.getFileName() + ": the Sequential's forward cannot be found in " + codeEntry);
        }
        final int nextMethod = body.indexOf("\n  def ", forward + 1);
        final int forwardEnd = nextMethod < 0 ? body.length() : nextMethod + 1;
        final StringBuilder tapping = new StringBuilder();
        tapping.append("  def forward(self: ").append(self.group(1)).append(",\n    x: Tensor) -> Tuple[")
                .append(String.join(", ", Collections.nCopies(outputs.size(), "Tensor"))).append("]:\n");
        for (int i = 0; i < children; i++) {
            tapping.append("    _").append(i).append(" = getattr(self, \"").append(i).append("\")\n");
        }
        String previous = "x";
        for (int i = 0; i <= outputs.stream().mapToInt(Integer::intValue).max().orElseThrow(); i++) {
            tapping.append("    out").append(i).append(" = (_").append(i).append(").forward(").append(previous).append(", )\n");
            previous = "out" + i;
        }
        tapping.append("    return (").append(String.join(", ", outputs.stream().map(index -> "out" + index).toList()))
                .append(outputs.size() == 1 ? ",)\n" : ")\n");
        final String rewritten = code.substring(0, classStart) + body.substring(0, forward) + tapping + body.substring(forwardEnd)
                + code.substring(classEnd);
        try (ZipFile zip = new ZipFile(archive.toFile()); OutputStream file = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(file)) {
            final Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                final ZipEntry entry = entries.nextElement();
                if (entry.getName().equals(codeEntry + ".debug_pkl")) {
                    // source positions of the code replaced: TorchScript loads without them
                    continue;
                }
                final byte[] content;
                if (entry.getName().equals(codeEntry)) {
                    content = rewritten.getBytes(StandardCharsets.UTF_8);
                } else {
                    try (InputStream in = zip.getInputStream(entry)) {
                        content = in.readAllBytes();
                    }
                }
                // stored, as PyTorch writes its archives
                final ZipEntry copy = new ZipEntry(entry.getName());
                final CRC32 crc = new CRC32();
                crc.update(content);
                copy.setMethod(ZipEntry.STORED);
                copy.setSize(content.length);
                copy.setCompressedSize(content.length);
                copy.setCrc(crc.getValue());
                out.putNextEntry(copy);
                out.write(content);
                out.closeEntry();
            }
        }
    }

    /** The folder every entry of the archive sits in ({@code name/}), or "" for none. */
    private static String prefix(final ZipFile zip) throws BaseModelException {
        final Enumeration<? extends ZipEntry> entries = zip.entries();
        if (!entries.hasMoreElements()) {
            throw new BaseModelException(zip.getName() + " is an empty archive");
        }
        final String first = entries.nextElement().getName();
        final int slash = first.indexOf('/');
        return slash < 0 ? "" : first.substring(0, slash + 1);
    }

    /**
     * The module and class of the archive's top-level object: the first GLOBAL of data.pkl, which TorchScript writes
     * with pickle protocol 2 ({@code \x80\x02c<module>\n<class>\n}).
     */
    private static String[] topLevelClass(final ZipFile zip, final ZipEntry pickle) throws IOException, BaseModelException {
        final byte[] head;
        try (InputStream in = zip.getInputStream(pickle)) {
            head = in.readNBytes(512);
        }
        if (head.length < 4 || (head[0] & 0xFF) != 0x80 || head[2] != 'c') {
            throw new BaseModelException("The top-level object of " + zip.getName() + " is not pickled as TorchScript writes it");
        }
        final String text = new String(head, 3, head.length - 3, StandardCharsets.ISO_8859_1);
        final String[] lines = text.split("\n", 3);
        if (lines.length < 3) {
            throw new BaseModelException("The top-level object of " + zip.getName() + " names no class");
        }
        return new String[] {lines[0], lines[1]};
    }
}
