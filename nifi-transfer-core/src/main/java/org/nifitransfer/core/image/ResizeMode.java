package org.nifitransfer.core.image;

import org.nifitransfer.core.pipeline.Described;

/** How {@link Resizer} fits an image into the target size. */
public enum ResizeMode implements Described {
    STRETCH("Stretch", "Scales the image to exactly the target width and height; the aspect ratio may change."),
    SHORTER_SIDE_CENTER_CROP("Resize Shorter Side and Center Crop",
            "Scales the image so it covers the target size with its aspect ratio kept, then keeps the centre: "
                    + "the shorter side fits exactly and the longer side is cropped equally on both ends "
                    + "(PIL ImageOps.fit)."),
    PAD("Pad", "Scales the image so it fits inside the target size with its aspect ratio kept, centres it, and "
            + "fills the remaining border with the fill colour (letterboxing; PIL ImageOps.pad).");

    private final String displayName;
    private final String description;

    ResizeMode(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    /** The name shown to users. */
    @Override
    public String getDisplayName() {
        return displayName;
    }

    /** One or two sentences for users. */
    @Override
    public String getDescription() {
        return description;
    }
}
