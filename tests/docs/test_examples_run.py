"""Every script in examples/ runs as its docstring says, with tiny settings given as arguments, offline, and does
what it documents; an example with no test here fails `test_every_example_has_a_test`."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from offline_user import run_python

from keras_s2p.cli.quiet_tensorflow import _ABSL_INFO
from keras_s2p.data import load_image

pytestmark = pytest.mark.slow  # every example runs in a subprocess

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TESTED = {"train_on_folder.py", "inference.py", "read_tensorboard.py", "custom_callback.py", "draw_screenshot.py",
          "style_screenshot.py"}


def run_example(name, *args, cwd):
    result = run_python([EXAMPLES / name, *args], cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    noise = [line for line in result.stderr.splitlines() if _ABSL_INFO.match(line)]
    assert not noise, f"TensorFlow start-up lines on stderr: {noise}"
    return result


def test_every_example_has_a_test():
    assert {p.name for p in EXAMPLES.glob("*.py")} == TESTED


@pytest.fixture(scope="module")
def trained(user_folder, tmp_path_factory):
    """examples/train_on_folder.py on data/faces: one epoch at 32² (the run the other examples read)."""
    folder = tmp_path_factory.mktemp("example")
    shutil.copytree(user_folder / "data", folder / "data")
    result = run_example("train_on_folder.py", "data/faces", "--epochs", "1", "--image-size", "32",
                         "--run-dir", "run", cwd=folder)
    return folder, result


def test_train_on_folder_is_s2p_train(trained):
    folder, result = trained
    assert result.stdout.startswith("24 pairs\n")
    assert "trained epochs 1-1; generator: run/generator.keras" in result.stdout
    for name in ("config.json", "history.csv", "model.keras", "generator.keras", "tensorboard"):
        assert (folder / "run" / name).exists(), name
    settings = json.loads((folder / "run" / "config.json").read_text())["hyperparameters"]
    assert settings["batch_size"] == 4 and settings["validation_split"] == 0.1  # s2p train's defaults
    # Offline, no VGG19: it says so once and trains without the perceptual term, as s2p train does.
    assert result.stderr.count("training without the perceptual term") == 1
    assert settings["perceptual_weight"] == 0 and settings["perceptual"].startswith("disabled")


def test_inference_matches_s2p_generate(trained):
    folder, _ = trained
    sketch = folder / "data" / "faces" / "sketches" / "00.png"
    out = run_example("inference.py", "run/generator.keras", sketch, "photo.png", cwd=folder)
    assert "wrote photo.png (32x32)" in out.stdout
    generated = run_python(["-m", "keras_s2p", "generate", "--model", "run/generator.keras", sketch,
                            "--output", "s2p.png"], cwd=folder)
    assert generated.returncode == 0, generated.stderr
    np.testing.assert_array_equal(load_image(folder / "photo.png"), load_image(folder / "s2p.png"))


def test_read_tensorboard_prints_the_documented_tags(trained):
    folder, _ = trained
    out = run_example("read_tensorboard.py", "run", cwd=folder)
    shown = {tuple(line.split()[:2]) for line in out.stdout.splitlines()}
    documented = (EXAMPLES / "read_tensorboard.py").read_text()
    for metric in ("d_loss", "g_loss", "gp", "w_distance", "l1", "perceptual", "feature_matching", "g_lr", "d_lr"):
        assert ("train", f"epoch_{metric}") in shown and f"``epoch_{metric}``" in documented
    for metric in ("l1", "psnr", "ssim"):
        assert ("validation", f"epoch_{metric}") in shown
    missing = run_python([EXAMPLES / "read_tensorboard.py", "logs"], cwd=folder)
    assert missing.returncode == 1 and missing.stderr.strip() == (
        "error: no TensorBoard logs in logs (expected logs/tensorboard/ of an s2p run folder)")


def test_custom_callback_stops_at_the_target(tmp_path):
    out = run_example("custom_callback.py", "--target", "0.04", "--epochs", "8", "--image-size", "32", "--pairs",
                      "40", cwd=tmp_path)
    stop = re.search(r"^StopAtSSIM: val_ssim ([\d.]+) >= 0.04 at epoch (\d+); stopped$", out.stdout, re.M)
    assert stop, out.stdout[-2000:]
    epoch = int(stop.group(2))
    assert float(stop.group(1)) >= 0.04 and 1 <= epoch < 8
    assert f"trained {epoch} of 8 epochs" in out.stdout


def test_draw_screenshot(trained):
    pytest.importorskip("playwright", reason="examples/draw_screenshot.py needs Playwright for Python")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("examples/draw_screenshot.py needs Debian's Chromium at /usr/bin/chromium")
    folder, _ = trained
    out = run_example("draw_screenshot.py", "run/generator.keras", "shot.png", cwd=folder)
    assert "wrote shot.png" in out.stdout
    shot = load_image(folder / "shot.png")
    assert shot.shape[0] > 100 and shot.shape[1] > 100 and shot.std() > 0.05  # a page, not a blank image


def test_style_screenshot(tmp_path):
    pytest.importorskip("playwright", reason="examples/style_screenshot.py needs Playwright for Python")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("examples/style_screenshot.py needs Debian's Chromium at /usr/bin/chromium")
    from keras_s2p import SketchToPhotoGAN
    from tiny_settings import TINY

    SketchToPhotoGAN(**TINY, style_dim=4).save(tmp_path / "model.keras")  # untrained: the page, not the photos
    out = run_example("style_screenshot.py", "model.keras", "shot.png", cwd=tmp_path)
    assert "wrote shot.png" in out.stdout
    shot = load_image(tmp_path / "shot.png")
    assert shot.shape[0] > 100 and shot.shape[1] > 100 and shot.std() > 0.05  # a page, not a blank image


def test_examples_without_arguments_print_their_usage(tmp_path):
    for name in ("inference.py", "read_tensorboard.py", "draw_screenshot.py", "style_screenshot.py"):
        result = run_python([EXAMPLES / name], cwd=tmp_path)
        assert result.returncode == 1 and result.stderr.startswith("Usage: python examples/" + name), name


