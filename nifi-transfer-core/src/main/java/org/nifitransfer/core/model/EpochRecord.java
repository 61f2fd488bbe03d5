package org.nifitransfer.core.model;

/**
 * One epoch of a model's training history, as Keras' {@code History} keeps it.
 *
 * @param epoch 1-based and continuing across phases (fine-tuning numbers on from head training, as Keras'
 *              {@code initial_epoch})
 * @param phase {@value #HEAD} or {@value #FINE_TUNE}
 * @param loss mean training loss
 * @param accuracy training accuracy, 0..1
 * @param validationLoss mean validation loss
 * @param validationAccuracy validation accuracy, 0..1
 * @param learningRate the learning rate used in this epoch
 */
public record EpochRecord(int epoch, String phase, double loss, double accuracy, double validationLoss, double validationAccuracy,
                          double learningRate) {

    public static final String HEAD = "head";
    public static final String FINE_TUNE = "fine-tune";
}
