package org.nifitransfer.core.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nifitransfer.core.pipeline.Hashes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native image work through a small JNI bridge, {@code src/main/c/nifitransfer_image.c}: JPEG decoding with libjpeg-turbo
 * (with its SIMD code), and {@link Resizer}'s two convolution passes. It is bundled for Linux
 * x86-64: the bridge and the libjpeg-turbo it calls (the one inside {@code libleptonica.so.6} of
 * {@code org.bytedeco:leptonica}, the only Maven Central artifact whose library exports the libjpeg API) travel in this
 * jar, are copied once to a folder and loaded from there. Elsewhere, or when loading fails, {@link #isAvailable()} is
 * false and {@link #unavailableReason()} says why; the decoder then uses ImageIO alone.
 *
 * <p>One call decodes one whole JPEG held in memory to 8-bit RGB with libjpeg's defaults (the same as the JDK's libjpeg
 * 6b: integer DCT, fancy upsampling). Library errors come back as a status and message, never as an exit; warnings
 * (corrupt data the library got past) are counted, not printed. The folder is {@code -Dnifitransfer.native.dir}, else a
 * folder named after the libraries' hash under {@code java.io.tmpdir}; {@code -Dnifitransfer.native.disabled=true} turns
 * the bridge off.
 */
final class NativeImage {

    static final int STATUS_OK = 0;
    static final int STATUS_ERROR = 1;
    static final int STATUS_TOO_LARGE = 2;
    static final int STATUS_UNSUPPORTED = 3;
    static final int STATUS_NO_MEMORY = 4;

    /** Where the libraries lie in this jar, below the platform folder. */
    private static final String RESOURCES = "/org/nifitransfer/core/image/native/";
    private static final List<String> LIBRARIES = List.of("libleptonica.so.6", "libnifitransfer_image.so");
    private static final Logger LOGGER = LoggerFactory.getLogger(NativeImage.class);
    private static final String UNAVAILABLE = load();

    /**
     * What one decode found.
     *
     * @param status   {@link #STATUS_OK} with the pixels, else why there are none
     * @param width    the decoded width (0 before the header was read)
     * @param height   the decoded height
     * @param warnings how many warnings libjpeg-turbo gave (corrupt data it got past)
     * @param message  the error, or the first warning, or null
     * @param pixels   RGB, row by row, when the status is OK
     */
    record Result(int status, int width, int height, int warnings, String message, byte[] pixels) {
    }

    private NativeImage() {
    }

    /** Whether the bridge is loaded. */
    static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** Why the bridge is not loaded, or null when it is. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Decodes a whole JPEG to RGB at 1/{@code scale} of its size (1, 2, 4 or 8: libjpeg's DCT scaling), refusing more
     * than {@code maxPixels} output pixels before anything is allocated. Only for one- and three-component JPEGs
     * (grey, YCbCr, RGB); others come back {@link #STATUS_UNSUPPORTED}.
     */
    static Result decode(final byte[] jpeg, final int scale, final long maxPixels) {
        if (!isAvailable()) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        final int[] info = new int[5];
        final String[] message = new String[1];
        final byte[] pixels = decode(jpeg, jpeg.length, scale, maxPixels, info, message);
        return new Result(info[0], info[1], info[2], info[4], message[0], pixels);
    }

    private static native byte[] decode(byte[] input, int length, int scale, long maxPixels, int[] info, String[] message);

    /**
     * Resizer's two passes (horizontal over source rows {@code [firstRow, endRow)}, then vertical) with its coefficients,
     * into {@code output}: the same integer arithmetic in C, both passes hand-vectorised where the CPU has AVX2, so the
     * same bytes.
     *
     * @return false when native memory ran out (output untouched)
     */
    static boolean resample(final byte[] input, final int inputWidth, final int firstRow, final int endRow,
                            final ResampleCoefficients columns, final int outputWidth, final ResampleCoefficients rows,
                            final int outputHeight, final byte[] output) {
        return resample(input, inputWidth, firstRow, endRow, columns, outputWidth, rows, outputHeight, output, false);
    }

    /** {@link #resample} with {@code portable} leaving the AVX2 passes out, so tests check both forms. */
    static boolean resample(final byte[] input, final int inputWidth, final int firstRow, final int endRow,
                            final ResampleCoefficients columns, final int outputWidth, final ResampleCoefficients rows,
                            final int outputHeight, final byte[] output, final boolean portable) {
        if (!isAvailable()) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        return resample(input, inputWidth, firstRow, endRow, columns.getFirsts(), columns.getCounts(), columns.getWeights(),
                columns.getStride(), outputWidth, rows.getFirsts(), rows.getCounts(), rows.getWeights(), rows.getStride(), outputHeight,
                output, portable) == 0;
    }

    /** ChannelPlanes.lookup's loop in C (its arguments already checked there). */
    static void lookupPlanes(final byte[] pixels, final int source, final int plane, final float[] firstTable,
                             final float[] secondTable, final float[] thirdTable, final int firstSource, final int secondSource,
                             final int thirdSource, final float[] out, final int first, final int second, final int third) {
        if (!isAvailable()) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        lookupPlanesNative(pixels, source, plane, firstTable, secondTable, thirdTable, firstSource, secondSource, thirdSource, out,
                first, second, third);
    }

    private static native void lookupPlanesNative(byte[] pixels, int source, int plane, float[] firstTable, float[] secondTable,
                                                  float[] thirdTable, int firstSource, int secondSource, int thirdSource, float[] out,
                                                  int first, int second, int third);

    private static native int resample(byte[] input, int inputWidth, int firstRow, int endRow, int[] xFirst, int[] xCount,
                                       int[] xWeights, int xStride, int outputWidth, int[] yFirst, int[] yCount, int[] yWeights,
                                       int yStride, int outputHeight, byte[] output, boolean portable);

    private static String load() {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (Boolean.getBoolean("nifitransfer.native.disabled")) {
            return "turned off (-Dnifitransfer.native.disabled=true)";
        }
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "bundled for Linux x86-64 only, not " + os + "/" + arch;
        }
        try {
            final List<byte[]> contents = new ArrayList<>();
            for (final String library : LIBRARIES) {
                try (InputStream in = NativeImage.class.getResourceAsStream(RESOURCES + "linux-x86_64/" + library)) {
                    if (in == null) {
                        return "not in this build (" + library + " is missing: built where gcc or the libjpeg headers were not)";
                    }
                    contents.add(in.readAllBytes());
                }
            }
            final StringBuilder hashes = new StringBuilder();
            contents.forEach(bytes -> hashes.append(Hashes.sha256(bytes)));
            final String configured = System.getProperty("nifitransfer.native.dir");
            final Path folder = configured != null ? Path.of(configured)
                    : Path.of(System.getProperty("java.io.tmpdir"), "nifi-transfer-native-" + Hashes.sha256(hashes.toString().getBytes(
                            java.nio.charset.StandardCharsets.US_ASCII)).substring(0, 16));
            Files.createDirectories(folder);
            for (int i = 0; i < LIBRARIES.size(); i++) {
                final Path file = folder.resolve(LIBRARIES.get(i));
                if (!Files.isRegularFile(file) || Files.size(file) != contents.get(i).length) {
                    final Path partial = Files.createTempFile(folder, LIBRARIES.get(i), ".part");
                    Files.write(partial, contents.get(i));
                    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                System.load(file.toAbsolutePath().toString());
            }
            LOGGER.info("JPEG decoding with libjpeg-turbo (native bridge loaded from {})", folder);
            return null;
        } catch (final IOException | UnsatisfiedLinkError | SecurityException e) {
            final String reason = "could not be loaded: " + e;
            LOGGER.warn("JPEG decoding with ImageIO only: the libjpeg-turbo bridge {}", reason);
            return reason;
        }
    }
}
