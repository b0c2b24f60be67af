"""The draw page's model: uploaded sketch PNGs in, photo PNGs out, one at a time; a style model's codes."""

import json
import threading

import keras
import numpy as np
import tensorflow as tf

from keras_s2p.data.images import resize
from keras_s2p.draw.upload import decode_upload
from keras_s2p.errors import ConfigError, DataError
from keras_s2p.hints import takes_hints
from keras_s2p.models.fold_batch_norm import fold_batch_norm
from keras_s2p.models.style import page_variations, style_dim_of, with_style
from keras_s2p.pixels import to_uint8


def _size_multiple(generator):
    """What the generator's height and width must divide by: 2 to the number of its strided convolutions."""
    strided = [layer for layer in generator.layers
               if isinstance(layer, keras.layers.Conv2D) and tuple(layer.strides) != (1, 1)]
    return int(np.prod([layer.strides[0] for layer in strided]))


FLOAT32_MAX = float(np.finfo(np.float32).max)
BYTES_PER_NUMBER = 32  # a style field longer than this per number of the code is refused before parsing


class DrawModel:
    """A generator serving the draw page: batch 1, at its training size, BatchNorm folded, one call at a time.

    Args:
        generator: a generator `keras.Model` taking sketches in [-1, 1], or ``[sketch, hints]`` where hints are
            RGB colour + alpha mask in [0, 1] (colour hints), and a style code last for a style model
            (`keras_s2p.models.style`); its output is a photo in [-1, 1].
        image_size: the size it runs at (uploads of any usable size are resized to it).
        style_encoder: a style model's encoder (photo -> ``[mean, log_var]``; `load_generator(...,
            style_encoder=True)`), for `encode_style`; None: no style from a photo.

    Attributes:
        style_dim: the style code's size (0: none); variations: the page's codes (`page_variations`).

    Raises:
        ConfigError: the generator cannot run at `image_size` (tried once here, which also traces it, so the first
            photo request is as fast as the others).

    Example:
        >>> model = DrawModel(generator, 128)
        >>> png = model.photo_png(open("sketch.png", "rb").read())
    """

    def __init__(self, generator, image_size, style_encoder=None):
        self.image_size = image_size
        self.color_hints = takes_hints(generator)
        self.style_dim = style_dim_of(generator)
        self.variations = page_variations(self.style_dim)
        self.style_encoder = style_encoder if self.style_dim else None
        self._model = fold_batch_norm(generator)
        self._predict = tf.function(
            lambda inputs, style: self._model(with_style(self._model, inputs, style), training=False),
            autograph=False)
        self._lock = threading.Lock()  # one inference at a time, batch 1: requests queue here
        self._decoding = threading.Lock()  # one upload decoded and resized at a time: bounds the memory
        try:
            self.photo(tf.ones((1, image_size, image_size, 3)), self.hints(None))
        except Exception:  # noqa: BLE001 - Keras and TensorFlow raise many types for a bad size
            multiple = _size_multiple(generator)
            below, above = (image_size // multiple) * multiple, (image_size // multiple + 1) * multiple
            raise ConfigError(f"the generator cannot run at {image_size}x{image_size}: it takes sizes divisible by "
                              f"{multiple} (e.g. {' or '.join(str(s) for s in (below, above) if s)})") from None

    def sketch(self, contents, what="the sketch"):
        """Sketch image bytes -> float32 ``(1, S, S, 3)`` in [-1, 1], as the generator sees them (transparency
        over white); `what` names the image in messages.

        Raises:
            DataError: not an accepted image, or of an unusable size (`keras_s2p.draw.upload.decode_upload`).
        """
        with self._decoding:
            pixels = decode_upload(contents, what, self.image_size).astype(np.float32) / 255.0
            if pixels.shape[-1] == 4:  # over white
                pixels = pixels[..., :3] * pixels[..., 3:] + (1.0 - pixels[..., 3:])
            return resize(pixels, self.image_size)[None]

    def hints(self, contents):
        """Hint layer bytes (RGBA; alpha 0 = no hint; ``None`` = none) -> float32 ``(1, S, S, 4)`` in [0, 1]."""
        if contents is None:
            return tf.zeros((1, self.image_size, self.image_size, 4))
        with self._decoding:
            hints = decode_upload(contents, "the colour hint layer", self.image_size).astype(np.float32) / 255.0
            if hints.shape[-1] == 3:
                hints = np.concatenate([hints, np.ones_like(hints[..., :1])], -1)
            # Resized premultiplied, so the colourless transparent pixels do not darken the colours at a hint's edge.
            alpha = hints[..., 3:]
            small = tf.image.resize(np.concatenate([hints[..., :3] * alpha, alpha], -1), [self.image_size] * 2,
                                    antialias=True)
        small = tf.clip_by_value(small, 0.0, 1.0)
        colour = tf.math.divide_no_nan(small[..., :3], small[..., 3:])
        return tf.concat([tf.minimum(colour, 1.0), small[..., 3:]], -1)[None]

    def style(self, contents):
        """A form's ``style`` field (JSON array text) -> float32 ``(1, style_dim)``.

        Raises:
            DataError: naming the field: the model has no style code, or the field is not a JSON array of exactly
                `style_dim` finite numbers.
        """
        if not self.style_dim:
            raise DataError("the 'style' field is for a model with a style code; this one has none (style_dim=0)")
        expected = f"a JSON array of {self.style_dim} finite numbers"
        if len(contents) > BYTES_PER_NUMBER * self.style_dim + 2:
            raise DataError(f"the 'style' field is {len(contents)} bytes, too long for {expected}")
        try:
            code = json.loads(contents, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError are ValueErrors
            raise DataError(f"the 'style' field is not {expected}: {str(error).splitlines()[0][:100]}") from None
        if not (isinstance(code, list) and len(code) == self.style_dim
                and all(map(_float32, code))):
            raise DataError(f"the 'style' field must be {expected}, got {contents[:100].decode('utf-8', 'replace')}")
        return tf.constant([code], tf.float32)

    def encode_style(self, contents):
        """The style code of a photo's image bytes (prepared as a sketch upload), the encoder's mean.

        Returns:
            list of `style_dim` floats.

        Raises:
            DataError: the model has no style code or no style encoder, or the photo is not a usable image.
        """
        if self.style_encoder is None:
            raise DataError("this model has no style code (style_dim=0)" if not self.style_dim else
                            "the model file holds no style encoder: serve the run's model.keras, not "
                            "generator.keras, for a style from a photo")
        photo = self.sketch(contents, "the style photo")
        with self._lock:
            return [float(x) for x in self.style_encoder(photo, training=False)[0][0].numpy()]

    def photo(self, sketch, hints=None, style=None):
        """The generator's photo, float32 ``(S, S, 3)`` in [-1, 1], for prepared inputs (`sketch`, `hints`, and
        `style`, ``(1, style_dim)``; None: zeros, the prior's mean)."""
        inputs = [sketch, hints] if self.color_hints else sketch
        if style is None and self.style_dim:
            style = tf.zeros((1, self.style_dim))
        with self._lock:
            return self._predict(inputs, style)[0].numpy()

    def photo_png(self, sketch, hints=None, style=None):
        """The photo for sketch image bytes (and hint layer bytes, and a ``style`` field's JSON bytes), as PNG
        bytes.

        Raises:
            DataError: an input is not a decodable image, or of an unusable size; a bad style field (`style`).
        """
        code = None if style is None else self.style(style)
        photo = self.photo(self.sketch(sketch), self.hints(hints) if self.color_hints else None, code)
        return tf.io.encode_png(to_uint8(np.asarray(photo))).numpy()


def _float32(x):
    """Whether `x` (parsed JSON) is a number that is finite in float32."""
    try:
        return type(x) in (int, float) and abs(float(x)) <= FLOAT32_MAX
    except OverflowError:  # an int too large for a float
        return False


def _refuse_constant(name):
    raise ValueError(f"{name} is not a finite number")
