"""Each export of a model trained in mixed bfloat16 must give the photo its Keras generator gives in float32.

Tolerances: float outputs within 1e-5 (SavedModel ``serve_float``, reloaded ``.keras`` 1e-6); uint8 outputs within
1 level of 255 (float differences of ~1e-6 can flip a rounding); quantised TFLite within `QUANTISED_LEVELS`.
"""

import logging

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2p import ConfigError, S2PError, SketchToPhotoGAN
from keras_s2p.export import export_model, float32_generator
from keras_s2p.hints import hints_from_rgba
from tiny_settings import TINY, hint_generator, random_pairs

# Quantised TFLite against the float32 Keras output, in uint8 levels (of 255): (max, mean) allowed. Measured over
# several trainings: float16 max 1, mean 0.03; int8 (dynamic range) max 7-11, mean about 1.
# The README's bounds (float16 2/255; int8 11/255, measured 1/255 on average: 1.3 on this test's tiny model).
QUANTISED_LEVELS = {"float16": (2, 0.25), "int8": (11, 1.5)}
SIZE_RATIOS = {"float16": 0.5, "int8": 0.25}  # the README: float16 halves the file, int8 quarters it


def _trained(precision):
    keras.utils.set_random_seed(0)
    gan = SketchToPhotoGAN(**{**TINY, "precision": precision})
    gan.compile()
    gan.fit(tf.data.Dataset.from_tensor_slices(random_pairs(8)).batch(4), epochs=1, verbose=0)  # 2 steps
    return gan


@pytest.fixture(scope="module")
def gan():
    gan = _trained("mixed_bfloat16")
    assert gan.generator.get_layer("stem_conv").compute_dtype == "bfloat16"
    return gan


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)


def _float32(gan, sketches):
    """The reference: the trained generator's weights, computing in float32."""
    return float32_generator(gan.generator)(sketches, training=False).numpy()


def _expected_uint8(gan, images):
    photos = _float32(gan, images.astype("float32") / 127.5 - 1)
    return np.clip(np.round((photos + 1) * 127.5), 0, 255)


def test_float32_copy_holds_the_trained_weights(gan, images):
    copy = float32_generator(gan.generator)
    assert {layer.compute_dtype for layer in copy.layers} == {"float32"}
    for trained, copied in zip(gan.generator.weights, copy.weights):
        np.testing.assert_array_equal(trained.numpy(), copied.numpy())
    sketches = images.astype("float32") / 127.5 - 1  # bfloat16 activations differ by their rounding only
    np.testing.assert_allclose(copy(sketches), gan.generator(sketches, training=False), atol=0.1)


def test_keras_export(gan, images, tmp_path):
    path = export_model(gan, tmp_path / "generator.keras", format="keras")
    sketches = images.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(keras.saving.load_model(path)(sketches, training=False), _float32(gan, sketches),
                               atol=1e-6)


def test_saved_model_signatures(gan, images, tmp_path):
    path = export_model(gan, tmp_path / "saved_model")
    loaded = tf.saved_model.load(str(path))
    assert {"serve", "serve_float"} <= set(loaded.signatures)
    photos = loaded.signatures["serve"](images=tf.constant(images))["photos"].numpy()
    assert photos.dtype == np.uint8
    np.testing.assert_allclose(photos, _expected_uint8(gan, images), atol=1)
    sketches = images.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(loaded.signatures["serve_float"](sketches=tf.constant(sketches))["photos"],
                               _float32(gan, sketches), atol=1e-5)
    # another size: resized to the training size and back
    other = np.random.default_rng(1).integers(0, 256, (1, 48, 40, 3), dtype=np.uint8)
    photos = loaded.signatures["serve"](images=tf.constant(other))["photos"].numpy()
    assert photos.shape == (1, 48, 40, 3)
    small = tf.image.resize(other.astype("float32"), (32, 32), antialias=True) / 127.5 - 1
    expected = tf.image.resize(_float32(gan, small), (48, 40))
    np.testing.assert_allclose(photos, np.clip(np.round((expected.numpy() + 1) * 127.5), 0, 255), atol=1)


def _tflite_photos(path, image):
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert tuple(inp["shape"]) == (1, 32, 32, 3) and inp["dtype"] == np.uint8
    interpreter.set_tensor(inp["index"], image)
    interpreter.invoke()
    return interpreter.get_tensor(out["index"]).astype("float32")


