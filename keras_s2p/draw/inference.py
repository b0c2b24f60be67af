"""The draw page's model: uploaded sketch PNGs in, photo PNGs out, one at a time."""

import threading

import keras
import numpy as np
import tensorflow as tf

from keras_s2p.data.images import resize
from keras_s2p.draw.upload import decode_upload
from keras_s2p.errors import ConfigError
from keras_s2p.hints import takes_hints
from keras_s2p.models.fold_batch_norm import fold_batch_norm
from keras_s2p.models.style import with_style
from keras_s2p.pixels import to_uint8


def _size_multiple(generator):
    """What the generator's height and width must divide by: 2 to the number of its strided convolutions."""
    strided = [layer for layer in generator.layers
               if isinstance(layer, keras.layers.Conv2D) and tuple(layer.strides) != (1, 1)]
    return int(np.prod([layer.strides[0] for layer in strided]))


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
        self._decoding = threading.Lock()  # one upload decoded and resized at a time: bounds the memory
        try:
            self.photo(tf.ones((1, image_size, image_size, 3)), self.hints(None))
        except Exception:  # noqa: BLE001 - Keras and TensorFlow raise many types for a bad size
            multiple = _size_multiple(generator)
            below, above = (image_size // multiple) * multiple, (image_size // multiple + 1) * multiple
            raise ConfigError(f"the generator cannot run at {image_size}x{image_size}: it takes sizes divisible by "
                              f"{multiple} (e.g. {' or '.join(str(s) for s in (below, above) if s)})") from None

    def sketch(self, contents):
        """Sketch image bytes -> float32 ``(1, S, S, 3)`` in [-1, 1], as the generator sees them.

        Raises:
            DataError: not an accepted image, or of an unusable size (`keras_s2p.draw.upload.decode_upload`).
        """
        with self._decoding:
            pixels = decode_upload(contents, "the sketch", self.image_size).astype(np.float32) / 255.0
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
        return tf.io.encode_png(to_uint8(np.asarray(photo))).numpy()
