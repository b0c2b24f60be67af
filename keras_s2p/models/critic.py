"""The WGAN-GP critic: spectrally normalised convolutions, LeakyReLU, no normalisation, linear output.

BatchNorm is deliberately absent: it couples the samples of a batch, which breaks the per-sample gradient
penalty of WGAN-GP. There is no sigmoid either: a Wasserstein critic outputs an unbounded score.
"""

import keras
from keras import layers

from keras_s2p.errors import ConfigError
from keras_s2p.hints import HINT_CHANNELS
from keras_s2p.models.attention import SelfAttention
from keras_s2p.models.choices import CRITIC_OUTPUTS

FEATURE_PREFIX = "act"  # build_critic names its hidden activations act0, act1, ...: the critic's features
ATTENTION_LAYER = 2  # self-attention follows the strided layer reaching 1/8 resolution (or the last, if fewer)


def _sn_conv(filters, kernel_size, strides, name):
    return layers.SpectralNormalization(
        layers.Conv2D(filters, kernel_size, strides=strides, padding="same", name=f"{name}_conv"), name=name
    )


def build_critic(
    image_size=128,
    base_filters=64,
    num_layers=3,
    output="patch",
    conditional=True,
    attention=False,
    color_hints=False,
    name="critic",
):
    """Build the critic as a functional `keras.Model`.

    Args:
        image_size: the training size (square); checked only for divisibility by ``2 ** num_layers``.
        base_filters: filters of the first layer, doubled per layer up to 8x.
        num_layers: strided (stride 2) 4x4 convolutions.
        output: ``"patch"`` for a PatchGAN map of scores ``(B, H/2**n, W/2**n, 1)``, or ``"scalar"`` for one
            score per image ``(B, 1)`` (the patch map averaged).
        conditional: when True the critic takes ``[sketch, photo]`` and judges the pair (concatenated on
            channels); when False it takes the photo alone.
        attention: a spectrally normalised `SelfAttention` block after the strided layer at 1/8 resolution.
        color_hints: a conditional critic takes ``[sketch, hints, photo]`` (hints: `keras_s2p.hints`).
        name: model name.

    Returns:
        A `keras.Model` whose output is float32; its hidden activations are its features (`critic_features`).

    Raises:
        ConfigError: an argument is out of range.

    Example:
        >>> c = build_critic(image_size=64, base_filters=8)
        >>> c([keras.ops.zeros((2, 64, 64, 3))] * 2).shape
        TensorShape([2, 8, 8, 1])
    """
    if output not in CRITIC_OUTPUTS:
        raise ConfigError(f"critic output={output!r} is not one of {CRITIC_OUTPUTS}")
    if base_filters < 1 or num_layers < 1:
        raise ConfigError("critic base_filters and num_layers must be >= 1")
    if image_size % 2**num_layers:
        raise ConfigError(f"image_size={image_size} is not divisible by 2**critic_layers={2**num_layers}")

    photo = keras.Input(shape=(None, None, 3), name="photo")
    if conditional:
        sketch = keras.Input(shape=(None, None, 3), name="sketch")
        hints = [keras.Input(shape=(None, None, HINT_CHANNELS), name="hints")] if color_hints else []
        inputs = [sketch, *hints, photo]
        x = layers.Concatenate(name="pair")(inputs)
    else:
        inputs = photo
        x = photo
    for i in range(num_layers):
        x = _sn_conv(base_filters * min(2**i, 8), 4, 2, f"sn{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"{FEATURE_PREFIX}{i}")(x)
        if attention and i == min(ATTENTION_LAYER, num_layers - 1):
            x = SelfAttention(spectral_norm=True, name="attention")(x)
    x = _sn_conv(1, 3, 1, "score")(x)
    if output == "scalar":
        x = layers.GlobalAveragePooling2D(name="mean_score")(x)
    score = layers.Activation("linear", dtype="float32", name="score_f32")(x)
    return keras.Model(inputs, score, name=name)


def critic_features(critic):
    """The critic's hidden activations and its score, as one model sharing the critic's weights.

    The features are the layers named ``act0``, ``act1``, ... (`FEATURE_PREFIX`), which `build_critic` gives its
    activations; a custom critic exposes features by naming layers the same way.

    Args:
        critic: a critic model, as built by `build_critic`.

    Returns:
        A `keras.Model` with the critic's inputs returning ``[*features, score]``.

    Raises:
        ConfigError: the critic has no layer named ``act0``.

    Example:
        >>> *features, score = critic_features(critic)([sketch, photo])
    """
    names = {layer.name for layer in critic.layers}
    features = []
    while f"{FEATURE_PREFIX}{len(features)}" in names:
        features.append(critic.get_layer(f"{FEATURE_PREFIX}{len(features)}").output)
    if not features:
        raise ConfigError(f"critic {critic.name!r} has no feature layers named {FEATURE_PREFIX}0, "
                          f"{FEATURE_PREFIX}1, ... (needed for feature matching)")
    return keras.Model(critic.inputs, [*features, critic.output], name=f"{critic.name}_features")
