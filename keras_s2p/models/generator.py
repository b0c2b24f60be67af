"""The sketch-to-photo generator: an encoder-decoder with residual blocks at the bottleneck.

It is the design the project grew from (7x7 stem, strided-conv downsampling, residual blocks, upsampling back,
BatchNorm + LeakyReLU, tanh output) with its known flaws fixed: upsampling is resize-then-convolve by default,
which cannot produce the checkerboard pattern of transposed convolutions; optional U-Net skip connections carry
sketch detail past the bottleneck; and the network is fully convolutional, so it runs at any size divisible by
``2 ** num_downsamples``, at training and at inference.
"""

import keras
from keras import layers

from keras_s2p.errors import ConfigError
from keras_s2p.hints import HINT_CHANNELS
from keras_s2p.models.attention import SelfAttention
from keras_s2p.models.choices import BATCH_NORMS, NORMALIZATIONS, UPSAMPLING_MODES
from keras_s2p.models.gan_options import MODEL_DEFAULTS as DEFAULTS
from keras_s2p.models.gan_options import default_downsamples
from keras_s2p.models.style import StyleModulation

GROUPS = 8  # channels are normalised in this many groups by generator_norm="group"
# PyTorch's (and pix2pix's) BatchNorm momentum. Keras' default 0.99 averages over ~100 steps, and a GAN generator's
# weights move so fast that such stale moving statistics wrecked inference-mode outputs (measured on edges2shoes:
# inference L1 0.58 vs 0.10 in training mode after 2 epochs; recalibrating the statistics brought it to 0.15).
BN_MOMENTUM = 0.9


def _norm(x, norm, name):
    """The normalisation layer `norm` applied to `x` (identity for ``"none"``)."""
    if norm in BATCH_NORMS:
        return layers.BatchNormalization(momentum=BN_MOMENTUM, synchronized=(norm == "sync_batch"), name=name)(x)
    if norm == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)(x)
    if norm == "group":
        return layers.GroupNormalization(groups=min(GROUPS, x.shape[-1]), epsilon=1e-5, name=name)(x)
    return x


def _conv(norm, *args, **kwargs):
    # A normalisation's own offset makes a convolution bias redundant.
    return layers.Conv2D(*args, use_bias=(norm == "none"), **kwargs)


def _norm_act(x, norm, name):
    """Normalisation followed by LeakyReLU(0.2)."""
    x = _norm(x, norm, f"{name}_bn")
    return layers.LeakyReLU(0.2, name=f"{name}_act")(x)


def _residual_block(x, filters, norm, name):
    y = _conv(norm, filters, 3, padding="same", name=f"{name}_conv1")(x)
    y = _norm_act(y, norm, f"{name}_1")
    y = _conv(norm, filters, 3, padding="same", name=f"{name}_conv2")(y)
    y = _norm(y, norm, f"{name}_2_bn")
    return layers.Add(name=f"{name}_add")([x, y])


def _upsample(x, filters, mode, norm, name):
    if mode == "resize":
        x = layers.UpSampling2D(2, interpolation="bilinear", name=f"{name}_resize")(x)
        x = _conv(norm, filters, 3, padding="same", name=f"{name}_conv")(x)
    else:
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=(norm == "none"),
                                   name=f"{name}_tconv")(x)
    return _norm_act(x, norm, name)


