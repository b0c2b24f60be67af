"""Colour hints: sparse colour patches plus a mask, the second input of a ``color_hints=True`` generator.

A hint tensor is float32 ``(B, H, W, 4)`` in [0, 1]: RGB colour and an alpha mask (1: hinted, 0: no hint; RGB is
0 where alpha is 0). Training draws hints from the real photo (`sample_hints`): none with probability
`NO_HINT_PROB`, else ``1 + Geometric(1 / MEAN_HINTS)`` square patches (at most `MAX_HINTS`), each filled with the
photo's mean colour under it, so one model works with and without hints. A share of the hinted photos are
recoloured first (`recolor`: a random hue rotation and saturation; ``hint_recolor`` in
`keras_s2p.models.gan_options`): without it a generator learns each training photo's colours from its sketch and
follows only hints of the colours it expects. `hints_from_photo` takes exactly K such patches (for measuring),
`hints_from_rgba` and `read_hints` turn a drawn RGBA image (transparent = no hint) into hints.

Example:
    >>> hints = read_hints("hints.png", 128)[None]                     # (1, 128, 128, 4)
    >>> photo = generator([sketch, hints], training=False)
"""

import math
from pathlib import Path

import tensorflow as tf

from keras_s2p.errors import DataError

HINT_CHANNELS = 4
NO_HINT_PROB = 0.3  # training images with no hint at all
MEAN_HINTS = 8  # mean hint count of the other images
MAX_HINTS = 32
SATURATION_RANGE = (0.5, 1.5)  # saturation factors of a recoloured photo


def takes_hints(generator):
    """Whether the Keras model `generator` takes colour hints, ``[sketch, hints]``, rather than sketches alone (a
    style code, `keras_s2p.models.style`, may follow either)."""
    return sum(len(x.shape) == 4 for x in generator.inputs) == 2


def no_hints(sketch):
    """All-zero hints (nothing hinted) for a batch of sketches ``(B, H, W, C)``."""
    shape = tf.shape(sketch)
    return tf.zeros(tf.concat([shape[:3], [HINT_CHANNELS]], 0), tf.float32)


def patch_sides(image_size):
    """(smallest, largest) side in pixels of a hint patch, as int32 tensors: 1-3 px at 32², 4-12 px at 128²."""
    low = tf.maximum(1, image_size // 32)
    return low, tf.maximum(low, image_size // 10)


def sample_hints(photo, seed, recolor_prob=0.0):
    """Training hints: a random number of patches per image (`NO_HINT_PROB` of images get none), drawn after
    `recolor_prob` of the hinted photos are recoloured.

    Args:
        photo: float ``(B, H, W, 3)`` in [-1, 1], square.
        seed: stateless seed, int ``[2]``.
        recolor_prob: probability that a hinted photo is recoloured (`recolor`) first.

    Returns:
        ``(photo, hints)``: the training targets (`photo`, some recoloured) and their float32 ``(B, H, W, 4)``
        hints in [0, 1].
    """
    count_seed, patch_seed, colour_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 3))
    batch = tf.shape(photo)[0]
    u = tf.random.stateless_uniform([2, batch], count_seed, minval=1e-7)
    geometric = tf.floor(tf.math.log(u[1]) / math.log(1.0 - 1.0 / MEAN_HINTS))
    counts = tf.where(u[0] < NO_HINT_PROB, 0.0, tf.minimum(1.0 + geometric, MAX_HINTS))
    c = tf.random.stateless_uniform([3, batch], colour_seed)
    recoloured = (counts > 0) & (c[0] < recolor_prob)
    low, high = SATURATION_RANGE
    angle = tf.where(recoloured, c[1] * 2.0 * math.pi, 0.0)
    saturation = tf.where(recoloured, low + c[2] * (high - low), 1.0)
    photo = tf.where(recoloured[:, None, None, None], recolor(photo, angle, saturation), photo)
    return photo, _patches(photo, tf.cast(counts, tf.int32), MAX_HINTS, patch_seed)


def recolor(photo, angle, saturation):
    """Photos with their hue rotated by `angle` (radians) and chroma scaled by `saturation`, per image, in YIQ
    (luma kept).

    Args:
        photo: float ``(B, H, W, 3)`` in [-1, 1].
        angle, saturation: float ``(B,)``.

    Returns:
        The recoloured photos, in [-1, 1], `photo`'s dtype.
    """
    yiq = tf.image.rgb_to_yiq((tf.cast(photo, tf.float32) + 1.0) / 2.0)
    cos, sin = ((f(angle) * saturation)[:, None, None] for f in (tf.cos, tf.sin))
    luma, i, q = tf.unstack(yiq, axis=-1)
    rgb = tf.image.yiq_to_rgb(tf.stack([luma, cos * i - sin * q, sin * i + cos * q], -1))
    return tf.cast(tf.clip_by_value(rgb, 0.0, 1.0) * 2.0 - 1.0, photo.dtype)


