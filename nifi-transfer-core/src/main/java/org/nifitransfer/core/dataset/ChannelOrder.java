package org.nifitransfer.core.dataset;

import org.nifitransfer.core.pipeline.Described;

/** The order of the colour channels in a normalised tensor. */
public enum ChannelOrder implements Described {
    /** Red, green, blue: torchvision, Keras' MobileNet and most models. */
    RGB("Red, green, blue: torchvision, Keras' MobileNet and most models"),
    /** Blue, green, red: Caffe-trained weights (Keras' VGG16 and ResNet50, the SqueezeNet in shared/data). */
    BGR("Blue, green, red: Caffe-trained weights");

    private final String description;

    ChannelOrder(final String description) {
        this.description = description;
    }

    @Override
    public String getDisplayName() {
        return name();
    }

    @Override
    public String getDescription() {
        return description;
    }

    /** The index in an RGB pixel of output channel {@code channel}. */
    public int sourceChannel(final int channel) {
        return this == RGB ? channel : 2 - channel;
    }
}
