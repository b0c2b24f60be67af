"""--steps-per-epoch on streamed files: short epochs over an endless stream, resumed at the same batch."""

import csv
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # subprocess-heavy

# 30 pairs, 6 held out, batch 4: 6 batches per pass; 4 steps per epoch, so epochs end mid-pass.
TRAIN = ["--image-size", "32", "--batch-size", "4", "--validation-split", "6", "--steps-per-epoch", "4",
         "--cache", "none", "--base-filters", "4", "--res-blocks", "1", "--critic-filters", "4",
         "--perceptual-weight", "0", "--precision", "float32", "--quiet", "--sample-every", "3", "--deterministic",
         "--lr-decay-epochs", "0"]


def run(data, run_dir, epochs, cache_home):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", XDG_CACHE_HOME=str(cache_home))
    args = [sys.executable, "-m", "keras_s2p", "train", str(data), "--run-dir", str(run_dir), "--epochs", str(epochs),
            *TRAIN]
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)  # a loaded shared machine
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("pairs")
    rng = np.random.default_rng(0)
    for i in range(30):
        for kind in ("sketches", "photos"):
            (root / kind).mkdir(exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(root / kind / f"{i:02d}.png")
    return root


def test_resumed_steps_per_epoch_run_trains_on_the_same_batches(data, tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    run(data, whole, 3, tmp_path / "cache")
    run(data, part, 1, tmp_path / "cache")
    run(data, part, 3, tmp_path / "cache")  # resumes at epoch 1: the stream skips the 4 batches already trained on
    for folder in (whole, part):
        with open(folder / "history.csv", newline="") as f:
            assert [int(row["epoch"]) for row in csv.DictReader(f)] == [0, 1, 2]
    with h5py.File(whole / "backup" / "latest.weights.h5") as a, h5py.File(part / "backup" / "latest.weights.h5") as b:
        names = []
        a.visit(lambda name: names.append(name) if isinstance(a[name], h5py.Dataset) else None)
        assert any(name.startswith(("g_optimizer/", "d_optimizer/")) for name in names)  # both optimizers' state
        for name in names:
            np.testing.assert_array_equal(a[name][()], b[name][()], err_msg=name)
