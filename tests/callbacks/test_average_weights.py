"""`ema_momentum`: validation, samples and saved models use the generator's moving averages; resume stays exact."""

import json

import h5py
import keras
import numpy as np
import pytest

from keras_s2p.data.run_data import data_loader
from keras_s2p.errors import ConfigError
from keras_s2p.evaluation import evaluate_generator
from keras_s2p.training import train

TINY = dict(image_size=32, batch_size=4, builtin_pairs=24, validation_split=4, base_filters=4, num_res_blocks=1,
            critic_filters=4, critic_layers=2, critic_steps=1, perceptual_weight=0.0, precision="float32",
            lr_decay_epochs=0, verbose=0, deterministic=True, ema_momentum=0.5)


def backup_weights(run):
    with h5py.File(run.path / "backup" / "latest.weights.h5") as f:
        arrays = {}
        f.visititems(lambda name, obj: arrays.setdefault(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    """``train(epochs=2, **TINY)`` run once for the tests that only read it: (gan, history, run)."""
    return train(None, run_dir=tmp_path_factory.mktemp("whole") / "run", epochs=2, **TINY)


def test_validation_and_the_saved_generator_use_the_averages(two_epochs):
    gan, history, run = two_epochs
    saved = keras.saving.load_model(run.generator_path)
    split = dict(image_size=32, batch_size=4, validation_split=4, seed=0, drop_remainder=False)
    (_, val), _ = data_loader(None, None, 24, split)(augment=False)
    scores = evaluate_generator(saved, val)
    assert scores["l1"] == pytest.approx(history.history["val_l1"][-1], rel=1e-5)
    # The averages, not the raw weights: the backup keeps the raw weights, which differ from the saved ones.
    raw = backup_weights(run)
    kernel = saved.trainable_weights[0].numpy()
    assert not any(a.shape == kernel.shape and np.allclose(a, kernel) for a in raw.values())
    assert json.loads((run.path / "config.json").read_text())["hyperparameters"]["ema_momentum"] == 0.5


def test_a_rerun_with_more_epochs_continues_exactly(two_epochs, tmp_path):
    whole = two_epochs[2]
    train(None, run_dir=tmp_path / "part", epochs=1, **TINY)
    _, _, part = train(None, run_dir=tmp_path / "part", epochs=2, **TINY)
    a, b = backup_weights(whole), backup_weights(part)
    assert a.keys() == b.keys() and a
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_ema_momentum_out_of_range_and_changed_on_resume_are_one_line_errors(two_epochs, tmp_path):
    with pytest.raises(ConfigError, match="ema_momentum=1.0"):
        train(None, run_dir=tmp_path / "bad", epochs=1, **{**TINY, "ema_momentum": 1.0})
    # Refused before the run folder is written: the shared run stays as it was.
    with pytest.raises(ConfigError, match="ema_momentum 0.5 -> 0.0"):
        train(None, run_dir=two_epochs[2].path, epochs=3, **{**TINY, "ema_momentum": 0.0})
