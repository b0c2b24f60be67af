"""pix2pixHD's multi-scale critic: the same critic design on the images at full, 1/2 and 1/4 resolution.

The coarse critics see the whole layout with the same receptive field; the full-resolution one judges texture.
Each scale's critic is a nested model, so the GAN can score, penalise and take features per scale.
"""

import keras
from keras import ops

from keras_s2p.errors import ConfigError
from keras_s2p.models.choices import CRITIC_SCALES
from keras_s2p.models.critic import build_critic

SCALE_SUFFIX = "_scale"  # the critic of scale k (images downscaled by 2**k) is the nested model "<name>_scale<k>"


def downscale(images, factor):
    """`images` ``(B, H, W, C)`` average-pooled by `factor` (unchanged for 1); what each scale's critic sees."""
    return images if factor == 1 else ops.average_pool(images, factor, factor, padding="valid")


def build_multi_scale_critic(scales=1, image_size=128, attention=False, name="critic", **critic_args):
    """One `build_critic` critic per scale, as one `keras.Model`; a single scale is `build_critic`'s model itself.

    Args:
        scales: one of `CRITIC_SCALES`: 1 (full resolution), 2 (+1/2) or 3 (+1/4).
        image_size: the training size (square); divisible by ``2 ** (scales - 1)`` times the critic's stride.
        attention: passed to every scale's critic.
        name: model name; scale k's critic is named ``f"{name}_scale{k}"``.
        **critic_args: `build_critic` arguments (base_filters, num_layers, output, conditional, color_hints).

    Returns:
        A `keras.Model` with `build_critic`'s inputs, returning one score map per scale (a list for 2 or 3 scales).

    Raises:
        ConfigError: `scales` is not in `CRITIC_SCALES`, or a critic argument is out of range.

    Example:
        >>> critic = build_multi_scale_critic(2, image_size=64, base_filters=8)
        >>> [s.shape for s in critic([keras.ops.zeros((1, 64, 64, 3))] * 2)]
        [TensorShape([1, 8, 8, 1]), TensorShape([1, 4, 4, 1])]
    """
    if scales not in CRITIC_SCALES:
        raise ConfigError(f"critic_scales={scales!r} is not one of {CRITIC_SCALES}")
    if scales == 1:
        return build_critic(image_size, attention=attention, name=name, **critic_args)
    if image_size % 2 ** (scales - 1):
        raise ConfigError(f"image_size={image_size} is not divisible by 2**(critic_scales - 1)={2 ** (scales - 1)}")
    critics = [build_critic(image_size // 2**k, attention=attention, name=f"{name}{SCALE_SUFFIX}{k}", **critic_args)
               for k in range(scales)]
    inputs = [keras.Input(shape=tuple(x.shape)[1:], name=x.name) for x in critics[0].inputs]
    scores = [critic([downscale(x, 2**k) for x in inputs] if len(inputs) > 1 else downscale(inputs[0], 2**k))
              for k, critic in enumerate(critics)]
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], scores, name=name)


def scale_critics(critic):
    """The critic of each scale with its downscaling factor, coarser last; ``[(1, critic)]`` for a single scale.

    Example:
        >>> for factor, scale_critic in scale_critics(gan.critic):
        ...     scores = scale_critic([downscale(sketch, factor), downscale(photo, factor)])
    """
    nested = {layer.name: layer for layer in critic.layers}
    scales = []
    while f"{critic.name}{SCALE_SUFFIX}{len(scales)}" in nested:
        scales.append((2 ** len(scales), nested[f"{critic.name}{SCALE_SUFFIX}{len(scales)}"]))
    return scales or [(1, critic)]
