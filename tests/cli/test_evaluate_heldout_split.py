"""README: ``s2p evaluate --validation-split N --seed S`` scores exactly the pairs ``s2p train`` held out."""

import csv
import json

import numpy as np
import pytest

from cli_runner import run_main
from keras_s2p.data import builtin_pairs, save_image

pytestmark = pytest.mark.slow  # trains through the command line

PAIRS, HELD, SEED = 10, 3, 5
TINY = ["--image-size", "32", "--batch-size", "8", "--base-filters", "4", "--res-blocks", "1",
        "--critic-filters", "4", "--critic-steps", "1", "--perceptual-weight", "0", "--precision", "float32",
        "--quiet", "--lr-decay-epochs", "0"]


def test_evaluate_scores_the_pairs_train_held_out(tmp_path):
    folder = tmp_path / "data"
    sketches, photos = builtin_pairs(PAIRS, 32, seed=3)
    for i, (sketch, photo) in enumerate(zip(sketches, photos)):
        save_image(sketch, folder / "sketches" / f"p{i:02d}.png")
        save_image(photo, folder / "photos" / f"p{i:02d}.png")
    split = ["--validation-split", HELD, "--seed", SEED]
    run_dir = tmp_path / "run"
    assert run_main("train", folder, "--run-dir", run_dir, "--epochs", "1", *split, *TINY) == 0
    out = tmp_path / "scores.json"
    assert run_main("evaluate", "--model", run_dir / "generator.keras", folder, *split, "--output", out) == 0
    scores = json.loads(out.read_text())

    # Training's own validation of its final weights (history.csv, last row) ran on the pairs it held out.
    with open(run_dir / "history.csv", newline="") as f:
        last = list(csv.DictReader(f))[-1]
    assert scores["count"] == HELD
    for name in ("l1", "psnr", "ssim"):
        assert scores[name] == pytest.approx(float(last[f"val_{name}"]), rel=1e-4), name

    # Those pairs are the documented ones, RandomState(seed).permutation(n)[:count] over the (sorted) file names,
    # and another choice of pairs scores differently (so the equality above names the pairs).
    from keras_s2p.data import paired_dataset
    from keras_s2p.evaluation import evaluate_generator
    from keras_s2p.model_file import load_generator

    generator, size = load_generator(run_dir / "generator.keras")
    names = [f"p{i:02d}.png" for i in range(PAIRS)]

    def score(indices):
        pairs = [(folder / "sketches" / names[i], folder / "photos" / names[i]) for i in sorted(indices)]
        return evaluate_generator(generator, paired_dataset(pairs, image_size=size, batch_size=16, augment=False,
                                                            shuffle=False))

    expected = score(np.random.RandomState(SEED).permutation(PAIRS)[:HELD])
    for name in ("count", "l1", "l1_std", "psnr", "ssim", "ssim_std"):
        assert scores[name] == pytest.approx(expected[name], rel=1e-5, abs=1e-6), name
    other = score(np.random.RandomState(SEED + 1).permutation(PAIRS)[:HELD])
    assert abs(other["l1"] - scores["l1"]) > 1e-3
