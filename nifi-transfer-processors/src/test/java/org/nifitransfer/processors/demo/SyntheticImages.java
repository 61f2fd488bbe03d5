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
     * {@code vertical}, 160x120 JPEGs with random colours, stripe widths and offsets (seeded).
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
                    final BufferedImage image = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
                    final Graphics2D graphics = image.createGraphics();
                    graphics.setColor(new Color(random.nextInt(200), random.nextInt(200), random.nextInt(200)));
                    graphics.fillRect(0, 0, 160, 120);
                    graphics.setColor(new Color(155 + random.nextInt(100), 155 + random.nextInt(100), 155 + random.nextInt(100)));
                    final int stripe = 4 + random.nextInt(12);
                    for (int offset = random.nextInt(stripe); offset < 160; offset += 2 * stripe) {
                        if (className.equals("horizontal")) {
                            graphics.fillRect(0, offset, 160, stripe);
                        } else {
                            graphics.fillRect(offset, 0, stripe, 120);
                        }
                    }
                    graphics.dispose();
                    ImageIO.write(image, "jpg", folder.resolve(className + "." + i + ".jpg").toFile());
                    written++;
                }
            }
        }
        return written;
    }
}
