"""Fréchet Inception Distance between generated and real photos (Heusel et al. 2017).

FID compares the mean and covariance of InceptionV3 pool features of two image sets; lower is better. With a
few dozen images it is biased upwards and noisy: compare FIDs only on the same number of images.
"""

import numpy as np
import tensorflow as tf

from keras_s2p.pretrained import load_inception_v3


def frechet_distance(features_a, features_b):
    """``||mu_a - mu_b||^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))`` of two feature sets ``(N, D)``.

    The trace of the matrix square root is the sum of the square roots of the eigenvalues of ``C_a C_b`` (real and
    non-negative for covariance matrices; tiny negative rounding is clipped).

    Example:
        >>> frechet_distance(np.random.rand(50, 8), np.random.rand(50, 8) + 1.0)
    """
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mean_term = float(np.sum((a.mean(0) - b.mean(0)) ** 2))
    cov_a, cov_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    eigenvalues = np.linalg.eigvals(cov_a @ cov_b).real
    trace_sqrt = float(np.sum(np.sqrt(np.clip(eigenvalues, 0.0, None))))
    return mean_term + float(np.trace(cov_a) + np.trace(cov_b)) - 2.0 * trace_sqrt


class FIDScorer:
    """InceptionV3 features of images in [-1, 1] and the FID between two sets.

    Args:
        weights: see `keras_s2p.pretrained.load_inception_v3`.

    Example:
        >>> scorer = FIDScorer("~/.keras/models/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
        >>> scorer.fid(real_photos, generated_photos)
    """

    def __init__(self, weights="imagenet"):
        self.model = load_inception_v3(weights)
        self._features = tf.function(self._batch_features)

    def _batch_features(self, images):
        # InceptionV3 expects 299x299 in [-1, 1], which is our range already.
        return self.model(tf.image.resize(tf.cast(images, tf.float32), (299, 299)), training=False)

    def features(self, images, batch_size=32):
        """``(N, 2048)`` pool features of images in [-1, 1]."""
        images = np.asarray(images, np.float32)
        return np.concatenate([self._features(images[i:i + batch_size]).numpy()
                               for i in range(0, len(images), batch_size)])

    def fid(self, real, generated):
        """FID between two image sets in [-1, 1]."""
        return frechet_distance(self.features(real), self.features(generated))
