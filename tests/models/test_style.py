"""Style codes (issue 25): the model without one is unchanged; codes change photos, seeds repeat them, an encoded
photo's code rebuilds it, and the model trains with hints / critic options / mixed precision and reloads."""

import json
import zipfile

import numpy as np
import pytest
import tensorflow as tf

from fresh_process import run_python
from keras_s2p.errors import ConfigError
from keras_s2p.metrics import STYLE_METRICS
from keras_s2p.models.gan import SketchToPhotoGAN
from keras_s2p.models.gan_options import STYLE_OPTIONS
from tiny_settings import TINY, random_pairs


def weight_paths(path):
    """The variable paths stored in a .keras file's weights."""
    import h5py

    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as handle, h5py.File(handle) as h5:
        found = []
        h5.visit(lambda name: found.append(name) if isinstance(h5[name], h5py.Dataset) else None)
        return found, json.loads(archive.read("config.json"))


def test_without_style_the_model_and_its_files_are_unchanged(tmp_path):
    gan = SketchToPhotoGAN(**TINY)
    assert gan.style_encoder is None and len(gan.generator.inputs) == 1
    assert not set(STYLE_OPTIONS) & set(gan.get_config())
    gan.compile()
    sketches, photos = random_pairs(4)
    history = gan.fit(sketches, photos, batch_size=4, epochs=1, verbose=0).history
    assert not set(STYLE_METRICS) & set(history)
    gan.save(tmp_path / "model.keras")
    paths, config = weight_paths(tmp_path / "model.keras")
    assert not [p for p in paths if "style" in p]
    assert not set(STYLE_OPTIONS) & set(config["config"])
    styled = SketchToPhotoGAN(**TINY, style_dim=4)
    styled.compile()
    styled.save(tmp_path / "styled.keras")
    styled_paths, _ = weight_paths(tmp_path / "styled.keras")
    assert [p for p in styled_paths if "style" in p]  # the comparison above can see a style weight


@pytest.fixture(scope="module")
def colour_model():
    """A style model trained on one sketch paired with four solid colours: only the code can tell them apart."""
    tf.keras.utils.set_random_seed(0)
    colours = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, -1]], "float32")
    photos = np.repeat(np.broadcast_to(colours[:, None, None, :], (4, 16, 16, 3)), 4, 0).copy()
    sketches = np.zeros_like(photos)
    sketches[:, 4:12, 8] = 1.0
    gan = SketchToPhotoGAN(**{**TINY, "image_size": 16, "critic_steps": 1, "generator_norm": "instance"},
                           style_dim=4)
    gan.compile()
    history = gan.fit(sketches, photos, batch_size=8, epochs=40, verbose=0).history
    return gan, sketches[:4], photos[:4], history


def test_style_training_logs_its_losses(colour_model):
    history = colour_model[3]
    for name in STYLE_METRICS:
        assert np.isfinite(history[name]).all()
    assert history["l1"][-1] < history["l1"][0]


def test_encoded_code_rebuilds_its_photo_better_than_a_random_code(colour_model):
    gan, sketches, photos, _ = colour_model
    own = gan.predict(sketches, style=gan.encode_style(photos), verbose=0)
    random = gan.predict(sketches, style=gan.sample_styles(4, seed=1), verbose=0)
    own_error, random_error = np.abs(own - photos).mean(), np.abs(random - photos).mean()
    assert own_error < 0.85 * random_error, (own_error, random_error)


