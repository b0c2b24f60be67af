"""`TerminateOnNaN` for GANs, whose logs have no ``loss`` key."""

import math

import keras

from keras_s2p.errors import S2PError


class TrainingDivergedError(S2PError, RuntimeError):
    """A loss became NaN or infinite."""


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Stops training as soon as a monitored loss is NaN or infinite.

    Keras' own `TerminateOnNaN` only looks at ``logs["loss"]``, which `SketchToPhotoGAN` does not report, so
    with this model it never fires. This one checks ``d_loss`` and ``g_loss``. By default it raises
    `TrainingDivergedError` at once rather than setting ``stop_training``: a graceful stop still runs the
    epoch-end callbacks, which would write the NaN weights into the periodic checkpoint and the
    `BackupAndRestore` backup, whereas raising keeps the backup of the last good epoch.

    Args:
        monitor: the log keys to check.
        raise_error: raise `TrainingDivergedError` (default) instead of stopping gracefully.
    """

    def __init__(self, monitor=("d_loss", "g_loss"), raise_error=True):
        super().__init__(raise_error=raise_error)
        self.monitor = tuple(monitor)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        for name in self.monitor:
            value = (logs or {}).get(name)
            if value is not None and not math.isfinite(float(value)):
                where = f"{name} became {float(value)} in epoch {self._epoch + 1}, batch {batch + 1}"
                if self.raise_error:
                    raise TrainingDivergedError(f"{where}: training diverged")
                print(f"\n{where}: terminating training")
                self.model.stop_training = True
                return
