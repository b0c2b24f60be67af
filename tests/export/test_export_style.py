"""Exports of a style model (issue 25): the code is the generator's last input in SavedModel and TFLite, the style
encoder comes along (SavedModel ``encode_style``, a second TFLite file), each matches the float32 Keras networks
for given codes; a model without a style code exports exactly as before.

The model is untrained (random weights, random BatchNorm statistics: codes change photos through the FiLM layers)
and built in mixed bfloat16, so the float32 rebuild of both networks is checked too. Tolerances as test_export's:
float outputs within 1e-5, uint8 within 1 level of 255.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from fresh_process import run_python
from keras_s2p import ConfigError, SketchToPhotoGAN, build_generator
from keras_s2p.cli import main
from keras_s2p.export import export_model, float32_generator, style_encoder_path
from keras_s2p.hints import hints_from_rgba
from keras_s2p.pixels import from_pixels, to_uint8
from tiny_settings import TINY, with_random_batch_norm

SIZE, STYLE_DIM = 32, 4


@pytest.fixture(scope="module")
def gan():
    keras.utils.set_random_seed(0)
    gan = SketchToPhotoGAN(**{**TINY, "precision": "mixed_bfloat16"}, color_hints=True, style_dim=STYLE_DIM)
    with_random_batch_norm(gan.generator, seed=1)
    assert gan.style_encoder.get_layer("style_conv0").compute_dtype == "bfloat16"
    return gan


@pytest.fixture(scope="module")
def inputs():
    """uint8 sketches (2, S, S, 3), RGBA hints (2, S, S, 4) with one hinted square, and two different codes."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, SIZE, SIZE, 3), dtype=np.uint8)
    rgba = np.zeros((2, SIZE, SIZE, 4), np.uint8)
    rgba[:, 4:12, 4:12] = [200, 30, 30, 255]
    return images, rgba, rng.standard_normal((2, STYLE_DIM)).astype("float32")


def expected_photos(gan, images, rgba, codes):
    """The float32 Keras generator's photos, [-1, 1], for uint8 sketches, RGBA hints and codes."""
    generator = float32_generator(gan.generator)
    return generator([from_pixels(images), hints_from_rgba(rgba, SIZE).numpy(), codes], training=False).numpy()


def expected_codes(gan, images):
    """The float32 style encoder's means for uint8 photos at the training size."""
    return float32_generator(gan.style_encoder)(from_pixels(images), training=False)[0].numpy()


def test_saved_model_takes_a_style_and_encodes_photos(gan, inputs, tmp_path):
    images, rgba, codes = inputs
    loaded = tf.saved_model.load(str(export_model(gan, tmp_path / "saved_model")))
    serve = loaded.signatures["serve"]
    photos = serve(images=tf.constant(images), hints=tf.constant(rgba), style=tf.constant(codes))["photos"]
    expected = expected_photos(gan, images, rgba, codes)
    np.testing.assert_allclose(photos.numpy(), to_uint8(expected), atol=1)
    swapped = expected_photos(gan, images, rgba, codes[::-1])
    assert np.abs(to_uint8(swapped).astype(int) - to_uint8(expected)).max() > 8  # the codes matter
    floats = loaded.signatures["serve_float"](sketches=tf.constant(from_pixels(images)),
                                              hints=hints_from_rgba(rgba, SIZE), style=tf.constant(codes))["photos"]
    np.testing.assert_allclose(floats.numpy(), expected, atol=1e-5)

    encode = loaded.signatures["encode_style"]
    assert set(encode.structured_outputs) == {"style"}
    np.testing.assert_allclose(encode(images=tf.constant(images))["style"].numpy(), expected_codes(gan, images),
                               atol=1e-5)
    other = np.random.default_rng(1).integers(0, 256, (1, 48, 40, 3), dtype=np.uint8)  # resized as serve does
    resized = tf.image.resize(other.astype("float32"), (SIZE, SIZE), antialias=True).numpy()
    expected = float32_generator(gan.style_encoder)(from_pixels(resized), training=False)[0].numpy()
    np.testing.assert_allclose(encode(images=tf.constant(other))["style"].numpy(), expected, atol=1e-5)


