"""`LearningRateLogger`: both GAN learning rates in the epoch logs."""

import keras

from keras_s2p.callbacks._optimizers import gan_optimizers


class LearningRateLogger(keras.callbacks.Callback):
    """Adds ``g_lr`` and ``d_lr`` (the current learning rates) to the logs at the end of every epoch.

    Keras passes one logs dict through the callback list in order, so callbacks placed AFTER this one
    (`keras.callbacks.TensorBoard`, `CSVLogger`, and the `History` that ``fit`` appends last) record both rates.
    Put it first in the list, as `default_callbacks` does. Works with `keras.optimizers.schedules` learning
    rates (the value logged is the schedule's value at the optimizer's current step).

    Example:
        >>> gan.fit(ds, callbacks=[LearningRateLogger(), keras.callbacks.TensorBoard("logs/run/tensorboard")])
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for name, optimizer in gan_optimizers(self.model).items():
            logs[name] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
