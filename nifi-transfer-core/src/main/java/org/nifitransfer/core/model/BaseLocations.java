package org.nifitransfer.core.model;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where a base model comes from: a local file (or a folder holding one), or a URL DJL resolves; which engine a file
 * implies; whether DJL may go online; and a check of a local file without loading it.
 */
public final class BaseLocations {

    private static final Set<String> URL_SCHEMES = Set.of("djl", "http", "https", "s3", "hdfs", "jar");

    private BaseLocations() {
    }

    /** The engine a file name implies: {@code .onnx} is ONNX Runtime, anything else (.pt, .pth, .torchscript) PyTorch. */
    public static String engineForFile(final String fileName) {
        return fileName.toLowerCase(Locale.ROOT).endsWith(".onnx") ? BaseModel.ONNX_RUNTIME : BaseModel.PYTORCH;
    }

    /** True when {@code location} is a URL DJL resolves (djl://, http(s)://, s3://, ...), not a local file. */
    public static boolean isUrl(final String location) {
        final int colon = location.indexOf("://");
        return colon > 0 && URL_SCHEMES.contains(location.substring(0, colon).toLowerCase(Locale.ROOT));
    }

    /** True when DJL must not download: {@code ai.djl.offline=true} or {@code DJL_OFFLINE=true}. */
    static boolean offline() {
        return Boolean.getBoolean("ai.djl.offline") || "true".equalsIgnoreCase(System.getenv("DJL_OFFLINE"));
    }

    /**
     * Checks, without loading it, that a local base model can be loaded: it exists, is readable and not empty, and its
     * structure is that of a model for its engine ({@link ModelFiles}). URLs are not checked (DJL resolves them).
     *
     * @param location a file, a folder holding one {@code .pt} or {@code .onnx} file, or a DJL model URL
     * @param engine {@value BaseModel#PYTORCH} or {@value BaseModel#ONNX_RUNTIME}; null: from the file extension
     * @throws BaseModelException naming the file and what is wrong with it
     */
    public static void check(final String location, final String engine) throws BaseModelException {
        if (location == null || location.isBlank()) {
            throw new BaseModelException("No base model given");
        }
        if (isUrl(location)) {
            return;
        }
        checkFile(modelFile(location), engine);
    }

    /** The model file a local location names: the file itself, or the first .pt, .onnx or .torchscript file in a folder. */
    static Path modelFile(final String location) throws BaseModelException {
        return modelFile(location.startsWith("file://") ? Path.of(URI.create(location)) : Path.of(location));
    }

    /** Throws the reason when {@code file} cannot be a model of {@code engine} (null: from its extension). */
    static void checkFile(final Path file, final String engine) throws BaseModelException {
        final Optional<String> problem = ModelFiles.problem(file, engine != null ? engine : engineForFile(file.getFileName().toString()));
        if (problem.isPresent()) {
            throw new BaseModelException("Base model " + problem.get());
        }
    }

    /** The model file at {@code path}: itself, or the first model file in the folder it names; it must exist and not be empty. */
    static Path modelFile(final Path path) throws BaseModelException {
        if (!Files.exists(path)) {
            throw new BaseModelException("Base model file " + path + " does not exist");
        }
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.list(path)) {
                final List<Path> models = files.filter(candidate -> {
                    final String fileName = candidate.getFileName().toString().toLowerCase(Locale.ROOT);
                    return fileName.endsWith(".pt") || fileName.endsWith(".onnx") || fileName.endsWith(".torchscript");
                }).sorted().toList();
                if (models.isEmpty()) {
                    throw new BaseModelException("Folder " + path + " holds no .pt or .onnx model file");
                }
                return models.getFirst();
            } catch (final IOException e) {
                throw new BaseModelException("Cannot list " + path + ": " + e.getMessage(), e);
            }
        }
        if (!Files.isReadable(path)) {
            throw new BaseModelException("Base model file " + path + " is not readable");
        }
        try {
            if (Files.size(path) == 0) {
                throw new BaseModelException("Base model file " + path + " is empty (0 bytes)");
            }
        } catch (final IOException e) {
            throw new BaseModelException("Cannot read base model " + path + ": " + e.getMessage(), e);
        }
        return path;
    }
}