def run_tflite(path, feeds):
    """Run a TFLite file on inputs by name; its single output."""
    interpreter = tf.lite.Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], feeds[detail["name"]])
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def test_tflite_generator_takes_a_style_and_the_encoder_is_a_second_file(gan, inputs, tmp_path):
    images, rgba, codes = inputs
    path = export_model(gan.generator, tmp_path / "faces.tflite", format="tflite", image_size=SIZE,
                        style_encoder=gan.style_encoder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["faces.style_encoder.tflite", "faces.tflite"]
    details = tf.lite.Interpreter(model_path=str(path)).get_input_details()
    assert [(d["name"], tuple(d["shape"]), d["dtype"]) for d in details] == [
        ("images", (1, SIZE, SIZE, 3), np.uint8), ("hints", (1, SIZE, SIZE, 4), np.uint8),
        ("style", (1, STYLE_DIM), np.float32)]
    photos = [run_tflite(path, {"images": images[:1], "hints": rgba[:1], "style": code[None]}) for code in codes]
    for code, photo in zip(codes, photos):
        expected = to_uint8(expected_photos(gan, images[:1], rgba[:1], code[None]))
        np.testing.assert_allclose(photo.astype(int), expected, atol=1)
    assert np.abs(photos[0].astype(int) - photos[1]).max() > 8
    for image in images:
        np.testing.assert_allclose(run_tflite(style_encoder_path(path), {"images": image[None]}),
                                   expected_codes(gan, image[None]), atol=1e-5)


def test_quantising_shrinks_both_files(gan, inputs, tmp_path):
    images, _, _ = inputs
    plain = export_model(gan, tmp_path / "plain.tflite", format="tflite")
    small = export_model(gan, tmp_path / "small.tflite", format="tflite", quantize="float16")
    for float32_file, float16_file in [(plain, small), (style_encoder_path(plain), style_encoder_path(small))]:
        assert float16_file.stat().st_size < 0.75 * float32_file.stat().st_size, float16_file.name
    np.testing.assert_allclose(run_tflite(style_encoder_path(small), {"images": images[:1]}),
                               expected_codes(gan, images[:1]), atol=1e-2)


def test_a_model_without_style_exports_what_it_always_did(tmp_path):
    generator = build_generator(image_size=SIZE, base_filters=4, num_res_blocks=1)
    loaded = tf.saved_model.load(str(export_model(generator, tmp_path / "saved_model", image_size=SIZE)))
    signatures = {name: (function.structured_input_signature, function.structured_outputs)
                  for name, function in loaded.signatures.items()}
    images = tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")
    serve = ((), {"images": images}), {"photos": tf.TensorSpec([None, None, None, 3], tf.uint8, name="photos")}
    assert signatures == {
        "serve": serve, "serving_default": serve,
        "serve_float": (((), {"sketches": tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32, name="sketches")}),
                        {"photos": tf.TensorSpec([None, SIZE, SIZE, 3], tf.float32, name="photos")})}
    path = export_model(generator, tmp_path / "plain.tflite", format="tflite", image_size=SIZE)
    assert [d["name"] for d in tf.lite.Interpreter(model_path=str(path)).get_input_details()] == ["images"]
    assert not style_encoder_path(path).exists()


def test_style_arguments_are_one_line_errors(gan, tmp_path):
    plain = build_generator(image_size=SIZE, base_filters=4, num_res_blocks=1)
    cases = [
        (dict(model=gan.generator, image_size=SIZE), "style_dim=4.* pass style_encoder="),
        (dict(model=plain, image_size=SIZE, style_encoder=gan.style_encoder), "style_encoder= is for a generator "
                                                                              "with a style code"),
        (dict(model=gan, style_encoder=plain), r"\[mean, log_var\] of 4 numbers each .* sizes \[3\]"),
        (dict(model=gan, style_encoder=gan.style_encoder, format="keras"), "not written by format='keras'"),
    ]
    for kwargs, message in cases:
        kwargs.setdefault("format", "tflite")
        target = tmp_path / ("m.keras" if kwargs["format"] == "keras" else "m.tflite")
        with pytest.raises(ConfigError, match=message) as error:
            export_model(path=target, **kwargs)
        assert "\n" not in str(error.value)
    assert not list(tmp_path.iterdir())


def test_cli_exports_a_style_run_and_explains_a_generator_file(gan, tmp_path, capsys):
    gan.compile()
    gan.save(tmp_path / "model.keras")
    gan.generator.save(tmp_path / "generator.keras")
    out = tmp_path / "g.tflite"
    assert main(["export", "--model", str(tmp_path / "model.keras"), "--format", "tflite", "--output", str(out)]) == 0
    assert f"style encoder: {style_encoder_path(out)}" in capsys.readouterr().out
    assert style_encoder_path(out).is_file()
    assert main(["export", "--model", str(tmp_path / "generator.keras"), "--output", str(tmp_path / "x")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "the run's model.keras" in error


def test_style_generator_file_loads_in_a_fresh_process(gan, inputs, tmp_path):
    """``export_model(format="keras")`` of a style model: its generator, with the ``style`` input last."""
    images, rgba, codes = inputs
    export_model(gan, tmp_path / "generator.keras", format="keras")
    feeds = [from_pixels(images), hints_from_rgba(rgba, SIZE).numpy(), codes]
    np.savez(tmp_path / "in.npz", *feeds)
    script = (f"import numpy as np; from keras_s2p.model_file import load_generator; "
              f"g, size = load_generator({str(tmp_path / 'generator.keras')!r}, {SIZE}); "
              f"x = np.load({str(tmp_path / 'in.npz')!r}); "
              f"np.save({str(tmp_path / 'out.npy')!r}, g([x['arr_0'], x['arr_1'], x['arr_2']], training=False))")
    run_python(script)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected_photos(gan, images, rgba, codes), atol=1e-6)
