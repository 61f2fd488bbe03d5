/**
 * Image augmentation with the semantics of Keras' {@code ImageDataGenerator}: an {@link
 * org.nifitransfer.core.augment.AugmentationRecipe} says what to vary (rotation, shifts, shear, zoom, flips,
 * brightness), an {@link org.nifitransfer.core.augment.Augmenter} draws and applies the variations to an
 * {@link org.nifitransfer.core.image.RgbImage} through one {@link org.nifitransfer.core.augment.AffineWarp}.
 */
package org.nifitransfer.core.augment;
