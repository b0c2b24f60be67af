"""Reliability, items 2-4: interrupted saves, damaged backups, divergence, faults before training."""

import csv
import hashlib
import json
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_s2p.atomic
import keras_s2p.callbacks.checkpoints
from cli_runner import main_one_line_error
from keras_s2p import runs
from keras_s2p.callbacks import TerminateOnNaN, TrainingDivergedError, default_callbacks
from keras_s2p.callbacks.checkpoints import BackupError
from keras_s2p.losses import wasserstein_gradient_penalty
from keras_s2p.models.gan import SketchToPhotoGAN
from keras_s2p.runs import RunFolder, RunFolderError
from keras_s2p.training import train

# 24 built-in pairs, 8 held out, batch 8: 2 generator steps per epoch.
TINY_RUN = dict(image_size=32, builtin_pairs=24, validation_split=8, batch_size=8, base_filters=4, num_res_blocks=1,
                critic_filters=4, critic_steps=1, perceptual_weight=0.0, precision="float32", verbose=0,
                sample_every=1, checkpoint_every=1)
STEPS = 2


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so no `except Exception` in the code under test catches it."""


def history_epochs(run_dir):
    with open(Path(run_dir) / "history.csv", newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def check_every_file_loads(run_dir):
    """Every file the run wrote opens: weights load into a fresh GAN, PNGs decode, JSON and CSV parse."""
    run_dir = Path(run_dir)
    gan = SketchToPhotoGAN(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4, critic_steps=1,
                           perceptual_weight=0.0, precision="float32")
    gan.compile()
    checked = 0
    for path in run_dir.rglob("*"):
        if not path.is_file() or path.name.startswith(".tmp-") or "tensorboard" in path.parts:
            continue
        if path.name.endswith(".weights.h5") or path.name.endswith(".weights.h5.bkp"):
            if path.suffix == ".bkp":
                with h5py.File(path, "r") as f:
                    assert f.attrs["keras_s2p_epoch"] >= 1
            else:
                gan.load_weights(path)
        elif path.suffix == ".png":
            tf.io.decode_png(tf.io.read_file(str(path)))
        elif path.suffix in (".json", ".bkp"):
            json.loads(path.read_text())
        elif path.suffix == ".csv":
            assert history_epochs(run_dir)
        elif path.suffix == ".keras":
            keras.saving.load_model(path)
        checked += 1
    return checked


# ----------------------------------------------------------------------------------------------- item 2
@pytest.mark.parametrize("die_at", [1, 4, 9])
def test_kill_during_any_write_leaves_previous_versions_loadable(tmp_path, monkeypatch, die_at):
    run_dir = tmp_path / "run"
    train(run_dir=run_dir, epochs=1, **TINY_RUN)

    # The n-th file write of epoch 2 is cut off half-way: its temporary file is truncated, then the process dies.
    calls, before = [], {}
    real_fsync = keras_s2p.atomic._fsync

    def dying_fsync(path):
        calls.append(Path(path))
        if len(calls) == die_at:
            target = Path(path).with_name(Path(path).name.split("-", 2)[2])  # .tmp-<hex>-<name> -> <name>
            if target.exists():
                before[target] = target.read_bytes()
            data = Path(path).read_bytes()
            Path(path).write_bytes(data[: len(data) // 2])
            raise Killed(path)
        real_fsync(path)

    monkeypatch.setattr(keras_s2p.atomic, "_fsync", dying_fsync)
    monkeypatch.setattr(keras_s2p.callbacks.checkpoints, "_fsync", dying_fsync)
    with pytest.raises(Killed):
        train(run_dir=run_dir, epochs=2, **TINY_RUN)
    for target, content in before.items():  # the file being written still holds its previous version
        assert target.read_bytes() == content, f"{target.name} changed by an interrupted write"
    assert check_every_file_loads(run_dir) >= 8

    monkeypatch.undo()
    train(run_dir=run_dir, epochs=2, **TINY_RUN)
    assert history_epochs(run_dir) == [0, 1]
    gan = keras.saving.load_model(run_dir / "model.keras")
    assert int(gan.g_optimizer.iterations) == 2 * STEPS


# ----------------------------------------------------------------------------------------------- item 4
@pytest.fixture
def two_epoch_run(tmp_path):
    run_dir = tmp_path / "run"
    train(run_dir=run_dir, epochs=2, **TINY_RUN)
    return run_dir


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def test_partial_backup_falls_back_to_the_previous_one(two_epoch_run):
    run_dir = two_epoch_run
    truncate(run_dir / "backup" / "latest.weights.h5")
    with pytest.warns(UserWarning, match=r"latest\.weights\.h5 is damaged or partial.*resuming from the previous "
                                         r"backup .*latest\.weights\.h5\.bkp \(epoch 1\)"):
        train(run_dir=run_dir, epochs=3, **TINY_RUN)
    assert history_epochs(run_dir) == [0, 1, 2]  # epoch 2 trained again, recorded once
    gan = keras.saving.load_model(run_dir / "model.keras")
    assert int(gan.g_optimizer.iterations) == 3 * STEPS and int(gan.d_optimizer.iterations) == 3 * STEPS


def test_missing_latest_backup_falls_back_too(two_epoch_run):
    (two_epoch_run / "backup" / "latest.weights.h5").unlink()
    with pytest.warns(UserWarning, match=r"latest\.weights\.h5 is missing.*\(epoch 1\)"):
        train(run_dir=two_epoch_run, epochs=2, **TINY_RUN)
    assert history_epochs(two_epoch_run) == [0, 1]


@pytest.mark.slow
def test_partial_backup_without_a_previous_one_is_a_clear_error(two_epoch_run, capsys):
    backup = two_epoch_run / "backup"
    (backup / "latest.weights.h5.bkp").unlink()
    truncate(backup / "latest.weights.h5")
    with pytest.raises(BackupError, match=r"latest\.weights\.h5 is damaged or partial.*delete .*backup to start"):
        train(run_dir=two_epoch_run, epochs=3, **TINY_RUN)
    # The command line (in this process) says it in one line.
    main_one_line_error(capsys, ["train", "--run-dir", two_epoch_run, "--epochs", "3", "--image-size", "32",
                                 "--batch-size", "8", "--builtin-pairs", "24", "--validation-split", "8",
                                 "--base-filters", "4", "--res-blocks", "1", "--critic-filters", "4",
                                 "--critic-steps", "1", "--perceptual-weight", "0", "--precision", "float32",
                                 "--sample-every", "1", "--checkpoint-every", "1"], "latest.weights.h5")


@pytest.mark.slow
def test_unwritable_run_folder_fails_before_training(tmp_path, capsys):
    (tmp_path / "blocked").write_text("a file where the run folder should be")
    # A data folder that does not exist either: the run folder's error, not the data's, shows it is checked first.
    out, _ = main_one_line_error(capsys, ["train", tmp_path / "no-data", "--run-dir", tmp_path / "blocked" / "r",
                                          "--epochs", "1"], "blocked/r is not writable")
    assert "Epoch" not in out  # no model was trained


def test_full_disk_fails_before_any_data_or_model(tmp_path, monkeypatch):
    class Usage:
        free = 5 * 2**20

    monkeypatch.setattr(runs.shutil, "disk_usage", lambda path: Usage)
    monkeypatch.setattr("keras_s2p.data.builtin_dataset", lambda *a, **k: pytest.fail("data built"))
    with pytest.raises(RunFolderError, match=r"only 5 MiB free"):
        train(run_dir=tmp_path / "r", epochs=1, **TINY_RUN)
    assert not (tmp_path / "r" / "config.json").exists()


# ----------------------------------------------------------------------------------------------- item 3
def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def all_finite(path):
    values = []
    with h5py.File(path, "r") as f:
        f.visit(lambda n: values.append(f[n][()]) if isinstance(f[n], h5py.Dataset) else None)
    return all(np.isfinite(np.asarray(v, "float64")).all() for v in values if np.asarray(v).dtype.kind == "f")


class PoisonWeights(keras.callbacks.Callback):
    """After the last batch of `epoch` (0-based), a generator weight becomes NaN; the logged losses stay finite."""

    def __init__(self, epoch, steps):
        super().__init__()
        self.epoch, self.steps, self.current = epoch, steps, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == self.steps - 1:
            variable = self.model.generator.trainable_variables[0]
            variable.assign(np.full(variable.shape, np.nan, "float32"))


def _fit_with_run_callbacks(run, gan, data, epochs, extra=()):
    sketches, photos = data
    callbacks = default_callbacks(run, (sketches[:2], photos[:2]), sample_every=1, checkpoint_every=1,
                                  best_monitor="val_ssim")
    return gan.fit(tf.data.Dataset.from_tensor_slices(data).batch(4), epochs=epochs, verbose=0,
                   validation_data=tf.data.Dataset.from_tensor_slices((sketches[:4], photos[:4])).batch(4),
                   callbacks=[*extra, *callbacks])


def _gan():
    gan = SketchToPhotoGAN(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4, critic_steps=1,
                           perceptual_weight=0.0, precision="float32")
    gan.compile()
    return gan


def test_nan_loss_from_data_stops_naming_epoch_step_and_term(tmp_path):
    run = RunFolder(tmp_path / "run")
    rng = np.random.default_rng(0)
    sketches, photos = (rng.uniform(-1, 1, (8, 32, 32, 3)).astype("float32") for _ in range(2))
    _fit_with_run_callbacks(run, _gan(), (sketches, photos), 1)
    good = {p.name: digest(p) for p in (run.backup_dir / "latest.weights.h5", run.checkpoints_dir / "best.weights.h5",
                                        run.checkpoints_dir / "epoch_0001.weights.h5")}
    photos[5, 3, 3, 0] = np.nan  # second batch of 4
    gan = _gan()
    with pytest.raises(TrainingDivergedError) as info:
        _fit_with_run_callbacks(run, gan, (sketches, photos), 3)
    message = str(info.value)
    # resumed at epoch 2 (1-based); the first term that went wrong is named, and the generator step
    assert "became nan in epoch 2, batch 2" in message and "generator step 4" in message, message
    assert message.split()[0] in ("gp", "w_distance", "l1") and "d_loss" in message and "\n" not in message
    # nothing was overwritten: the last good epoch's backup and checkpoints are intact and finite
    assert {p: digest(run.path / d / p) for d, p in (("backup", "latest.weights.h5"),
                                                     ("checkpoints", "best.weights.h5"),
                                                     ("checkpoints", "epoch_0001.weights.h5"))} == good
    assert not (run.checkpoints_dir / "epoch_0002.weights.h5").exists()
    assert history_epochs(run.path) == [0]


def test_nan_weights_behind_finite_losses_are_never_saved(tmp_path):
    run = RunFolder(tmp_path / "run")
    data = tuple(np.random.default_rng(1).uniform(-1, 1, (8, 32, 32, 3)).astype("float32") for _ in range(2))
    gan = _gan()
    with pytest.raises(TrainingDivergedError, match=r"generator weight \S+ became non-finite in epoch 2, "
                                                    r"generator step 4"):
        _fit_with_run_callbacks(run, gan, data, 3, extra=[PoisonWeights(epoch=1, steps=2)])
    for path in (run.backup_dir / "latest.weights.h5", run.checkpoints_dir / "best.weights.h5",
                 run.checkpoints_dir / "epoch_0001.weights.h5"):
        assert all_finite(path), path
    with h5py.File(run.backup_dir / "latest.weights.h5") as f:
        assert f.attrs["keras_s2p_epoch"] == 1
    assert not (run.checkpoints_dir / "epoch_0002.weights.h5").exists()
    assert not (run.samples_dir / "epoch_0002.png").exists()


def test_terminate_on_nan_names_the_term_not_only_the_total():
    stop = TerminateOnNaN()
    stop.set_model(_gan())
    stop.on_epoch_begin(4)
    with pytest.raises(TrainingDivergedError, match=r"^gp became inf in epoch 5, batch 3, generator step 0 "
                                                    r"\(also non-finite: d_loss\)"):
        stop.on_batch_end(2, {"d_loss": float("inf"), "gp": float("inf"), "g_loss": 1.0, "l1": 0.5})


@pytest.mark.slow
def test_huge_learning_rate_diverges_with_one_line_and_no_model_written(tmp_path, capsys):
    run_dir = tmp_path / "run"
    main_one_line_error(capsys, ["train", "--run-dir", run_dir, "--epochs", "20", "--image-size", "32",
                                 "--batch-size", "8", "--builtin-pairs", "24", "--validation-split", "8",
                                 "--base-filters", "4", "--res-blocks", "1", "--critic-filters", "4",
                                 "--critic-steps", "1", "--perceptual-weight", "0", "--precision", "float32",
                                 "--quiet", "--g-lr", "1e30", "--d-lr", "1e30"], "training diverged", "epoch")
    assert not (run_dir / "model.keras").exists()
    backup = run_dir / "backup" / "latest.weights.h5"
    assert not backup.exists() or all_finite(backup)


# The gradient penalty stays finite where the gradient norm is zero (sqrt'(0) is infinite without epsilon),
# tiny (its square underflows) or large, and so do its gradients with respect to the critic's weights.
@pytest.mark.parametrize("scale", [0.0, 1e-30, 1e-3, 1e3])
def test_gradient_penalty_and_its_gradients_are_finite(scale):
    kernel = tf.Variable(tf.fill([4 * 4 * 3, 1], scale))
    bias = tf.Variable([[0.5]])

    def critic(x):
        return tf.matmul(tf.reshape(x, [tf.shape(x)[0], -1]), kernel) + bias

    real = tf.random.uniform([3, 4, 4, 3], -1, 1, seed=1)
    fake = tf.zeros([3, 4, 4, 3])
    with tf.GradientTape() as tape:
        gp = wasserstein_gradient_penalty(critic, real, fake)
    grads = tape.gradient(gp, [kernel, bias])
    assert np.isfinite(gp.numpy())
    assert all(g is None or np.isfinite(g.numpy()).all() for g in grads)
    if scale == 0.0:
        assert gp.numpy() == pytest.approx(1.0, abs=1e-4)
