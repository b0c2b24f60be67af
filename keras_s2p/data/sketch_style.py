"""Sketch-style augmentation: vary how the training sketches are drawn, so a model is less tied to one artist.

Users rarely draw like the training artist: lines are thicker or thinner, fainter or harder, crisper or softer,
and never exactly where the photo's edges are. Each training sketch (never the photo) gets, independently and
with probability `SKETCH_STYLE_P` each: a line-thickness change (3x3 min or max filter: dark lines thicken or
thin), a contrast and brightness change, a blur, and a small smooth warp. All draws come from one stateless
seed, so the pipeline stays reproducible and resumable.
"""

import tensorflow as tf

SKETCH_STYLE_P = 0.5  # probability of each change
CONTRAST_RANGE = (0.6, 1.4)
BRIGHTNESS_RANGE = (-0.15, 0.15)  # in [-1, 1] units
WARP_PIXELS = 1.5  # largest displacement of the smooth warp
WARP_GRID = 4  # the warp's displacement field is drawn on a WARP_GRID x WARP_GRID grid and upsampled


def restyle_sketch(sketch, key):
    """A restyled copy of one sketch ``(H, W, C)`` in [-1, 1] (dark lines on light paper), seeded by `key` [2]."""
    keys = tf.unstack(tf.random.experimental.stateless_split(key, 8))
    draw = [tf.random.stateless_uniform([], seed=k) < SKETCH_STYLE_P for k in keys[:4]]
    x = sketch[None]
    thicker = tf.random.stateless_uniform([], seed=keys[4]) < 0.5
    pooled = tf.where(thicker, -tf.nn.max_pool2d(-x, 3, 1, "SAME"), tf.nn.max_pool2d(x, 3, 1, "SAME"))
    x = tf.where(draw[0], pooled, x)
    contrast = tf.random.stateless_uniform([], keys[5], *CONTRAST_RANGE)
    brightness = tf.random.stateless_uniform([], keys[7], *BRIGHTNESS_RANGE)
    x = tf.where(draw[1], tf.clip_by_value(x * contrast + brightness, -1.0, 1.0), x)
    x = tf.where(draw[2], tf.nn.avg_pool2d(x, 3, 1, "SAME"), x)
    x = tf.where(draw[3], _warp(x, keys[6]), x)
    return x[0]


def _warp(images, key):
    """Bilinear resampling of `images` (1, H, W, C) along a smooth random displacement field."""
    shape = tf.shape(images)
    height, width = shape[1], shape[2]
    coarse = tf.random.stateless_uniform([1, WARP_GRID, WARP_GRID, 2], key, -WARP_PIXELS, WARP_PIXELS)
    flow = tf.image.resize(coarse, [height, width], method="bicubic")[0]
    ys, xs = tf.meshgrid(tf.range(height, dtype=tf.float32), tf.range(width, dtype=tf.float32), indexing="ij")
    y = tf.clip_by_value(ys + flow[..., 0], 0.0, tf.cast(height - 1, tf.float32))
    x = tf.clip_by_value(xs + flow[..., 1], 0.0, tf.cast(width - 1, tf.float32))
    y0, x0 = tf.floor(y), tf.floor(x)
    wy, wx = (y - y0)[..., None], (x - x0)[..., None]
    y0, x0 = tf.cast(y0, tf.int32), tf.cast(x0, tf.int32)
    y1, x1 = tf.minimum(y0 + 1, height - 1), tf.minimum(x0 + 1, width - 1)
    img = images[0]

    def at(yy, xx):
        return tf.gather_nd(img, tf.stack([yy, xx], axis=-1))

    top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
    bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
    return (top * (1 - wy) + bottom * wy)[None]
