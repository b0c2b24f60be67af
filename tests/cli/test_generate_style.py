"""``s2p generate --variations N --seed S`` and ``--style-from PHOTO`` (issue 25), and their one-line errors."""

import numpy as np
import pytest

from cli_runner import main_one_line_error, run_main, s2p
from keras_s2p.data import load_image, save_image
from keras_s2p.models.gan import SketchToPhotoGAN
from tiny_settings import TINY


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A style model (model.keras, generator.keras), a model without style, a sketch and two photos."""
    folder = tmp_path_factory.mktemp("style")
    import keras

    keras.utils.set_random_seed(0)
    styled = SketchToPhotoGAN(**TINY, style_dim=4)
    styled.generator.get_layer("up0_style").dense.kernel.assign(  # codes make a visible difference untrained
        np.random.default_rng(0).normal(0, 2, styled.generator.get_layer("up0_style").dense.kernel.shape))
    styled.save(folder / "model.keras")
    styled.generator.save(folder / "generator.keras")
    SketchToPhotoGAN(**TINY).generator.save(folder / "plain.keras")
    rng = np.random.default_rng(0)
    for name in ("sketch", "red", "blue"):
        image = rng.uniform(-1, 1, (32, 32, 3)) if name == "sketch" else np.zeros((32, 32, 3))
        if name != "sketch":
            image[..., 0 if name == "red" else 2] = 1.0
            image -= (name == "red") * np.array([0, 1, 1]) + (name == "blue") * np.array([1, 1, 0])
        save_image(np.clip(image, -1, 1).astype("float32"), folder / f"{name}.png")
    return folder, styled


def test_variations_are_seeded_and_differ(files, tmp_path):
    folder, styled = files
    args = ["generate", "--model", folder / "generator.keras", folder / "sketch.png", "--variations", 3, "--seed", 5,
            "--image-size", 32, "--output"]
    result = s2p(*args, tmp_path / "a")  # a real process; the second run in this one (no TensorFlow start-up)
    assert result.returncode == 0, result.stderr[-2000:]
    assert run_main(*args, tmp_path / "b") == 0
    images = [load_image(tmp_path / "a" / f"sketch_{i}.png") for i in range(3)]
    for i in range(3):
        np.testing.assert_array_equal(images[i], load_image(tmp_path / "b" / f"sketch_{i}.png"))
    assert min(np.abs(images[i] - images[j]).mean() for i, j in ((0, 1), (0, 2), (1, 2))) > 0.01
    expected = styled.predict(np.repeat(load_image(folder / "sketch.png")[None], 3, 0),
                              style=styled.sample_styles(3, seed=5), verbose=0)
    np.testing.assert_allclose(np.stack(images), expected, atol=2 / 255 * 2 + 1e-6)  # PNG rounding


def test_style_from_a_photo_uses_its_code(files, tmp_path):
    folder, styled = files
    args = ["generate", "--model", folder / "model.keras", folder / "sketch.png", "--style-from"]
    result = s2p(*args, folder / "red.png", "--output", tmp_path / "red.png")
    assert result.returncode == 0, result.stderr[-2000:]
    assert run_main(*args, folder / "blue.png", "--output", tmp_path / "blue.png") == 0  # in this process
    red, blue = (load_image(tmp_path / f"{photo}.png") for photo in ("red", "blue"))
    code = styled.encode_style(load_image(folder / "red.png")[None])
    expected = styled.predict(load_image(folder / "sketch.png")[None], style=code, verbose=0)[0]
    np.testing.assert_allclose(red, expected, atol=2 / 255 * 2 + 1e-6)
    assert np.abs(red - blue).mean() > 0.01


@pytest.mark.parametrize("model, option, needles, status", [  # status 2: argparse's usage errors
    ("plain.keras", ["--variations", "4"], ["plain.keras", "no style code", "--variations"], 1),
    ("plain.keras", ["--style-from", "red.png"], ["no style code", "--style-from"], 1),
    ("generator.keras", ["--style-from", "red.png"], ["--style-from needs the style encoder", "model.keras"], 1),
    ("model.keras", ["--variations", "0"], ["--variations"], 2),
    ("model.keras", ["--variations", "2", "--style-from", "red.png"], ["not allowed with"], 2),
])
def test_style_mistakes_are_one_line_errors(files, tmp_path, capsys, model, option, needles, status):
    folder, _ = files
    option = [str(folder / o) if o.endswith(".png") else o for o in option]
    main_one_line_error(capsys, ["generate", "--model", folder / model, folder / "sketch.png", *option, "--output",
                                 tmp_path / "out"], *needles, status=status)
