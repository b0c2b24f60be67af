"""Reliability, item 6: model files are loaded with safe_mode=True; foreign or edited files are refused in one line,
and loading never runs code from the file."""

import json
import zipfile

import keras
import numpy as np
import pytest

from cli_runner import assert_one_line_error, main_one_line_error, s2p
from keras_s2p.errors import S2PError
from keras_s2p.model_file import load_generator
from keras_s2p.models.gan import SketchToPhotoGAN

TINY = dict(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4, critic_steps=1, perceptual_weight=0.0,
            precision="float32")


def rewrite(src, dst, config=None, weights_from=None):
    """Copy a .keras archive, editing its config.json (`config(dict) -> dict`) or taking another's weights."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json" and config is not None:
                data = json.dumps(config(json.loads(data))).encode()
            if item.filename == "model.weights.h5" and weights_from is not None:
                with zipfile.ZipFile(weights_from) as other:
                    data = other.read("model.weights.h5")
            zout.writestr(item, data)
    return dst


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    marker = folder / "code-ran"
    gan = SketchToPhotoGAN(**TINY)
    gan.compile()
    gan.save(folder / "model.keras")
    gan.generator.save(folder / "generator.keras")
    bigger = SketchToPhotoGAN(**dict(TINY, base_filters=8))
    bigger.compile()
    bigger.save(folder / "bigger.keras")

    # A generator-shaped model with a Lambda layer whose code would leave a marker file if it ever ran.
    inputs = keras.Input((None, None, 3))
    marker_name = str(marker)
    touched = keras.layers.Lambda(lambda x: x + 0 * len(open(marker_name, "w").name))(inputs)  # noqa: SIM115
    keras.Model(inputs, touched).save(folder / "lambda.keras")
    marker.unlink()  # tracing the Lambda when building it ran the code once, here in the test

    def unknown_class(config):
        config["class_name"], config["registered_name"] = "Trojan", "evil>Trojan"
        return config

    def module_injection(config):  # an old attack on Keras' loader: import os and call os.system
        return {"module": "os", "class_name": "system", "config": f"touch {marker}", "registered_name": "system"}

    return dict(
        folder=folder, marker=marker, model=folder / "model.keras", generator=folder / "generator.keras",
        lambda_file=folder / "lambda.keras",
        unknown=rewrite(folder / "model.keras", folder / "unknown.keras", config=unknown_class),
        injection=rewrite(folder / "generator.keras", folder / "injection.keras", config=module_injection),
        mismatched=rewrite(folder / "model.keras", folder / "mismatched.keras", weights_from=folder / "bigger.keras"),
        truncated=_truncated(folder / "model.keras", folder / "truncated.keras"),
    )


def _truncated(src, dst):
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def test_own_files_load_safely(files):
    generator, size = load_generator(files["model"])
    assert size == 32 and generator.name == "generator"
    assert load_generator(files["generator"])[0].count_params() == generator.count_params()


@pytest.mark.parametrize("name, needle", [
    ("lambda_file", "Lambda layer or other Python code"),
    ("unknown", "unknown class 'Trojan'"),
    ("injection", "cannot load model"),
    ("mismatched", "weights do not match the architecture"),
    ("truncated", "cannot load model"),
])
def test_foreign_or_edited_files_are_refused(files, name, needle):
    with pytest.raises(S2PError, match="cannot load model") as info:
        load_generator(files[name])
    assert needle in str(info.value) and "\n" not in str(info.value)
    assert not files["marker"].exists(), "loading ran code from the file"


def test_load_model_is_always_called_with_safe_mode(files, monkeypatch):
    seen = []
    real = keras.saving.load_model
    monkeypatch.setattr(keras.saving, "load_model", lambda *a, **k: seen.append(k) or real(*a, **k))
    load_generator(files["generator"])
    assert seen == [{"safe_mode": True}]


def test_other_keras_models_are_not_generators(tmp_path):
    inputs = keras.Input((8, 8, 1))
    keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs)).save(tmp_path / "grey.keras")
    with pytest.raises(S2PError, match="not a sketch-to-photo generator"):
        load_generator(tmp_path / "grey.keras")


def test_commands_refuse_with_one_line(files, tmp_path, capsys):
    sketch = tmp_path / "s.png"
    keras.utils.save_img(sketch, np.zeros((32, 32, 3), "uint8"))
    result = s2p("generate", "--model", files["lambda_file"], sketch, "--output", tmp_path / "o.png")
    assert_one_line_error(result, "Lambda")  # a real process; the other commands in this one
    main_one_line_error(capsys, ["export", "--model", files["mismatched"], "--output", tmp_path / "e.keras"],
                        "do not match")
    main_one_line_error(capsys, ["evaluate", "--model", files["unknown"], tmp_path], "unknown class 'Trojan'")
    assert not files["marker"].exists()
    assert not (tmp_path / "o.png").exists() and not (tmp_path / "e.keras").exists()
