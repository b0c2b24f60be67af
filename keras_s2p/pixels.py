"""The one conversion between the networks' images, float in [-1, 1], and 8-bit pixels 0..255.

Each function takes a numpy array (and returns one) or a TensorFlow tensor (and returns one, usable in a
`tf.function`). TensorFlow is imported only for tensors.

Example:
    >>> to_uint8(np.array([-1.0, 0.0, 1.0]))
    array([  0, 128, 255], dtype=uint8)
"""

import numpy as np

SCALE = 127.5  # pixel = (x + 1) * SCALE


def pixel_values(images):
    """[-1, 1] -> float pixel values in [0, 255], unrounded (what ImageNet preprocessing expects)."""
    return (images + 1.0) * SCALE


def to_uint8(images):
    """[-1, 1] -> uint8 pixels, rounded; values outside [-1, 1] are clipped."""
    if isinstance(images, (np.ndarray, np.generic, float, int)):
        return np.clip(np.round(pixel_values(images)), 0, 255).astype(np.uint8)
    import tensorflow as tf

    return tf.cast(tf.clip_by_value(tf.round(pixel_values(images)), 0.0, 255.0), tf.uint8)


def from_pixels(pixels):
    """Pixels 0..255 (uint8 or float) -> float32 in [-1, 1]."""
    if isinstance(pixels, (np.ndarray, np.generic)):
        return pixels.astype(np.float32) / SCALE - 1.0
    import tensorflow as tf

    return tf.cast(pixels, tf.float32) / SCALE - 1.0