def test_tflite_export(gan, images, tmp_path, caplog):
    path = export_model(gan, tmp_path / "generator.tflite", format="tflite")
    np.testing.assert_allclose(_tflite_photos(path, images[:1]), _expected_uint8(gan, images[:1]), atol=1)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]  # a clean terminal


def test_tflite_freezes_every_weight(tmp_path):
    """A one-convolution model, whose weights the converter once kept as uninitialised resource variables."""
    model = hint_generator()
    path = export_model(model, tmp_path / "hint.tflite", format="tflite", image_size=32)
    images = np.random.default_rng(2).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8)
    rgba = np.zeros((1, 32, 32, 4), np.uint8)
    rgba[0, 4:12, 4:12] = [200, 30, 30, 255]
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    assert "READ_VARIABLE" not in {op["op_name"] for op in interpreter._get_ops_details()}
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], rgba if "hints" in detail["name"] else images)
    interpreter.invoke()
    photos = interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).astype("float32")
    expected = model([images / 127.5 - 1, hints_from_rgba(rgba, 32).numpy()], training=False).numpy()
    np.testing.assert_allclose(photos, np.clip(np.round((expected + 1) * 127.5), 0, 255), atol=1)


@pytest.mark.parametrize("quantize", ["float16", "int8"])
def test_quantised_tflite_export(gan, images, tmp_path, quantize):
    plain = export_model(gan, tmp_path / "plain.tflite", format="tflite")
    path = export_model(gan, tmp_path / f"{quantize}.tflite", format="tflite", quantize=quantize)
    # The weights' share of the saving (a tiny model's file is mostly graph, which no quantisation shrinks):
    weight_bytes = 4 * gan.generator.count_params()
    saved = (plain.stat().st_size - path.stat().st_size) / weight_bytes
    difference = np.abs(_tflite_photos(path, images[:1]) - _expected_uint8(gan, images[:1]))
    print(f"{quantize}: saves {saved:.3f} of the float32 weights, difference max {difference.max()}, "
          f"mean {difference.mean():.3f}")
    assert abs(saved - (1 - SIZE_RATIOS[quantize])) <= 0.05, saved
    largest, mean = QUANTISED_LEVELS[quantize]
    assert difference.max() <= largest and difference.mean() <= mean, (difference.max(), difference.mean())


def test_model_trained_in_float16_exports_too(images, tmp_path):
    gan = _trained("mixed_float16")
    path = export_model(gan, tmp_path / "generator.tflite", format="tflite")
    np.testing.assert_allclose(_tflite_photos(path, images[:1]), _expected_uint8(gan, images[:1]), atol=1)


def test_converter_failure_is_one_line(gan, tmp_path, monkeypatch):
    def fail(self):
        raise RuntimeError("\n".join(["loc(fused[...]): note: see current operation"] * 600
                                      + ["<unknown>:0: error: failed to legalize operation 'tf.Foo'"] * 600))

    monkeypatch.setattr(tf.lite.TFLiteConverter, "convert", fail)
    with pytest.raises(S2PError) as error:
        export_model(gan, tmp_path / "m.tflite", format="tflite")
    assert str(error.value) == "TFLite conversion failed: <unknown>:0: error: failed to legalize operation 'tf.Foo'"


def test_bad_export_arguments(gan, tmp_path):
    with pytest.raises(ConfigError, match="format='onnx'"):
        export_model(gan, tmp_path / "m", format="onnx")
    with pytest.raises(ConfigError, match="m.h5 must end in .keras"):
        export_model(gan, tmp_path / "m.h5", format="keras")
    with pytest.raises(ConfigError, match="needs image_size"):
        export_model(gan.generator, tmp_path / "m")
    with pytest.raises(ConfigError, match="quantize='int8': only the tflite and web formats"):
        export_model(gan, tmp_path / "m", quantize="int8")
    with pytest.raises(ConfigError, match="quantize='int4'"):
        export_model(gan, tmp_path / "m.tflite", format="tflite", quantize="int4")
    with pytest.raises(ConfigError, match="web_runtime='npm' is for the web format only"):
        export_model(gan, tmp_path / "m.tflite", format="tflite", web_runtime="npm")
