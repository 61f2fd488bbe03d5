/**
 * Putting a trained model to work on new images: an {@link org.nifitransfer.core.classify.ImageClassifier} prepares
 * each image exactly as the model's training images were prepared (decoder, size, resize mode, filter and
 * normalisation all come from the model) and scores many in one forward pass; a
 * {@link org.nifitransfer.core.classify.ClassifierSlot} lets many threads share the current classifier while a new one
 * replaces it; a {@link org.nifitransfer.core.classify.ModelStore} installs model files atomically. No NiFi import.
 */
package org.nifitransfer.core.classify;
