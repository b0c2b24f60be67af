"""`BothOptimizersSchedule`: an epoch-wise learning-rate schedule for the generator AND the critic."""

import keras

from keras_s2p.callbacks._optimizers import gan_optimizers
from keras_s2p.errors import ConfigError


class BothOptimizersSchedule(keras.callbacks.Callback):
    """Like `keras.callbacks.LearningRateScheduler`, but for both GAN optimizers.

    `LearningRateScheduler` only changes ``model.optimizer``, which for `SketchToPhotoGAN` is the generator's;
    this callback applies ``schedule(epoch, lr)`` to ``g_optimizer`` and ``d_optimizer`` at the start of each
    epoch, each with its own current rate (so one decay function keeps their ratio).

    Args:
        schedule: ``schedule(epoch, lr) -> new lr``; `epoch` is 0-based.
        verbose: print the new rates.

    Raises:
        ConfigError: (at the first epoch) an optimizer was created with a `keras.optimizers.schedules` object,
            which already sets its rate every step; use one or the other.

    Example:
        >>> halve_every_100 = lambda epoch, lr: lr * 0.5 if epoch and epoch % 100 == 0 else lr
        >>> gan.fit(ds, epochs=300, callbacks=[BothOptimizersSchedule(halve_every_100)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        for name, optimizer in gan_optimizers(self.model).items():
            current = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
            new = float(self.schedule(epoch, current))
            try:
                optimizer.learning_rate = new
            except TypeError:  # Keras refuses to overwrite a LearningRateSchedule
                raise ConfigError(
                    f"the {name[0]}_optimizer learning rate is a LearningRateSchedule; "
                    "BothOptimizersSchedule cannot also set it"
                ) from None
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {name} = {new:g}")
