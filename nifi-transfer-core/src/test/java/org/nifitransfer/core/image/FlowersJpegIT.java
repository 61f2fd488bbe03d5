package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Acceptance on real photos (../shared/data/datasets/flowers): every one decodes with libjpeg-turbo to the JDK decoder's
 * pixels, byte for byte, and 3,000 seeded mutations of them get the same verdict and reason from either decoder, with
 * no crash.
 */
class FlowersJpegIT {

    private static List<byte[]> photos() throws IOException {
        final Path flowers = Path.of(System.getProperty("transfer.shared.data", "../../shared/data")).resolve("datasets/flowers")
                .toAbsolutePath().normalize();
        if (!Files.isDirectory(flowers)) {
            throw new AssertionError("ACCEPTANCE DATA MISSING: " + flowers + " (set -Dtransfer.shared.data=DIR, or run with "
                    + "-Dacceptance=false to leave the acceptance tests out knowingly)");
        }
        final List<byte[]> photos = new ArrayList<>();
        try (Stream<Path> files = Files.walk(flowers)) {
            for (final Path file : files.filter(path -> path.toString().endsWith(".jpg")).sorted().toList()) {
                photos.add(Files.readAllBytes(file));
            }
        }
        return photos;
    }

    @Test
    void everyFlowersPhotoDecodesToTheJdkDecodersPixels() throws Exception {
        assertTrue(NativeImage.isAvailable(), "the libjpeg-turbo bridge did not load: " + NativeImage.unavailableReason());
        final ImageDecoder imageIo = ImageDecoder.builder().optNativeJpeg(false).build();
        final List<byte[]> photos = photos();
        assertEquals(3119, photos.size());
        for (int i = 0; i < photos.size(); i++) {
            final NativeImage.Result result = NativeImage.decode(photos.get(i), 1, Long.MAX_VALUE);
            assertEquals(NativeImage.STATUS_OK, result.status(), "photo " + i + ": " + result.message());
            assertEquals(0, result.warnings(), "photo " + i + ": " + result.message());
            assertArrayEquals(imageIo.decode(photos.get(i), "photo.jpg").getData(), result.pixels(), "photo " + i);
        }
    }

    @Test
    void damagedFlowersPhotosGetTheSameVerdictFromEitherDecoder() throws Exception {
        final int decoded = JpegCorruptionTest.assertSameVerdicts(JpegCorruptionTest.mutations(photos(), 3000, 7));
        assertTrue(decoded > 1000, decoded + " of 3000 decoded");
    }
}
