import keras
import pytest

from keras_s2p.models.optimizer_pair import OptimizerPair


def test_setting_the_rate_keeps_the_critic_at_its_ratio():
    pair = OptimizerPair(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(4e-4))
    pair.learning_rate = 5e-5
    assert float(pair.learning_rate) == pytest.approx(5e-5)
    assert float(pair.critic_optimizer.learning_rate) == pytest.approx(2e-4)
    pair.learning_rate = 0.0
    pair.learning_rate = 1e-3  # the ratio survives a zero generator rate
    assert float(pair.critic_optimizer.learning_rate) == pytest.approx(4e-3)
    assert pair.iterations is pair.generator_optimizer.iterations  # everything else is the generator's


def test_a_schedule_refuses_and_neither_rate_changes():
    schedule = keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=1, decay_rate=0.5)
    pair = OptimizerPair(keras.optimizers.Adam(schedule), keras.optimizers.Adam(4e-4))
    with pytest.raises(TypeError):
        pair.learning_rate = 1e-5
    assert float(pair.critic_optimizer.learning_rate) == pytest.approx(4e-4)
