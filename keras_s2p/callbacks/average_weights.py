"""`AverageWeights`: the generator's moving averages in the model wherever the run uses it, never in its backup."""

import keras


class AverageWeights(keras.callbacks.Callback):
    """Validation, sample grids and checkpoints see the generator optimizer's moving averages (``use_ema=True``).

    Keras' `SwapEMAWeights` with ``swap_on_epoch=True`` keeps the averages in the model from each epoch's end to
    the next epoch's start, so a backup written at the epoch end would hold the averages as weights and the raw
    weights as averages, and a resumed run would train on from the averages. Here they go in for validation
    (``on_test_begin``, out again at ``on_test_end``) and at the epoch end, and `done`, a second callback placed
    just before the backup, takes them out: the backup holds the raw weights and their averages, as training has
    them. Place this before `RecalibrateBatchNorm`, which then recalibrates BatchNorm for the averages.

    Example:
        >>> average = AverageWeights()
        >>> gan.fit(ds, validation_data=val, callbacks=[average, RecalibrateBatchNorm(cal), SampleGrid(...),
        ...                                              average.done, keras.callbacks.BackupAndRestore(...)])
    """

    def __init__(self):
        super().__init__()
        self._swap = keras.callbacks.SwapEMAWeights()
        self._in_model = False
        self.done = _TakeOut(self)

    def set_model(self, model):
        super().set_model(model)
        self._swap.set_model(model)

    def put(self, averages):
        """Put the averages in the model (``True``) or the raw weights back (``False``)."""
        if self._in_model != averages:
            self._swap._swap_variables()  # Keras' own swap: in place, under any distribution strategy
            self._in_model = averages

    def on_test_begin(self, logs=None):
        self.put(True)

    def on_test_end(self, logs=None):
        self.put(False)

    def on_epoch_end(self, epoch, logs=None):
        self.put(True)


class _TakeOut(keras.callbacks.Callback):
    def __init__(self, average):
        super().__init__()
        self.average = average

    def on_epoch_end(self, epoch, logs=None):
        self.average.put(False)
