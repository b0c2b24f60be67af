"""`OptimizerPair`: the GAN's ``model.optimizer``, one learning rate in front of the generator's and the critic's."""

import keras


def _rate(optimizer):
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class OptimizerPair:
    """``model.optimizer`` of `SketchToPhotoGAN`: its learning rate moves both optimizers, at a fixed ratio.

    Keras' `LearningRateScheduler` and `ReduceLROnPlateau` read and set ``model.optimizer.learning_rate``, and
    log it as ``learning_rate``. Reading gives the generator's rate; setting it to ``r`` sets the generator's
    rate to ``r`` and the critic's to ``r`` times their ratio before the change (the last known ratio when the
    generator's rate is 0). Every other attribute (``iterations``, ``use_ema``, the EMA weights that
    `keras.callbacks.SwapEMAWeights` swaps, ...) is the generator optimizer's.

    Args:
        generator_optimizer: the generator's optimizer.
        critic_optimizer: the critic's optimizer.

    Raises:
        TypeError: (on setting the rate) an optimizer was created with a `LearningRateSchedule`, which already
            sets its rate at every step; Keras' own message, and neither rate changes.

    Example:
        >>> gan.compile(g_optimizer=keras.optimizers.Adam(1e-4), d_optimizer=keras.optimizers.Adam(4e-4))
        >>> gan.optimizer.learning_rate = 5e-5           # what LearningRateScheduler does
        >>> float(gan.d_optimizer.learning_rate)
        0.0002
    """

    def __init__(self, generator_optimizer, critic_optimizer):
        self.generator_optimizer = generator_optimizer
        self.critic_optimizer = critic_optimizer
        self._ratio = 1.0

    @property
    def learning_rate(self):
        return self.generator_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        generator_rate, critic_rate = _rate(self.generator_optimizer), _rate(self.critic_optimizer)
        if generator_rate:
            self._ratio = critic_rate / generator_rate
        self.critic_optimizer.learning_rate = float(value) * self._ratio
        try:
            self.generator_optimizer.learning_rate = value
        except TypeError:
            self.critic_optimizer.learning_rate = critic_rate
            raise

    def __getattr__(self, name):  # only for attributes not found above
        if name.startswith("__") or name in ("generator_optimizer", "critic_optimizer"):
            raise AttributeError(name)
        return getattr(self.generator_optimizer, name)
