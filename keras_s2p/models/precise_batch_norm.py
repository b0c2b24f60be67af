"""Precise BatchNorm (Wu & Johnson 2021): recompute a model's BatchNorm population statistics with its weights.

Training leaves exponential moving averages of batch statistics computed with weights that have since moved; a GAN
generator's weights move fast, and inference with those stale averages can be far worse than the network is
(measured on edges2shoes: L1 0.437 with the moving averages, 0.090 after recalibrating). `recalibrate` replaces
them with the exact mean over a number of batches of the statistics each BatchNorm layer sees in training mode;
`RecalibrateBatchNorm` does so during ``fit`` whenever the inference-mode generator is about to be used.
"""

import weakref

import keras
import numpy as np
import tensorflow as tf

from keras_s2p.errors import ConfigError
from keras_s2p.hints import no_hints, sample_hints, takes_hints
from keras_s2p.models.style import style_dim_of, with_style

CALIBRATION_BATCHES = 50  # batches averaged per recalibration (training recalibrates from this many)
# model -> its traced probe: recalibrating every epoch traces the forward pass once per model, not every time.
_PROBES = weakref.WeakKeyDictionary()


def batch_norm_layers(model):
    """The `keras.layers.BatchNormalization` layers of a functional `model`, in graph order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate(model, inputs, batches=CALIBRATION_BATCHES):
    """Set every BatchNorm layer's moving mean and variance to its population statistics under the current weights.

    Each batch runs through `model` in training mode (so every layer sees what it sees in training); the per-layer
    batch means and mean squares are averaged over the batches, weighted by batch size, giving the exact mean
    and variance over all the images seen. A model without BatchNorm is left unchanged.

    Args:
        model: a functional `keras.Model` (e.g. ``SketchToPhotoGAN.generator``).
        inputs: an iterable of input batches (a `tf.data.Dataset` of ``(sketch, photo)`` or of sketches, or
            numpy arrays), float in [-1, 1]. A colour-hint generator gets hints drawn from the photos as in
            training (`keras_s2p.hints.sample_hints`), none without photos, or the batch's own
            ``((sketch, hints), photo)``.
        batches: how many batches to use at most.

    Returns:
        int: the number of images the statistics were computed from (0 for a model without BatchNorm).

    Raises:
        ConfigError: `batches` < 1, or `inputs` yields no batch.

    Example:
        >>> recalibrate(gan.generator, train_ds, batches=50)
    """
    if not isinstance(batches, int) or batches < 1:
        raise ConfigError(f"batches={batches!r} must be an integer >= 1")
    norms = batch_norm_layers(model)
    if not norms:
        return 0
    probe = _probe(model, norms)
    sums = [None] * len(norms)
    count = 0
    for i, batch in enumerate(_iterate(inputs)):
        if i == batches:
            break
        feed = _model_inputs(model, batch, i)
        seen = probe(feed, training=True)
        seen = seen if isinstance(seen, (list, tuple)) else [seen]
        n = int(tf.shape(tf.nest.flatten(feed)[0])[0])
        for j, x in enumerate(seen):
            x = tf.cast(x, tf.float32)
            axes = list(range(len(x.shape) - 1))
            moments = np.stack([tf.reduce_mean(x, axes).numpy(), tf.reduce_mean(x * x, axes).numpy()]) * n
            sums[j] = moments if sums[j] is None else sums[j] + moments
        count += n
    if not count:
        raise ConfigError("recalibrate got no batches from its inputs")
    for layer, total in zip(norms, sums):
        mean, mean_square = total / count
        layer.moving_mean.assign(mean.astype(layer.moving_mean.dtype))
        layer.moving_variance.assign(np.maximum(mean_square - mean**2, 0.0).astype(layer.moving_variance.dtype))
    return count


class RecalibrateBatchNorm(keras.callbacks.Callback):
    """Recompute the generator's BatchNorm statistics whenever its inference-mode output is about to be used.

    During ``fit`` it recalibrates (`keras_s2p.models.precise_batch_norm.recalibrate`) before each validation
    (``on_test_begin``) and at the end of every epoch whose weights have not been recalibrated yet, so callbacks
    after it in the list (sample grids, checkpoints, backups) and the files saved after ``fit`` see statistics
    that match the final weights. Does nothing for a generator without BatchNorm.

    Args:
        dataset: training batches of ``(sketch, photo)`` or sketches (preferably a fixed, unaugmented sample:
            iterating the training pipeline itself would advance its shuffling).
        batches: batches averaged per recalibration.

    Example:
        >>> gan.fit(train_ds, validation_data=val_ds, callbacks=[RecalibrateBatchNorm(calib_ds), SampleGrid(...)])
    """

    def __init__(self, dataset, batches=CALIBRATION_BATCHES):
        super().__init__()
        self.dataset = dataset
        self.batches = batches
        self._stale = False

    def _generator(self):
        return getattr(self.model, "generator", self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self._stale = bool(batch_norm_layers(self._generator()))

    def on_test_begin(self, logs=None):
        self._recalibrate()

    def on_epoch_end(self, epoch, logs=None):
        self._recalibrate()

    def _recalibrate(self):
        if self._stale:
            recalibrate(self._generator(), self.dataset, self.batches)
            self._stale = False


def calibration_batches(x, batch_size=None):
    """What `SketchToPhotoGAN.fit` recalibrates from when given no `RecalibrateBatchNorm`: its own training data.

    A dataset (or any iterable of batches) is used as is; arrays are cut into batches of `batch_size` (Keras'
    default 32).
    """
    if isinstance(x, np.ndarray):
        size = batch_size or 32
        return [x[i:i + size] for i in range(0, len(x), size)]
    return x


def _model_inputs(model, batch, index):
    """What `model` takes for `batch` (the `index`-th): the sketches, or for a colour-hint model [sketch, hints];
    a style model also takes random codes from the prior, as half of each training batch does."""
    x = batch[0] if isinstance(batch, (tuple, list)) else batch
    if takes_hints(model) and not isinstance(x, (tuple, list)):
        photo = batch[1] if isinstance(batch, (tuple, list)) and len(batch) > 1 else None
        x = [x, no_hints(x) if photo is None else sample_hints(photo, tf.constant([0, index], tf.int64))[1]]
    dim = style_dim_of(model)
    if not dim:
        return x
    sketch = x[0] if isinstance(x, (tuple, list)) else x
    codes = tf.random.stateless_normal([tf.shape(sketch)[0], dim], tf.constant([1, index], tf.int64))
    return with_style(model, x, codes)


def _probe(model, norms):
    """A traced function returning the input of each of `norms` (the BatchNorm layers of `model`)."""
    if model not in _PROBES:
        probe = keras.Model(model.inputs, [layer.input for layer in norms])
        _PROBES[model] = tf.function(probe, reduce_retracing=True)
    return _PROBES[model]


def _iterate(inputs):
    if isinstance(inputs, np.ndarray):
        return iter([inputs])
    return iter(inputs)
