"""Learning-rate schedules driven by the optimizer's own step counter, so a resumed run continues them exactly."""

import keras
from keras import ops

from keras_s2p.errors import ConfigError


@keras.saving.register_keras_serializable(package="keras_s2p")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """pix2pix's schedule: `initial_learning_rate` for `constant_steps`, then linear decay to 0 over `decay_steps`.

    Args:
        initial_learning_rate: the rate of the constant phase.
        constant_steps: optimizer steps before the decay starts.
        decay_steps: optimizer steps over which the rate falls linearly to 0.

    Example:
        >>> g_lr = ConstantThenLinearDecay(2e-4, constant_steps=100 * steps, decay_steps=100 * steps)
        >>> d_lr = ConstantThenLinearDecay(2e-4, 100 * steps * critic_steps, 100 * steps * critic_steps)
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps):
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = int(constant_steps)
        self.decay_steps = max(int(decay_steps), 1)

    def __call__(self, step):
        progress = (ops.cast(step, "float32") - self.constant_steps) / self.decay_steps
        return self.initial_learning_rate * (1.0 - ops.clip(progress, 0.0, 1.0))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "constant_steps": self.constant_steps,
                "decay_steps": self.decay_steps}


def whole_decay_epochs(lr_decay_epochs, epochs):
    """`lr_decay_epochs` as a whole number of epochs (a fraction of `epochs` when between 0 and 1).

    Raises:
        ConfigError: not a whole number of epochs between 0 and `epochs`, nor a fraction between 0 and 1.
    """
    decay_epochs = round(lr_decay_epochs * epochs) if 0 < lr_decay_epochs < 1 else lr_decay_epochs
    if not (0 <= decay_epochs <= epochs and float(decay_epochs).is_integer()):
        raise ConfigError(f"lr_decay_epochs={lr_decay_epochs} must be a whole number of epochs between 0 and "
                          f"epochs={epochs}, or a fraction between 0 and 1")
    return decay_epochs


def decaying_rates(g_learning_rate, d_learning_rate, epochs, decay_epochs, steps, critic_steps):
    """Both rates as `ConstantThenLinearDecay`: constant, then falling linearly to 0 over the last `decay_epochs`
    of `steps` batches each (counted in each optimizer's own steps: the critic takes `critic_steps` per generator
    step); constant throughout when it is 0.

    Raises:
        ConfigError: `steps` is not a known, positive number of batches.
    """
    if steps < 1:
        raise ConfigError("training needs a dataset of known length (for the learning-rate schedule)")
    return tuple(ConstantThenLinearDecay(rate, (epochs - decay_epochs) * steps * k, decay_epochs * steps * k)
                 for rate, k in ((g_learning_rate, 1), (d_learning_rate, critic_steps)))