def hints_from_photo(photo, count, seed=(0, 0)):
    """Exactly `count` training-sized hint patches per image, coloured from `photo` (for measuring).

    Args:
        photo: float ``(B, H, W, 3)`` in [-1, 1], square.
        count: hints per image (0 gives `no_hints`).
        seed: stateless seed, two ints.

    Returns:
        float32 ``(B, H, W, 4)`` hints in [0, 1].

    Example:
        >>> fake = generator([sketch, hints_from_photo(photo, 4)])
    """
    if count == 0:
        return no_hints(photo)
    batch = tf.shape(photo)[0]
    return _patches(photo, tf.fill([batch], count), count, tf.constant(seed, tf.int64))


def _patches(photo, counts, slots, seed):
    """Hints of ``counts[b]`` random square patches (up to `slots`), each the photo's mean colour under it."""
    photo = (tf.cast(photo, tf.float32) + 1.0) / 2.0
    shape = tf.shape(photo)
    size = shape[1]
    low, high = patch_sides(size)
    u = tf.random.stateless_uniform([3, shape[0], slots], seed)
    side = low + tf.cast(u[0] * tf.cast(high - low + 1, tf.float32), tf.int32)
    top, left = (tf.cast(v * tf.cast(size - side + 1, tf.float32), tf.int32) for v in (u[1], u[2]))
    pixels = tf.range(size)[None, None]
    rows = (pixels >= top[..., None]) & (pixels < (top + side)[..., None])  # (B, slots, H)
    cols = (pixels >= left[..., None]) & (pixels < (left + side)[..., None])
    active = tf.range(slots)[None] < counts[:, None]
    masks = tf.cast(rows[..., :, None] & cols[..., None, :] & active[..., None, None], tf.float32)
    area = tf.maximum(tf.reduce_sum(masks, [2, 3]), 1.0)
    colours = tf.einsum("bmhw,bhwc->bmc", masks, photo) / area[..., None]
    cover = tf.reduce_sum(masks, 1)[..., None]
    rgb = tf.einsum("bmhw,bmc->bhwc", masks, colours) / tf.maximum(cover, 1.0)
    return tf.concat([rgb, tf.minimum(cover, 1.0)], -1)


def hints_from_rgba(rgba, size):
    """Hints from drawn RGBA image(s): resized to `size` by nearest neighbour, alpha >= 0.5 counts as a hint.

    Args:
        rgba: ``(H, W, 4)`` or ``(B, H, W, 4)``, uint8 (0-255) or float in [0, 1]; transparent = no hint.
        size: the model's image size.

    Returns:
        float32 hints ``(size, size, 4)`` or ``(B, size, size, 4)`` in [0, 1], RGB 0 where not hinted.
    """
    rgba = tf.convert_to_tensor(rgba)
    rgba = tf.cast(rgba, tf.float32) / 255.0 if rgba.dtype == tf.uint8 else tf.cast(rgba, tf.float32)
    rgba = tf.image.resize(rgba, [size, size], method="nearest")
    alpha = tf.cast(rgba[..., 3:] >= 0.5, tf.float32)
    return tf.concat([tf.clip_by_value(rgba[..., :3], 0.0, 1.0) * alpha, alpha], -1)


def read_hints(path, size):
    """Read an RGBA (or grey + alpha) hints image file, as `hints_from_rgba`.

    Raises:
        DataError: the file is missing, unreadable, or has no alpha channel.

    Example:
        >>> hints = read_hints("hints.png", 128)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"hints file not found: {path}")
    try:
        image = tf.io.decode_image(tf.io.read_file(str(path)), channels=0, expand_animations=False)
    except tf.errors.OpError:
        raise DataError(f"cannot decode hints file {path} (corrupt or not a PNG/GIF/BMP)") from None
    channels = image.shape[-1]
    if channels not in (2, 4):
        raise DataError(f"hints file {path} has no alpha channel: save it as an RGBA PNG, transparent = no hint")
    if channels == 2:
        image = tf.concat([tf.repeat(image[..., :1], 3, -1), image[..., 1:]], -1)
    return hints_from_rgba(image, size).numpy()
