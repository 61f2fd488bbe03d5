package org.nifitransfer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job's dataset download, against a server on 127.0.0.1 serving a zip shaped like cats_and_dogs_filtered. */
class DatasetDownloadTest {

    @TempDir
    Path directory;

    private static byte[] zip(final String... names) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (final String name : names) {
                zip.putNextEntry(new ZipEntry(name));
                if (!name.endsWith("/")) {
                    zip.write(name.getBytes());
                }
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static HttpServer serve(final byte[] content, final AtomicInteger requests) throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/cats_and_dogs_filtered.zip", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, content.length);
            exchange.getResponseBody().write(content);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    void downloadsUnpacksFindsTheDataFolderAndReusesIt() throws Exception {
        final AtomicInteger requests = new AtomicInteger();
        final HttpServer server = serve(zip("cats_and_dogs_filtered/", "cats_and_dogs_filtered/train/cats/cat.1.jpg",
                "cats_and_dogs_filtered/validation/dogs/dog.2000.jpg"), requests);
        try {
            final URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cats_and_dogs_filtered.zip");
            final Path folder = DatasetDownload.downloadAndUnpack(uri, directory);
            assertEquals(directory.resolve("cats_and_dogs_filtered"), folder);
            assertTrue(Files.exists(folder.resolve("train/cats/cat.1.jpg")));
            assertEquals(folder, DatasetDownload.downloadAndUnpack(uri, directory));
            assertEquals(1, requests.get(), "the unpacked folder is reused");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aZipThatWritesOutsideItsFolderIsRefused() throws Exception {
        final Path archive = Files.write(directory.resolve("evil.zip"), zip("../escaped.txt"));
        final IOException error = assertThrows(IOException.class, () -> DatasetDownload.unzip(archive, directory.resolve("out")));
        assertTrue(error.getMessage().contains("outside"), error.getMessage());
        assertTrue(Files.notExists(directory.resolve("escaped.txt")));
    }

    @Test
    void anHttpErrorIsReported() throws Exception {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.start();
        try {
            final URI missing = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/nothing.zip");
            final IOException error = assertThrows(IOException.class, () -> DatasetDownload.downloadAndUnpack(missing, directory));
            assertTrue(error.getMessage().endsWith("answered HTTP 404"), error.getMessage());
        } finally {
            server.stop(0);
        }
    }
}
