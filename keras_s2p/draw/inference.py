"""The draw page's model: uploaded sketch PNGs in, photo PNGs out, one at a time."""

import io
import threading

import numpy as np
import tensorflow as tf

from keras_s2p.data.images import declared_size, decode_image, resize
from keras_s2p.errors import ConfigError, DataError
from keras_s2p.hints import takes_hints
from keras_s2p.models.fold_batch_norm import fold_batch_norm
from keras_s2p.models.style import with_style

MIN_SIDE = 16
MAX_SIDE = 4096  # an upload's height and width; larger ones are refused from the header, before decoding


def check_size(contents, what):
    """Refuse image bytes whose header declares an unusable size, or that are no image Pillow knows.

    Raises:
        DataError: naming `what` and the reason.
    """
    size = declared_size(io.BytesIO(contents))
    if size is None:
        raise DataError(f"{what} is not an image (send a PNG, JPEG, BMP or GIF)")
    width, height = size
    if max(width, height) > MAX_SIDE:  # no size in the message: Pillow does not tell it for huge images
        raise DataError(f"{what} is too large: more than {MAX_SIDE} pixels a side")
    if min(width, height) < MIN_SIDE:
        raise DataError(f"{what} is {width}x{height} pixels, too small: at least {MIN_SIDE} pixels a side")


def _decode(contents, what, decoder):
    check_size(contents, what)
    try:
        return decoder(contents)
    except tf.errors.OpError:
        raise DataError(f"cannot decode {what} (corrupt, truncated or not a PNG/JPEG/BMP/GIF)") from None


def _decode_rgba(contents):
    return tf.io.decode_image(contents, channels=4, dtype=tf.float32, expand_animations=False)


class DrawModel:
    """A generator serving the draw page: batch 1, at its training size, BatchNorm folded, one call at a time.

    Args:
        generator: a generator `keras.Model` taking sketches in [-1, 1], or ``[sketch, hints]`` where hints are
            RGB colour + alpha mask in [0, 1] (colour hints); its output is a photo in [-1, 1].
        image_size: the size it runs at (uploads of any usable size are resized to it).

    Raises:
        ConfigError: the generator cannot run at `image_size` (tried once here, which also traces it, so the first
            photo request is as fast as the others).

    Example:
        >>> model = DrawModel(generator, 128)
        >>> png = model.photo_png(open("sketch.png", "rb").read())
    """

    def __init__(self, generator, image_size):
        self.image_size = image_size
        self.color_hints = takes_hints(generator)
        self._model = fold_batch_norm(generator)
        # A style model draws with the prior's mean code (keras_s2p.models.style).
        self._predict = tf.function(lambda inputs: self._model(with_style(self._model, inputs), training=False),
                                    autograph=False)
        self._lock = threading.Lock()  # one inference at a time, batch 1: requests queue here
        try:
            self.photo(tf.ones((1, image_size, image_size, 3)), self.hints(None))
        except Exception as error:  # noqa: BLE001 - Keras and TensorFlow raise many types for a bad size
            first = next(iter(str(error).strip().splitlines()), type(error).__name__)
            raise ConfigError(f"the generator cannot run at {image_size}x{image_size}: {first[:200]}") from None

    def sketch(self, contents):
        """Sketch image bytes -> float32 ``(1, S, S, 3)`` in [-1, 1], as the generator sees them.

        Raises:
            DataError: not a decodable image, or of an unusable size.
        """
        return resize(_decode(contents, "the sketch", decode_image), self.image_size)[None]

    def hints(self, contents):
        """Hint layer bytes (RGBA; alpha 0 = no hint; ``None`` = none) -> float32 ``(1, S, S, 4)`` in [0, 1]."""
        if contents is None:
            return tf.zeros((1, self.image_size, self.image_size, 4))
        hints = _decode(contents, "the colour hint layer", _decode_rgba)
        # Resized premultiplied, so the colourless transparent pixels do not darken the colours at a hint's edge.
        alpha = hints[..., 3:]
        small = tf.image.resize(tf.concat([hints[..., :3] * alpha, alpha], -1), [self.image_size] * 2, antialias=True)
        small = tf.clip_by_value(small, 0.0, 1.0)
        colour = tf.math.divide_no_nan(small[..., :3], small[..., 3:])
        return tf.concat([tf.minimum(colour, 1.0), small[..., 3:]], -1)[None]

    def photo(self, sketch, hints=None):
        """The generator's photo, float32 ``(S, S, 3)`` in [-1, 1], for prepared inputs (`sketch`, `hints`)."""
        inputs = [sketch, hints] if self.color_hints else sketch
        with self._lock:
            return self._predict(inputs)[0].numpy()

    def photo_png(self, sketch, hints=None):
        """The photo for sketch image bytes (and hint layer bytes), as PNG bytes.

        Raises:
            DataError: an input is not a decodable image, or of an unusable size.
        """
        photo = self.photo(self.sketch(sketch), self.hints(hints) if self.color_hints else None)
        pixels = np.round((np.clip(photo, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)
        return tf.io.encode_png(pixels).numpy()
