package org.nifitransfer.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Downloads and unpacks a zipped image folder for the main job, outside NiFi (the NiFi the project starts stays
 * offline). Used for the tutorial's {@code cats_and_dogs_filtered} set when the user asks for it and is online.
 */
final class DatasetDownload {

    /** The cats-vs-dogs subset of the TensorFlow and Keras transfer-learning tutorials (2,000 train, 1,000 validation). */
    static final URI CATS_AND_DOGS = URI.create("https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip");

    private DatasetDownload() {
    }

    /**
     * Downloads {@code zip} into {@code directory} (once: an unpacked folder is reused) and returns the folder that
     * holds {@code train/}.
     */
    static Path downloadAndUnpack(final URI zip, final Path directory) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        final Path existing = findDataFolder(directory);
        if (existing != null) {
            return existing;
        }
        final Path archive = directory.resolve("download.zip");
        final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
        final HttpResponse<Path> response = client.send(HttpRequest.newBuilder(zip).timeout(Duration.ofMinutes(10)).GET().build(),
                HttpResponse.BodyHandlers.ofFile(archive));
        if (response.statusCode() != 200) {
            Files.deleteIfExists(archive);
            throw new IOException("Downloading " + zip + " answered HTTP " + response.statusCode());
        }
        unzip(archive, directory);
        Files.delete(archive);
        final Path folder = findDataFolder(directory);
        if (folder == null) {
            throw new IOException(zip + " holds no folder with a train/ subfolder");
        }
        return folder;
    }

    /** Unpacks a zip below {@code target}, refusing entries that would land outside it. */
    static void unzip(final Path archive, final Path target) throws IOException {
        final Path root = target.toAbsolutePath().normalize();
        try (InputStream file = Files.newInputStream(archive); ZipInputStream zip = new ZipInputStream(file)) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                final Path destination = root.resolve(entry.getName()).normalize();
                if (!destination.startsWith(root)) {
                    throw new IOException("Zip entry " + entry.getName() + " would be written outside " + root);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                } else {
                    Files.createDirectories(destination.getParent());
                    Files.copy(zip, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Path findDataFolder(final Path directory) throws IOException {
        if (Files.isDirectory(directory.resolve("train"))) {
            return directory;
        }
        try (Stream<Path> children = Files.list(directory)) {
            return children.filter(child -> Files.isDirectory(child.resolve("train"))).sorted().findFirst().orElse(null);
        }
    }
}
