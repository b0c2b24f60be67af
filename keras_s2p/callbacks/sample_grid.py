"""`SampleGrid`: a PNG (and TensorBoard image) of sketch | generated | real for fixed examples."""

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_s2p import pixels
from keras_s2p.atomic import atomic_write_bytes
from keras_s2p.errors import ConfigError


def to_uint8(images):
    """Float images in [-1, 1] -> uint8 in [0, 255]; one channel is repeated to RGB."""
    images = np.asarray(images, dtype="float32")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    return pixels.to_uint8(images)


def make_grid(sketches, generated, photos):
    """One row per example: sketch | generated | photo, as a uint8 array ``(n * H, 3 * W, 3)``."""
    rows = [np.concatenate(triple, axis=1) for triple in zip(*(to_uint8(x) for x in (sketches, generated, photos)))]
    return np.concatenate(rows, axis=0)


class SampleGrid(keras.callbacks.Callback):
    """Every `every` epochs, draws the generator's photos for fixed sketches next to the real ones.

    Writes ``<log_dir>/samples/epoch_XXXX.png`` (1-based epoch: the 10th epoch gives ``epoch_0010.png``), one row
    per example: sketch | generated (``training=False``) | real photo. With `tensorboard_dir` the same grid is
    logged as image ``samples`` to ``<tensorboard_dir>/samples``, at the step Keras' `TensorBoard` callback
    uses for that epoch's scalars (the 0-based epoch), so ``tensorboard --logdir <tensorboard_dir>`` shows it.

    Args:
        sketches: float array ``(n, H, W, C)`` in [-1, 1], a few validation sketches (kept small: the grid has
            one row each).
        photos: the matching real photos, same shape.
        log_dir: the run folder.
        every: epochs between grids.
        tensorboard_dir: the `TensorBoard` callback's ``log_dir``, or ``None``.

    Raises:
        ConfigError: sketches and photos differ in shape, are not a batch of images, or `every` < 1.

    Example:
        >>> gan.fit(ds, epochs=100, callbacks=[SampleGrid(val_sketches[:4], val_photos[:4], "logs/run")])
    """

    def __init__(self, sketches, photos, log_dir, every=10, tensorboard_dir=None):
        super().__init__()
        self.sketches = np.asarray(sketches, dtype="float32")
        self.photos = np.asarray(photos, dtype="float32")
        if self.sketches.ndim != 4 or self.sketches.shape[:3] != self.photos.shape[:3] or not len(self.sketches):
            raise ConfigError(
                f"SampleGrid needs matching (n, H, W, C) sketches and photos, got {self.sketches.shape} "
                f"and {self.photos.shape}"
            )
        if every < 1:
            raise ConfigError(f"SampleGrid every={every!r} must be >= 1")
        self.samples_dir = Path(log_dir) / "samples"
        self.every = int(every)
        self.tensorboard_dir = tensorboard_dir
        self._writer = None

    def grid(self):
        """The current grid as a uint8 array ``(n * H, 3 * W, 3)``."""
        generated = keras.ops.convert_to_numpy(self.model(self.sketches, training=False))
        return make_grid(self.sketches, generated, self.photos)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        grid = self.grid()
        atomic_write_bytes(self.samples_dir / f"epoch_{epoch + 1:04d}.png", tf.io.encode_png(grid).numpy())
        if self.tensorboard_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(Path(self.tensorboard_dir) / "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid[None], step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
