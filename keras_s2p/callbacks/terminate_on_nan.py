"""`TerminateOnNaN` for GANs, whose logs have no ``loss`` key."""

import math

import keras
import numpy as np

from keras_s2p.errors import S2PError
from keras_s2p.metrics import LOSS_TOTALS, TRAIN_METRICS

# The loss terms first, so the message names the term that went wrong rather than only the total it feeds.
GAN_LOSSES = (*(name for name in TRAIN_METRICS if name not in LOSS_TOTALS), *LOSS_TOTALS)


class TrainingDivergedError(S2PError, RuntimeError):
    """A loss became NaN or infinite."""


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Stops training as soon as a monitored loss is NaN or infinite, or the weights are.

    Keras' own `TerminateOnNaN` only looks at ``logs["loss"]`` (``d_loss + g_loss`` for `SketchToPhotoGAN`) and
    says no more than that. This one checks every training metric (`keras_s2p.metrics.TRAIN_METRICS`: the
    loss terms first, then the totals ``d_loss``/``g_loss``) after every batch, and names the
    first non-finite term, the epoch, the batch and the generator step. At the end of each epoch, before the
    checkpoint and backup callbacks (it comes first in `default_callbacks`), it also checks that every weight
    is finite: an overflowing last step can leave NaN weights behind finite logged losses.

    By default it raises `TrainingDivergedError` at once rather than setting ``stop_training``: a graceful stop
    still runs the epoch-end callbacks, which would write the NaN weights into the periodic checkpoint and the
    `BackupAndRestore` backup, whereas raising keeps the backup and checkpoints of the last good epoch.

    Args:
        monitor: the log keys to check (those absent from the logs are skipped).
        raise_error: raise `TrainingDivergedError` (default) instead of stopping gracefully.
        check_weights: also check the weights at each epoch end.
    """

    def __init__(self, monitor=GAN_LOSSES, raise_error=True, check_weights=True):
        super().__init__()  # Keras before 3.13 takes no raise_error; this class decides what raising means anyway
        self.raise_error = raise_error
        self.monitor = tuple(monitor)
        self.check_weights = check_weights
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _step(self):
        optimizer = getattr(self.model, "g_optimizer", None) or getattr(self.model, "optimizer", None)
        try:
            return f", generator step {int(keras.ops.convert_to_numpy(optimizer.iterations))}"
        except (AttributeError, TypeError, ValueError):
            return ""

    def _stop(self, where):
        message = f"{where}: training diverged; the checkpoints and backup of the last good epoch are kept"
        if self.raise_error:
            raise TrainingDivergedError(message)
        print(f"\n{where}: terminating training")
        self.model.stop_training = True

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        bad = [(name, float(logs[name])) for name in self.monitor
               if logs.get(name) is not None and not math.isfinite(float(logs[name]))]
        if bad:
            name, value = bad[0]
            also = f" (also non-finite: {', '.join(n for n, _ in bad[1:])})" if len(bad) > 1 else ""
            self._stop(f"{name} became {value} in epoch {self._epoch + 1}, batch {batch + 1}{self._step()}{also}")

    def on_epoch_end(self, epoch, logs=None):
        if not self.check_weights:
            return
        networks = [(name, getattr(self.model, name, None)) for name in ("generator", "critic")]
        networks = [(f"{name} ", net) for name, net in networks if net is not None] or [("", self.model)]
        for prefix, network in networks:
            for variable in network.weights:
                if not np.isfinite(keras.ops.convert_to_numpy(variable)).all():
                    self._stop(f"{prefix}weight {variable.path} became non-finite in epoch {epoch + 1}{self._step()}")
                    return
