"""Reliability, items 1 and 4: SIGKILL mid-epoch and resume; damaged backups; faults before training."""

import csv
import json
import os
import signal
import subprocess
import sys
import threading

import h5py
import numpy as np
import pytest

pytestmark = pytest.mark.slow  # subprocess-heavy

# 72 built-in pairs, 8 held out, batch 8: 8 steps per epoch; the kill is event-driven (`kill_mid_epoch`) and lands
# at the start of an epoch whatever the number of steps.
STEPS = 8
TRAIN = ["--image-size", "32", "--batch-size", "8", "--builtin-pairs", "72", "--validation-split", "8",
         "--base-filters", "4", "--res-blocks", "1", "--critic-filters", "4", "--critic-steps", "2",
         "--perceptual-weight", "0", "--precision", "float32", "--quiet", "--sample-every", "2",
         "--checkpoint-every", "2", "--deterministic",
         "--lr-decay-epochs", "0"]  # constant rates: a decay over the last half moves with --epochs, by design


def command(run_dir, epochs, *extra):
    return [sys.executable, "-m", "keras_s2p", "train", "--run-dir", str(run_dir), "--epochs", str(epochs),
            *TRAIN, *extra]


def run(args, timeout=1200):  # a hang guard only: a loaded machine trains slowly
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout)


def history_epochs(run_dir):
    path = run_dir / "history.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def kill_mid_epoch(run_dir, epochs, after_epochs, *extra):
    """Start training (with the flags `extra`), SIGKILL it as soon as it prints ``Epoch {after_epochs + 1}/{epochs}``;
    return the epochs.

    Event-driven: Keras prints that line once every callback of epoch `after_epochs` (the backup last) is done, so
    the kill lands inside the next epoch whatever the machine's load. A timer only guards against a hang.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(command(run_dir, epochs, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    hang_guard = threading.Timer(600, proc.kill)
    hang_guard.start()
    try:
        for line in proc.stdout:
            if line.strip() == f"Epoch {after_epochs + 1}/{epochs}":
                break
        else:
            raise AssertionError(f"training ended before epoch {after_epochs + 1}: {proc.stderr.read()[-2000:]}")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        hang_guard.cancel()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return history_epochs(run_dir)


def iterations(path):
    """(g_optimizer, d_optimizer) iterations stored in a .weights.h5 / .keras file's weights."""
    import keras

    import keras_s2p.models.gan  # noqa: F401 - registers SketchToPhotoGAN

    model = keras.saving.load_model(path)
    return int(model.g_optimizer.iterations), int(model.d_optimizer.iterations)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("full") / "run"
    result = run(command(run_dir, 4))
    assert result.returncode == 0, result.stderr
    return run_dir


def test_sigkill_mid_epoch_then_rerun_resumes_exactly(uninterrupted, tmp_path):
    run_dir = tmp_path / "run"
    done = kill_mid_epoch(run_dir, 4, after_epochs=2)
    assert done == [0, 1], done
    # The backup is each epoch's last write: killed inside epoch 3, it holds the 2 completed epochs.
    assert json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"] == 2

    result = run(command(run_dir, 4))
    assert result.returncode == 0, result.stderr
    # Each epoch once, in order: the interrupted epoch was repeated, its row not duplicated.
    assert history_epochs(run_dir) == [0, 1, 2, 3]
    config = json.loads((run_dir / "config.json").read_text())
    assert len(config["resumed"]) == 1
    # Both optimizers continued from their saved state: one generator step per batch, critic_steps per step.
    g, d = iterations(run_dir / "model.keras")
    assert g == 4 * STEPS and d == 2 * g
    # The sample schedule (every 2 epochs) and periodic checkpoints are intact.
    assert sorted(p.name for p in (run_dir / "samples").iterdir()) == ["epoch_0002.png", "epoch_0004.png"]
    assert sorted(p.name for p in (run_dir / "checkpoints").glob("epoch_*")) == [
        "epoch_0002.weights.h5", "epoch_0004.weights.h5"]
    assert not list(run_dir.rglob(".tmp-*"))  # the kill left no temporary file that a rerun kept

    # Determinism (op determinism on): the data order and augmentation of the resumed epochs are those of an
    # uninterrupted run (see ResumeDataRandomness) and the gradient penalty's interpolation weights are seeded
    # by the saved critic step count, so the resumed run ends with exactly the uninterrupted run's weights.
    assert_same_weights(uninterrupted / "backup" / "latest.weights.h5", run_dir / "backup" / "latest.weights.h5")


def test_rerun_of_a_finished_run_with_more_epochs_continues_exactly(uninterrupted, tmp_path):
    # Training 2 epochs, then rerunning the command with --epochs 4, equals training 4 epochs at once.
    part = tmp_path / "part"
    assert run(command(part, 2)).returncode == 0
    assert run(command(part, 4)).returncode == 0
    assert_same_weights(uninterrupted / "backup" / "latest.weights.h5", part / "backup" / "latest.weights.h5")


def test_color_hints_run_resumes_exactly_after_a_kill(tmp_path):
    # Training hints are drawn from a stateless seed of the generator's saved step count, so the resumed epoch
    # draws the hints an uninterrupted run draws.
    hints = ["--color-hints"]
    whole = tmp_path / "whole"
    assert run(command(whole, 2, *hints)).returncode == 0
    killed = tmp_path / "killed"
    assert kill_mid_epoch(killed, 2, 1, *hints) == [0]
    result = run(command(killed, 2, *hints))
    assert result.returncode == 0, result.stderr
    assert history_epochs(killed) == [0, 1]
    assert json.loads((killed / "config.json").read_text())["hyperparameters"]["color_hints"] is True
    assert_same_weights(whole / "backup" / "latest.weights.h5", killed / "backup" / "latest.weights.h5")


def assert_same_weights(path_a, path_b):
    with h5py.File(path_a) as a, h5py.File(path_b) as b:
        names = []
        a.visit(lambda name: names.append(name) if isinstance(a[name], h5py.Dataset) else None)
        assert names
        for name in names:
            np.testing.assert_array_equal(a[name][()], b[name][()], err_msg=name)
