package org.nifitransfer.core.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Node;

/**
 * JPEGs of every layout the decoders must agree on, written with the JDK's writer: baseline and progressive, chroma
 * 4:2:0, 4:2:2 and 4:4:4, grey, with and without restart markers, at odd sizes, from photo-like pictures (smooth
 * gradients, shapes and sensor-like noise, so every coefficient band is used).
 */
final class JpegVariants {

    /** One variant: its name for messages and its bytes. */
    record Variant(String name, byte[] jpeg) {
    }

    private JpegVariants() {
    }

    /** Every combination of layout and size below, seeded. */
    static List<Variant> all() {
        final List<Variant> variants = new ArrayList<>();
        final int[][] sizes = {{1, 1}, {7, 5}, {17, 9}, {37, 29}, {333, 77}, {320, 240}, {500, 375}};
        int seed = 0;
        for (final int[] size : sizes) {
            for (final boolean progressive : new boolean[] {false, true}) {
                for (final String chroma : new String[] {"4:2:0", "4:2:2", "4:4:4", "grey"}) {
                    for (final int restart : new int[] {0, 3}) {
                        final BufferedImage picture = photoLike(size[0], size[1], chroma.equals("grey"), seed++);
                        variants.add(new Variant(String.format("%dx%d %s %s%s", size[0], size[1], progressive ? "progressive" : "baseline",
                                chroma, restart > 0 ? " restart " + restart : ""), encode(picture, progressive, chroma, restart, 0.9f)));
                    }
                }
            }
        }
        return variants;
    }

    /** A picture with gradients, shapes and noise, like a photo to a JPEG encoder. */
    static BufferedImage photoLike(final int width, final int height, final boolean grey, final long seed) {
        final Random random = new Random(seed);
        final BufferedImage image = new BufferedImage(width, height, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        final int cx = random.nextInt(width);
        final int cy = random.nextInt(height);
        final int radius = 1 + random.nextInt(Math.max(width, height));
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                final boolean inside = (x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius;
                final int red = clamp(x * 255 / Math.max(1, width) + (inside ? 60 : 0) + random.nextInt(21) - 10);
                final int green = clamp(y * 255 / Math.max(1, height) - (inside ? 40 : 0) + random.nextInt(21) - 10);
                final int blue = clamp((x + y) * 128 / Math.max(1, width + height) + (x / 8 % 2 == 0 ? 50 : 0) + random.nextInt(21) - 10);
                image.setRGB(x, y, red << 16 | green << 8 | blue);
            }
        }
        return image;
    }

    /**
     * The JPEG of {@code image}: progressive or baseline, chroma sampled as {@code chroma} says (ignored for grey), a
     * restart marker every {@code restart} MCUs (0: none), at {@code quality}.
     */
    static byte[] encode(final BufferedImage image, final boolean progressive, final String chroma, final int restart, final float quality) {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            final ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            final IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
            final String format = "javax_imageio_jpeg_image_1.0";
            final IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
            final IIOMetadataNode markers = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
            if (image.getType() != BufferedImage.TYPE_BYTE_GRAY) {
                final Node first = ((IIOMetadataNode) markers.getElementsByTagName("sof").item(0)).getElementsByTagName("componentSpec").item(0);
                final int horizontal = chroma.equals("4:4:4") ? 1 : 2;
                final int vertical = chroma.equals("4:2:0") ? 2 : 1;
                ((IIOMetadataNode) first).setAttribute("HsamplingFactor", Integer.toString(horizontal));
                ((IIOMetadataNode) first).setAttribute("VsamplingFactor", Integer.toString(vertical));
            }
            if (restart > 0) {
                final IIOMetadataNode dri = new IIOMetadataNode("dri");
                dri.setAttribute("interval", Integer.toString(restart));
                markers.insertBefore(dri, markers.getElementsByTagName("sos").item(0));
            }
            metadata.setFromTree(format, root);
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
                writer.setOutput(output);
                writer.write(null, new IIOImage(image, null, metadata), param);
            }
            return bytes.toByteArray();
        } catch (final IOException exception) {
            throw new UncheckedIOException(exception);
        } finally {
            writer.dispose();
        }
    }

    private static int clamp(final int value) {
        return Math.max(0, Math.min(255, value));
    }
}
