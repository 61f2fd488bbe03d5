/**
 * Why the model decided: class activation maps (CAM, Zhou et al., 2016, exact for a linear head on average-pooled
 * features) and Grad-CAM (Selvaraju et al., 2017, through the PyTorch engine's autograd, for any head) over the base's last
 * feature map, rendered as heatmaps over the images with a perceptual colour map, and a gallery that shows the most
 * confidently wrong predictions first. No NiFi import.
 */
package org.nifitransfer.core.explain;
