import csv

import keras
import numpy as np
import pytest

from keras_s2p.schedules import ConstantThenLinearDecay
from keras_s2p.training import train
from tiny_settings import TINY


def test_constant_then_linear_decay():
    schedule = ConstantThenLinearDecay(2e-4, constant_steps=10, decay_steps=4)
    values = [float(schedule(step)) for step in (0, 10, 12, 14, 20)]
    np.testing.assert_allclose(values, [2e-4, 2e-4, 1e-4, 0.0, 0.0], atol=1e-12)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert clone.get_config() == schedule.get_config()


@pytest.mark.parametrize("decay", [2, 0.5], ids=["epochs", "fraction"])
def test_train_decays_both_learning_rates_to_zero(tmp_path, decay):
    options = {k: v for k, v in TINY.items()}
    gan, history, run = train(None, run_dir=tmp_path / "run", epochs=4, batch_size=8, builtin_pairs=24,
                              validation_split=8, sample_every=2, lr_decay_epochs=decay, verbose=0, **options)
    assert history.history["g_lr"][:2] == pytest.approx([2e-4, 2e-4])  # the default rate, constant at first
    assert history.history["g_lr"][-1] == pytest.approx(0.0, abs=1e-12)
    assert history.history["d_lr"][-1] == pytest.approx(0.0, abs=1e-12)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)
    rows = list(csv.DictReader(open(run.history_csv)))
    assert float(rows[2]["g_lr"]) == pytest.approx(1e-4)


@pytest.mark.parametrize("decay", [5, 2.5, -1])
def test_decay_outside_training_or_fractional_epochs_is_refused(tmp_path, decay):
    from keras_s2p.errors import ConfigError

    with pytest.raises(ConfigError, match=f"lr_decay_epochs={decay} must be"):
        train(None, run_dir=tmp_path / "run", epochs=4, lr_decay_epochs=decay, **TINY)
