package org.nifitransfer.processors.demo;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** A small, learnable image folder for smoke runs: horizontal versus vertical stripes, as JPEG photos would be. */
public final class SyntheticImages {

    private SyntheticImages() {
    }

    /**
     * Writes {@code train/}, {@code validation/} and {@code test/} folders with classes {@code horizontal} and
     * {@code vertical}: 64x64 PNGs of two random colours, stripe width 2..8 and a random offset (seeded), the images
     * the fixture base's edge detectors were made for.
     *
     * @return the number of images written
     */
    public static int writeFolder(final Path root, final int trainPerClass, final int validationPerClass, final int testPerClass)
            throws IOException {
        final Random random = new Random(2024);
        final String[] splits = {"train", "validation", "test"};
        final int[] counts = {trainPerClass, validationPerClass, testPerClass};
        int written = 0;
        for (int s = 0; s < splits.length; s++) {
            for (final String className : new String[] {"horizontal", "vertical"}) {
                final Path folder = Files.createDirectories(root.resolve(splits[s]).resolve(className));
                for (int i = 0; i < counts[s]; i++) {
                    final BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
                    final Graphics2D graphics = image.createGraphics();
                    graphics.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
                    graphics.fillRect(0, 0, 64, 64);
                    graphics.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
                    final int stripe = 2 + random.nextInt(7);
                    for (int offset = -random.nextInt(2 * stripe); offset < 64; offset += 2 * stripe) {
                        if (className.equals("horizontal")) {
                            graphics.fillRect(0, offset, 64, stripe);
                        } else {
                            graphics.fillRect(offset, 0, stripe, 64);
                        }
                    }
                    graphics.dispose();
                    ImageIO.write(image, "png", folder.resolve(className + "." + i + ".png").toFile());
                    written++;
                }
            }
        }
        return written;
    }
}
