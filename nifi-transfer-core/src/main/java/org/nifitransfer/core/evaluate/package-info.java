/**
 * Evaluation of a trained classifier on a test split: {@link org.nifitransfer.core.evaluate.ClassificationMetrics}
 * (accuracy, loss, confusion matrix, per-class precision, recall and F1, ROC AUC for two classes) computed from
 * {@link org.nifitransfer.core.evaluate.Prediction}s, in one go or streamed through its accumulator; a
 * {@link org.nifitransfer.core.evaluate.PredictionsCsv} of every image's prediction; and PNG plots of the
 * training history ({@link org.nifitransfer.core.evaluate.LearningCurvePlot}) and of the confusion matrix
 * ({@link org.nifitransfer.core.evaluate.ConfusionMatrixPlot}). No NiFi import.
 */
package org.nifitransfer.core.evaluate;
