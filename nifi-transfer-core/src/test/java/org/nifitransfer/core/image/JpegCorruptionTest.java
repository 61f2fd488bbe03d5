package org.nifitransfer.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Damaged JPEGs decode, or fail with the same reason, whichever decoder runs: thousands of seeded mutations (truncation,
 * random bytes anywhere, flipped bits in the entropy-coded data, changed header bytes) of photo-like pictures. With the
 * libjpeg-turbo bridge loaded none may crash the JVM, and every one that libjpeg-turbo reads with a warning or an
 * error goes to ImageIO, whose verdict and reason are today's.
 */
class JpegCorruptionTest {

    /** Seeded mutations of {@code originals}, each of one of four kinds. */
    static List<byte[]> mutations(final List<byte[]> originals, final int count, final long seed) {
        final Random random = new Random(seed);
        final List<byte[]> mutated = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            final byte[] original = originals.get(random.nextInt(originals.size()));
            final byte[] copy;
            switch (i % 4) {
                case 0 -> copy = Arrays.copyOf(original, 2 + random.nextInt(original.length - 2));
                case 1 -> {
                    copy = original.clone();
                    for (int j = 1 + random.nextInt(8); j > 0; j--) {
                        copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> {
                    copy = original.clone();
                    for (int j = 1 + random.nextInt(4); j > 0; j--) {
                        copy[copy.length / 3 + random.nextInt(copy.length * 2 / 3 - 2)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                default -> {
                    copy = original.clone();
                    copy[random.nextInt(Math.min(600, copy.length))] = (byte) random.nextInt(256);
                }
            }
            mutated.add(copy);
        }
        return mutated;
    }

    /**
     * Decodes every mutation with both decoders and checks they agree: the same failure reason, or images of the same
     * size (inside a damaged block the two IDCTs may round out-of-range coefficients differently). Returns how many
     * decoded.
     */
    static int assertSameVerdicts(final List<byte[]> mutations) {
        final ImageDecoder decoder = ImageDecoder.builder().build();
        final ImageDecoder imageIo = ImageDecoder.builder().optNativeJpeg(false).build();
        int decoded = 0;
        for (int i = 0; i < mutations.size(); i++) {
            final byte[] jpeg = mutations.get(i);
            String expected;
            RgbImage reference = null;
            try {
                reference = imageIo.decode(jpeg, "m.jpg");
                expected = "decoded";
            } catch (final ImageDecodeException e) {
                expected = e.getMessage();
            }
            String actual;
            RgbImage image = null;
            try {
                image = decoder.decode(jpeg, "m.jpg");
                actual = "decoded";
            } catch (final ImageDecodeException e) {
                actual = e.getMessage();
            }
            assertEquals(expected, actual, "mutation " + i);
            if (image != null) {
                assertEquals(reference.getWidth(), image.getWidth(), "mutation " + i);
                assertEquals(reference.getHeight(), image.getHeight(), "mutation " + i);
                decoded++;
            }
        }
        return decoded;
    }

    @Test
    void damagedJpegsGetTheSameVerdictFromEitherDecoder() {
        final List<byte[]> originals = new ArrayList<>();
        for (int seed = 0; seed < 6; seed++) {
            originals.add(JpegVariants.encode(JpegVariants.photoLike(320, 240, false, seed), seed % 2 == 1, seed % 3 == 0 ? "4:2:0" : "4:4:4",
                    seed == 4 ? 5 : 0, 0.9f));
        }
        final int decoded = assertSameVerdicts(mutations(originals, 2000, 42));
        // a quarter are truncations, which both refuse; most single damaged bytes still decode
        assertTrue(decoded > 500 && decoded < 1500, decoded + " of 2000 decoded");
    }
}
