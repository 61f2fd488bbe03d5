package org.nifitransfer.core.folder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.nifitransfer.core.image.ImageDecodeException;
import org.nifitransfer.core.image.ImageDecoder;

/** {@link ImageValidator}s backed by an {@link ImageDecoder}. */
public final class ImageValidators {

    private ImageValidators() {
    }

    /** Decodes every pixel: catches corrupt and truncated files, at the cost of a full decode. */
    public static ImageValidator fullDecode(final ImageDecoder decoder) {
        return file -> {
            try {
                decoder.decode(Files.readAllBytes(file), file.getFileName().toString());
                return Optional.empty();
            } catch (final ImageDecodeException e) {
                return Optional.of(e.getReason());
            } catch (final IOException e) {
                return Optional.of("file could not be read: " + e.getMessage());
            }
        };
    }

    /** Reads only the header (format and size): fast, but a file damaged after its header passes. */
    public static ImageValidator headerOnly(final ImageDecoder decoder) {
        return file -> {
            try (InputStream in = Files.newInputStream(file)) {
                decoder.probe(in, file.getFileName().toString());
                return Optional.empty();
            } catch (final ImageDecodeException e) {
                return Optional.of(e.getReason());
            } catch (final IOException e) {
                return Optional.of("file could not be read: " + e.getMessage());
            }
        };
    }
}
