"""Learning-rate schedules driven by the optimizer's own step counter, so a resumed run continues them exactly."""

import keras
from keras import ops


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
