package org.nifitransfer.core.dataset;

/** The order of the colour channels in a normalised tensor. */
public enum ChannelOrder {
    /** Red, green, blue: torchvision, Keras' MobileNet and most models. */
    RGB,
    /** Blue, green, red: Caffe-trained weights (Keras' VGG16 and ResNet50, the SqueezeNet in shared/data). */
    BGR;

    /** The index in an RGB pixel of output channel {@code channel}. */
    public int sourceChannel(final int channel) {
        return this == RGB ? channel : 2 - channel;
    }
}
