"""The style code (issue 25): a small latent that decides what a sketch leaves open (colour, material, lighting).

A VAE-style encoder maps a photo to the mean and log-variance of its code (`build_style_encoder`); the generator
takes the code through `StyleModulation` (FiLM: a per-channel scale and offset computed from the code) at its
bottleneck and at every decoder stage. Training (`SketchToPhotoGAN` with ``style_dim > 0``) follows BicycleGAN:
the true photo is rebuilt from its own encoded code, and random codes must give photos whose code the encoder
recovers, so codes are not ignored.

Example:
    >>> codes = sample_styles(8, style_dim=8, seed=0)   # (8, 8) float32, the same for the same seed
"""

import keras
import numpy as np
from keras import layers, ops

from keras_s2p.errors import ConfigError

ENCODER_LAYERS = 4  # strided 4x4 convolutions of the style encoder before global average pooling
PAGE_VARIATIONS, PAGE_SEED = 8, 0  # the draw page's "Variations" strip: sample_styles(PAGE_VARIATIONS, dim, PAGE_SEED)


@keras.saving.register_keras_serializable(package="keras_s2p")
class StyleModulation(layers.Layer):
    """FiLM: ``x * (1 + gamma(code)) + beta(code)``, per channel, with ``gamma, beta`` a dense map of the code.

    Call on ``[x, code]``: ``x`` ``(B, H, W, C)``, ``code`` ``(B, style_dim)``; returns ``x``'s shape.
    """

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.dense = layers.Dense(2 * channels, name="film", dtype=self.dtype_policy)
        self.dense.build(input_shape[1])

    def call(self, inputs):
        x, code = inputs
        gamma, beta = ops.split(self.dense(ops.cast(code, self.compute_dtype)), 2, axis=-1)
        return x * (1.0 + gamma[:, None, None, :]) + beta[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def build_style_encoder(style_dim, base_filters, name="style_encoder"):
    """The style encoder: a photo in [-1, 1] to the mean and log-variance of its style code.

    Args:
        style_dim: the code's size (> 0).
        base_filters: filters of the first convolution, doubled per layer up to 4x.
        name: model name.

    Returns:
        A `keras.Model` from ``photo`` ``(None, None, None, 3)`` to ``[mean, log_var]``, each ``(None, style_dim)``,
        float32. No normalisation: a code describes one photo, not its batch.
    """
    photo = keras.Input((None, None, 3), name="photo")
    x = photo
    for i in range(ENCODER_LAYERS):
        x = layers.Conv2D(base_filters * min(2**i, 4), 4, strides=2, padding="same", name=f"style_conv{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"style_act{i}")(x)
    x = layers.GlobalAveragePooling2D(name="style_pool")(x)
    mean = layers.Dense(style_dim, dtype="float32", name="style_mean")(x)
    log_var = layers.Dense(style_dim, dtype="float32", name="style_log_var")(x)
    return keras.Model(photo, [mean, log_var], name=name)


def sample_styles(n, style_dim, seed=0):
    """`n` style codes drawn from the prior N(0, I), the same for the same `seed`.

    Returns:
        float32 array ``(n, style_dim)``.

    Raises:
        ConfigError: ``n < 1`` or ``style_dim < 1``.
    """
    if n < 1 or style_dim < 1:
        raise ConfigError(f"sample_styles needs n >= 1 and a model with a style code, got n={n}, "
                          f"style_dim={style_dim}")
    return np.random.default_rng(seed).standard_normal((n, style_dim)).astype("float32")


def page_variations(style_dim):
    """The codes of the draw page's "Variations" strip (the server's and the web export's): those of
    ``s2p generate --variations 8 --seed 0``, as lists of floats; ``[]`` for a model without a style code."""
    return sample_styles(PAGE_VARIATIONS, style_dim, PAGE_SEED).tolist() if style_dim else []


def style_dim_of(generator):
    """The style code size a generator model takes (its 2-D ``style`` input), 0 for one without."""
    return next((int(x.shape[-1]) for x in generator.inputs if len(x.shape) == 2), 0)


def with_style(generator, inputs, style=None):
    """`inputs` (the sketch, or ``[sketch, hints]``) with a style code appended when `generator` takes one: `style`
    ``(B, style_dim)``, or the prior's mean (zeros) when None."""
    dim = style_dim_of(generator)
    if not dim:
        return inputs
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if style is None:
        style = ops.zeros((ops.shape(inputs[0])[0], dim))
    return [*inputs, style]


def kl_divergence(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)), summed over the code, averaged over the batch."""
    return ops.mean(ops.sum(-0.5 * (1.0 + log_var - ops.square(mean) - ops.exp(log_var)), axis=-1))