def test_codes_change_the_photo_and_seeds_repeat_it(colour_model):
    gan = colour_model[0]
    sketch = np.repeat(colour_model[1][:1], 4, 0)
    np.testing.assert_array_equal(gan.sample_styles(4, seed=3), gan.sample_styles(4, seed=3))
    assert not np.array_equal(gan.sample_styles(4, seed=3), gan.sample_styles(4, seed=4))
    first = gan.predict(sketch, style=gan.sample_styles(4, seed=3), verbose=0)
    np.testing.assert_array_equal(first, gan.predict(sketch, style=gan.sample_styles(4, seed=3), verbose=0))
    pairwise = [np.abs(first[i] - first[j]).mean() for i in range(4) for j in range(i + 1, 4)]
    assert min(pairwise) > 0.05, pairwise
    one_code = gan.predict(sketch, style=gan.sample_styles(1, seed=3)[0], verbose=0)  # (style_dim,): all the same
    np.testing.assert_allclose(one_code, np.repeat(first[:1], 4, 0), atol=1e-6)


def test_style_arguments_are_checked(colour_model):
    plain = SketchToPhotoGAN(**TINY)
    sketches = random_pairs(2)[0]
    for call in (lambda: plain.predict(sketches, style=np.zeros((2, 4))), lambda: plain.encode_style(sketches),
                 lambda: plain.sample_styles(2)):
        with pytest.raises(ConfigError, match="style_dim=0"):
            call()
    with pytest.raises(ConfigError, match=r"style has shape \(3, 4\); expected \(4, 4\)"):
        colour_model[0].predict(colour_model[1], style=np.zeros((3, 4)))


def test_style_with_hints_critic_options_and_mixed_precision_trains():
    sketches, photos = random_pairs(4)
    gan = SketchToPhotoGAN(**{**TINY, "critic_steps": 1, "precision": "mixed_bfloat16"}, style_dim=3,
                           color_hints=True, critic_scales=2, feature_matching_weight=1.0, critic_output="scalar")
    gan.compile()
    history = gan.fit(sketches, photos, batch_size=4, epochs=1, verbose=0).history
    assert all(np.isfinite(history[name][0]) for name in ("g_loss", "d_loss", *STYLE_METRICS))
    out = gan.predict([sketches, np.zeros((4, 32, 32, 4), "float32")], style=gan.sample_styles(4), verbose=0)
    assert out.shape == (4, 32, 32, 3)


def test_style_model_saves_and_loads_in_a_fresh_process(colour_model, tmp_path):
    gan, sketches, photos, _ = colour_model
    gan.save(tmp_path / "model.keras")
    np.save(tmp_path / "in.npy", np.stack([sketches, photos]))
    script = (f"import keras, keras_s2p, numpy as np; m = keras.saving.load_model({str(tmp_path / 'model.keras')!r}); "
              f"s, p = np.load({str(tmp_path / 'in.npy')!r}); "
              f"np.savez({str(tmp_path / 'out.npz')!r}, m.encode_style(p), "
              f"m.predict(s, style=m.sample_styles(4, seed=2), verbose=0)); print(m.style_dim)")
    assert run_python(script).split()[-1] == "4"
    loaded = np.load(tmp_path / "out.npz")
    np.testing.assert_allclose(loaded["arr_0"], gan.encode_style(photos), atol=1e-5)
    np.testing.assert_allclose(loaded["arr_1"], gan.predict(sketches, style=gan.sample_styles(4, seed=2), verbose=0),
                               atol=1e-5)


def test_evaluation_recalibration_draw_and_export_take_a_style_generator(tmp_path):
    from keras_s2p.draw.inference import DrawModel
    from keras_s2p.evaluation import evaluate_generator
    from keras_s2p.export import export_model
    from keras_s2p.models.precise_batch_norm import recalibrate

    gan = SketchToPhotoGAN(**TINY, style_dim=4)
    sketches, photos = random_pairs(4)
    dataset = tf.data.Dataset.from_tensor_slices((sketches, photos)).batch(2)
    assert evaluate_generator(gan.generator, dataset)["count"] == 4
    assert recalibrate(gan.generator, dataset, 2) == 4
    assert DrawModel(gan.generator, 32).photo(sketches[:1]).shape == (32, 32, 3)
    export_model(gan, tmp_path / "generator.keras", format="keras")  # other formats: tests/export/test_export_style.py