def build_generator(
    image_size=DEFAULTS["image_size"],
    base_filters=DEFAULTS["base_filters"],
    num_downsamples=DEFAULTS["num_downsamples"],
    num_res_blocks=DEFAULTS["num_res_blocks"],
    upsampling=DEFAULTS["upsampling"],
    skip_connections=DEFAULTS["skip_connections"],
    norm=DEFAULTS["generator_norm"],
    attention=DEFAULTS["attention"],
    color_hints=DEFAULTS["color_hints"],
    style_dim=DEFAULTS["style_dim"],
    name="generator",
):
    """Build the generator as a functional `keras.Model` mapping sketches to photos, both in [-1, 1].

    The defaults are `SketchToPhotoGAN`'s (`keras_s2p.models.gan_options`).

    Args:
        image_size: the training size (square). Only checked for divisibility: the model itself accepts any
            height and width divisible by ``2 ** num_downsamples``.
        base_filters: filters of the 7x7 stem; doubled at every downsampling step.
        num_downsamples: strided 3x3 convolutions between the stem and the residual blocks; None:
            `keras_s2p.models.gan_options.default_downsamples` of `image_size`.
        num_res_blocks: residual blocks at the bottleneck (``base_filters * 2 ** num_downsamples`` filters).
        upsampling: ``"resize"`` (bilinear resize then 3x3 conv; no checkerboard) or ``"transpose"``.
        skip_connections: concatenate each encoder feature map into the decoder at the same resolution (U-Net).
        norm: one of `keras_s2p.models.choices.NORMALIZATIONS` (their trade-offs are listed there).
        attention: a `SelfAttention` block after the residual blocks (at the bottleneck).
        color_hints: take a second input, ``hints`` ``(None, None, None, 4)`` (`keras_s2p.hints`), concatenated
            to the sketch.
        style_dim: take a last input, ``style`` ``(None, style_dim)`` (`keras_s2p.models.style`), modulating the
            bottleneck and every decoder stage; 0: none.
        name: model name.

    Returns:
        A `keras.Model` from ``sketch`` (or ``[sketch, hints]``; ``style`` last) to a photo, shape
        ``(None, None, None, 3)``; the output is float32 tanh.

    Raises:
        ConfigError: an argument is out of range or ``image_size`` is not divisible by ``2 ** num_downsamples``.

    Example:
        >>> g = build_generator(image_size=64, base_filters=8, num_res_blocks=2)
        >>> g(keras.ops.zeros((1, 64, 64, 3))).shape
        TensorShape([1, 64, 64, 3])
    """
    if num_downsamples is None:
        num_downsamples = default_downsamples(image_size)
    if upsampling not in UPSAMPLING_MODES:
        raise ConfigError(f"upsampling={upsampling!r} is not one of {UPSAMPLING_MODES}")
    if norm not in NORMALIZATIONS:
        raise ConfigError(f"norm={norm!r} is not one of {NORMALIZATIONS}")
    if min(base_filters, num_downsamples + 1, num_res_blocks + 1) < 1:
        raise ConfigError("base_filters must be >= 1 and num_downsamples, num_res_blocks >= 0")
    factor = 2**num_downsamples
    if image_size % factor:
        raise ConfigError(f"image_size={image_size} is not divisible by 2**num_downsamples={factor}")

    sketch = keras.Input(shape=(None, None, 3), name="sketch")
    inputs = [sketch, keras.Input(shape=(None, None, HINT_CHANNELS), name="hints")] if color_hints else sketch
    x = layers.Concatenate(name="sketch_hints")(inputs) if color_hints else sketch
    style = keras.Input(shape=(style_dim,), name="style") if style_dim else None
    if style_dim:
        inputs = [*inputs, style] if color_hints else [sketch, style]
    x = _conv(norm, base_filters, 7, padding="same", name="stem_conv")(x)
    x = _norm_act(x, norm, "stem")
    skips = [x]
    filters = base_filters
    for i in range(num_downsamples):
        filters *= 2
        x = _conv(norm, filters, 3, strides=2, padding="same", name=f"down{i}_conv")(x)
        x = _norm_act(x, norm, f"down{i}")
        skips.append(x)
    if style_dim:
        x = StyleModulation(name="style_bottleneck")([x, style])
    for i in range(num_res_blocks):
        x = _residual_block(x, filters, norm, f"res{i}")
    if attention:
        x = SelfAttention(name="attention")(x)
    for i in range(num_downsamples):
        filters //= 2
        x = _upsample(x, filters, upsampling, norm, f"up{i}")
        if style_dim:
            x = StyleModulation(name=f"up{i}_style")([x, style])
        if skip_connections:
            x = layers.Concatenate(name=f"up{i}_skip")([x, skips[-2 - i]])
    x = layers.Conv2D(3, 7, padding="same", name="out_conv")(x)
    # float32 output so mixed-precision training computes every loss in float32.
    photo = layers.Activation("tanh", dtype="float32", name="photo")(x)
    return keras.Model(inputs, photo, name=name)
