"""`ResumeDataRandomness`: a resumed run's data pipeline draws what an uninterrupted run's would."""

import warnings

import keras

ITERATORS_PER_EPOCH = 2  # dataset iterators Keras' fit() creates per epoch (one read, one at the end)


class ResumeDataRandomness(keras.callbacks.Callback):
    """On resume, advances `dataset`'s per-epoch shuffle and augmentation randomness.

    The pipeline reshuffles and re-draws its augmentation at each new iterator, from seed generators that a new
    process starts at epoch 0. Keras 3.15's ``fit`` creates `ITERATORS_PER_EPOCH` iterators per epoch (measured;
    ``tests/test_reliability_resume.py`` fails if that changes). Creating and dropping as many iterators as the
    completed epochs used (cheap: no element is read) makes the resumed epoch ``k`` see the same order and crops
    as epoch ``k`` of an uninterrupted run. An endless stream (steps per epoch) built to skip `skipped_epochs`
    epochs is only checked: a fallback to an older backup warns that the data order then differs.

    Args:
        dataset: the training dataset given to ``fit``.
        backup: the run's `SafeBackupAndRestore`, whose ``restored_epoch`` this reads; place this callback after it.
        skipped_epochs: for an endless stream, the epochs it already skipped; None for a per-epoch dataset.
    """

    def __init__(self, dataset, backup, skipped_epochs=None):
        super().__init__()
        self.dataset, self.backup, self.skipped_epochs = dataset, backup, skipped_epochs

    def on_train_begin(self, logs=None):
        restored = self.backup.restored_epoch or 0
        if self.skipped_epochs is not None:
            if restored != self.skipped_epochs:
                warnings.warn(f"resuming at epoch {restored}, but the data stream skipped {self.skipped_epochs} "
                              f"epochs: batch order differs from an uninterrupted run", stacklevel=2)
            return
        for _ in range(ITERATORS_PER_EPOCH * (self.backup.restored_epoch or 0)):
            iter(self.dataset)
