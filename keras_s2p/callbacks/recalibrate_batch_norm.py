"""`RecalibrateBatchNorm`: precise BatchNorm statistics before every validation, sample grid and save."""

import keras

from keras_s2p.models.precise_batch_norm import batch_norm_layers, recalibrate


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

    def __init__(self, dataset, batches=50):
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
