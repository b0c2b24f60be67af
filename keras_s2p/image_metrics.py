"""Image-quality scores of generated photos against real ones, on RGB in [0, 1] as the literature reports them.

Inputs are in the model's [-1, 1] range; each function returns one value per image (float32), so callers can
average over a dataset exactly (``tf.image`` does the actual PSNR/SSIM math).
"""

import tensorflow as tf


def to_unit_range(images):
    """Map images from [-1, 1] to [0, 1] float32, clipping out-of-range values."""
    return tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) / 2.0, 0.0, 1.0)


def l1_per_image(real, fake):
    """Mean absolute error per image on [0, 1] RGB: ``(B,)``."""
    return tf.reduce_mean(tf.abs(to_unit_range(real) - to_unit_range(fake)), axis=[1, 2, 3])


def psnr_per_image(real, fake):
    """Peak signal-to-noise ratio in dB per image on [0, 1] RGB: ``(B,)``."""
    return tf.image.psnr(to_unit_range(real), to_unit_range(fake), max_val=1.0)


def ssim_per_image(real, fake):
    """Structural similarity per image on [0, 1] RGB (Gaussian 11x11 window, sigma 1.5): ``(B,)``.

    The window shrinks for images smaller than 11 px so tiny test images still score.
    """
    size = min(11, real.shape[1] or 11, real.shape[2] or 11)
    return tf.image.ssim(to_unit_range(real), to_unit_range(fake), max_val=1.0, filter_size=size)
