"""Each export must give the photo the Keras generator gives.

Tolerances: float outputs within 1e-5 (SavedModel ``serve_float``, reloaded ``.keras`` 1e-6); uint8 outputs within
1 level of 255 (float differences of ~1e-6 can flip a rounding).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2p import ConfigError, SketchToPhotoGAN
from keras_s2p.export import export_model


@pytest.fixture(scope="module")
def gan():
    from tiny_settings import TINY

    return SketchToPhotoGAN(**TINY)


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)


def _expected_uint8(gan, images):
    photos = gan.generator(images.astype("float32") / 127.5 - 1, training=False).numpy()
    return np.clip(np.round((photos + 1) * 127.5), 0, 255)


def test_keras_export(gan, images, tmp_path):
    path = export_model(gan, tmp_path / "generator.keras", format="keras")
    sketches = images.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(keras.saving.load_model(path)(sketches, training=False),
                               gan.generator(sketches, training=False), atol=1e-6)


def test_saved_model_signatures(gan, images, tmp_path):
    path = export_model(gan, tmp_path / "saved_model")
    loaded = tf.saved_model.load(str(path))
    assert {"serve", "serve_float"} <= set(loaded.signatures)
    photos = loaded.signatures["serve"](images=tf.constant(images))["photos"].numpy()
    assert photos.dtype == np.uint8
    np.testing.assert_allclose(photos, _expected_uint8(gan, images), atol=1)
    sketches = images.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(loaded.signatures["serve_float"](sketches=tf.constant(sketches))["photos"],
                               gan.generator(sketches, training=False), atol=1e-5)
    # another size: resized to the training size and back
    other = np.random.default_rng(1).integers(0, 256, (1, 48, 40, 3), dtype=np.uint8)
    photos = loaded.signatures["serve"](images=tf.constant(other))["photos"].numpy()
    assert photos.shape == (1, 48, 40, 3)
    small = tf.image.resize(other.astype("float32"), (32, 32), antialias=True) / 127.5 - 1
    expected = tf.image.resize(gan.generator(small, training=False), (48, 40))
    np.testing.assert_allclose(photos, np.clip(np.round((expected.numpy() + 1) * 127.5), 0, 255), atol=1)


def test_tflite_export(gan, images, tmp_path):
    path = export_model(gan, tmp_path / "generator.tflite", format="tflite")
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    assert tuple(inp["shape"]) == (1, 32, 32, 3) and inp["dtype"] == np.uint8
    interpreter.set_tensor(inp["index"], images[:1])
    interpreter.invoke()
    np.testing.assert_allclose(interpreter.get_tensor(out["index"]), _expected_uint8(gan, images[:1]), atol=1)


def test_bad_export_arguments(gan, tmp_path):
    with pytest.raises(ConfigError, match="format='onnx'"):
        export_model(gan, tmp_path / "m", format="onnx")
    with pytest.raises(ConfigError, match="m.h5 must end in .keras"):
        export_model(gan, tmp_path / "m.h5", format="keras")
    with pytest.raises(ConfigError, match="needs image_size"):
        export_model(gan.generator, tmp_path / "m")
