import inspect

import keras
import numpy as np
import pytest

import keras_s2p as s2p
from fresh_process import run_python
from keras_s2p import ConfigError, SketchToPhotoGAN, WeightsUnavailableError
from keras_s2p.metrics import STYLE_METRICS, TRAIN_METRICS
from keras_s2p.models.gan_options import STYLE_OPTIONS


def _weights(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def _changed(before, model):
    return any(not np.allclose(a, b.numpy()) for a, b in zip(before, model.trainable_weights))


@pytest.mark.compat_smoke
def test_fit_one_epoch_trains_both_networks(tiny_kwargs, pair_dataset):
    gan = SketchToPhotoGAN(**tiny_kwargs)
    gan.compile()
    g0, d0 = _weights(gan.generator), _weights(gan.critic)
    history = gan.fit(pair_dataset, epochs=1, validation_data=pair_dataset, verbose=0).history
    assert _changed(g0, gan.generator) and _changed(d0, gan.critic)
    expected = {"d_loss", "g_loss", "gp", "w_distance", "l1", "perceptual", "val_l1", "val_psnr", "val_ssim"}
    assert expected <= set(history)
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert int(gan.d_optimizer.iterations) == tiny_kwargs["critic_steps"] * int(gan.g_optimizer.iterations)
    assert int(gan.g_optimizer.iterations) == 2  # 8 pairs in batches of 4


def test_training_step_parts_return_the_declared_losses(tiny_kwargs, pair_dataset, monkeypatch):
    gan = SketchToPhotoGAN(**tiny_kwargs)
    gan.compile()
    returned = {}

    def recording(part, method):
        def record(*args):
            losses = method(*args)
            returned.setdefault(part, set(losses))
            return losses
        return record

    for part in ("train_critic", "train_generator"):
        monkeypatch.setattr(gan, part, recording(part, getattr(gan, part)))
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert returned == {"train_critic": {"d_loss", "gp", "w_distance"},
                        "train_generator": {"g_loss", "l1", "perceptual", "feature_matching"}}
    assert set(TRAIN_METRICS) - set(STYLE_METRICS) <= set(history)  # kl, latent: with a style code only


def test_perceptual_term_trains_with_local_or_random_weights(tiny_kwargs, pair_dataset):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "perceptual_weight": 1.0, "perceptual_weights": None})
    gan.compile()
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert history["perceptual"][0] > 0


def test_offline_compile_warns_and_trains_without_perceptual_unless_required(tiny_kwargs, monkeypatch, pair_dataset):
    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure")

    monkeypatch.setattr(keras.applications, "VGG19", no_network)
    options = {**tiny_kwargs, "perceptual_weight": 1.0, "perceptual_weights": "imagenet"}
    with pytest.raises(WeightsUnavailableError, match="perceptual_weight=0"):
        SketchToPhotoGAN(**options).compile(require_perceptual=True)
    gan = SketchToPhotoGAN(**options)
    with pytest.warns(UserWarning, match="training without the perceptual term: .*perceptual_weight=0"):
        gan.compile()
    assert gan.perceptual_weight == 0 and "URL fetch failure" in gan.perceptual_disabled
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert history["perceptual"] == [0.0]
    assert gan.get_config()["perceptual_weight"] == 0  # a saved model records what it trained with


def test_default_optimizers():
    gan = SketchToPhotoGAN(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4, perceptual_weight=0,
                           precision="float32")
    gan.compile()
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4)
        assert opt.beta_1 == 0.5 and opt.beta_2 == 0.9
        assert opt.built
    assert gan.g_optimizer is not gan.d_optimizer
    assert gan.critic_steps == 1 and gan.gp_weight == 10.0


def test_predict_and_evaluate(tiny_kwargs, pair_arrays, pair_dataset):
    gan = SketchToPhotoGAN(**tiny_kwargs)
    gan.compile()
    photos = gan.predict(pair_arrays[0], verbose=0)
    assert photos.shape == pair_arrays[0].shape and np.all(np.abs(photos) <= 1)
    scores = gan.evaluate(pair_dataset, verbose=0, return_dict=True)
    assert set(scores) == {"l1", "psnr", "ssim"}
    fake = gan.generator(pair_arrays[0], training=False).numpy()
    expected_l1 = np.mean(np.abs((fake + 1) / 2 - (pair_arrays[1] + 1) / 2))
    assert scores["l1"] == pytest.approx(expected_l1, rel=1e-4)


def test_evaluate_perfect_prediction_scores_perfectly(tiny_kwargs, pair_arrays):
    gan = SketchToPhotoGAN(**tiny_kwargs)
    gan.compile()
    sketches = pair_arrays[0]
    photos = gan.generator(sketches, training=False).numpy()
    scores = gan.evaluate(sketches, photos, batch_size=4, verbose=0, return_dict=True)
    assert scores["l1"] == pytest.approx(0, abs=1e-6) and scores["ssim"] == pytest.approx(1, abs=1e-4)


def test_save_load_round_trip(tiny_kwargs, pair_arrays, pair_dataset, tmp_path):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "skip_connections": True, "critic_output": "scalar"})
    gan.compile()
    gan.fit(pair_dataset, epochs=1, verbose=0)
    gan.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert isinstance(loaded, SketchToPhotoGAN)
    np.testing.assert_allclose(loaded.predict(pair_arrays[0], verbose=0), gan.predict(pair_arrays[0], verbose=0),
                               atol=1e-6)
    assert loaded.get_config()["critic_output"] == "scalar" and loaded.skip_connections
    for name in ("g_optimizer", "d_optimizer"):
        opt, restored = getattr(gan, name), getattr(loaded, name)
        assert int(restored.iterations) == int(opt.iterations) > 0
        for a, b in zip(opt.variables, restored.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    loaded.fit(pair_dataset, epochs=1, verbose=0)  # continues training right away
    assert int(loaded.g_optimizer.iterations) == int(gan.g_optimizer.iterations) + 2


def test_generator_alone_saves_for_inference(tiny_kwargs, pair_arrays, tmp_path):
    gan = SketchToPhotoGAN(**tiny_kwargs)
    gan.generator.save(tmp_path / "generator.keras")
    generator = keras.saving.load_model(tmp_path / "generator.keras")
    np.testing.assert_allclose(generator.predict(pair_arrays[0], verbose=0),
                               gan.predict(pair_arrays[0], verbose=0), atol=1e-6)


def test_get_config_has_every_constructor_argument(tiny_kwargs):
    config = SketchToPhotoGAN(**tiny_kwargs).get_config()
    params = set(inspect.signature(SketchToPhotoGAN.__init__).parameters) - {"self", "kwargs"}
    assert params - set(STYLE_OPTIONS) <= set(config)  # the style options: in a style model's configuration only
    rebuilt = SketchToPhotoGAN.from_config(config)
    assert rebuilt.get_config() == config


@pytest.mark.parametrize("size, given, expected", [(128, None, 2), (256, None, 3), (512, None, 3), (260, None, 2),
                                                     (256, 2, 2), (128, 3, 3)])
def test_downsamplings_follow_the_image_size_unless_given(tiny_kwargs, size, given, expected):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "image_size": size, "num_downsamples": given})
    strided = [layer for layer in gan.generator.layers if getattr(layer, "strides", (1, 1)) == (2, 2)]
    assert gan.num_downsamples == len(strided) == expected
    assert gan.get_config()["num_downsamples"] == expected  # the loaded model is built the same


def test_bfloat16_trains_with_float32_losses(tiny_kwargs, pair_dataset):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "precision": "mixed_bfloat16"})
    gan.compile()
    assert gan.generator.get_layer("stem_conv").compute_dtype == "bfloat16"
    assert gan.generator.output.dtype == "float32" and gan.critic.output.dtype == "float32"
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in history.values())
    assert keras.config.dtype_policy().name == "float32"  # building did not leak the policy


def test_float16_wraps_both_optimizers(tiny_kwargs, pair_dataset):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "precision": "mixed_float16"})
    gan.compile()
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert np.isfinite(history["g_loss"][-1])


@pytest.mark.parametrize(
    "kwargs, needle",
    [(dict(critic_steps=0), "critic_steps=0"), (dict(gp_weight=-1), "gp_weight=-1"),
     (dict(precision="half"), "precision='half'"), (dict(critic_output="sigmoid"), "output='sigmoid'"),
     (dict(critic_scales=4), "critic_scales=4")],
)
def test_bad_arguments(tiny_kwargs, kwargs, needle):
    with pytest.raises(ConfigError, match=needle):
        SketchToPhotoGAN(**{**tiny_kwargs, **kwargs})


def test_public_api():
    assert s2p.SketchToPhotoGAN is SketchToPhotoGAN
    assert callable(s2p.losses.wasserstein_gradient_penalty)


def test_feature_matching_term(tiny_kwargs, pair_dataset, tmp_path):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "feature_matching_weight": 10.0})
    gan.compile()
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert history["feature_matching"][0] > 0
    # the features model shares the critic's weights: nothing extra to train or save
    assert {id(v) for v in gan._scales[0][2].weights} == {id(v) for v in gan.critic.weights}
    gan.save(tmp_path / "fm.keras")
    assert keras.saving.load_model(tmp_path / "fm.keras").feature_matching_weight == 10.0
    off = SketchToPhotoGAN(**tiny_kwargs)
    off.compile()
    assert off.fit(pair_dataset, epochs=1, verbose=0).history["feature_matching"] == [0.0]


def test_custom_networks_round_trip_and_edited_config_is_refused(tiny_kwargs, pair_arrays, tmp_path):
    import json
    import zipfile

    custom = s2p.build_generator(image_size=32, base_filters=4, num_res_blocks=0, name="my_generator")
    gan = SketchToPhotoGAN(**tiny_kwargs, generator=custom)
    assert gan.get_config()["generator"] is not None and gan.get_config()["critic"] is None
    gan.save(tmp_path / "custom.keras")
    loaded = keras.saving.load_model(tmp_path / "custom.keras")
    assert loaded.generator.name == "my_generator"
    np.testing.assert_allclose(loaded.predict(pair_arrays[0], verbose=0), gan.predict(pair_arrays[0], verbose=0),
                               atol=1e-6)

    # A file whose configuration was edited no longer matches its weights: loading fails instead of guessing.
    plain = SketchToPhotoGAN(**tiny_kwargs)
    plain.save(tmp_path / "plain.keras")
    with zipfile.ZipFile(tmp_path / "plain.keras") as source:
        files = {name: source.read(name) for name in source.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["base_filters"] = 16
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "edited.keras", "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    with pytest.raises(ValueError):
        keras.saving.load_model(tmp_path / "edited.keras")


def test_gradient_penalty_per_critic_scale(tiny_kwargs, pair_dataset, monkeypatch):
    from keras_s2p.models import gan as gan_module

    penalised = []

    def recording_penalty(critic_fn, real, fake, **kwargs):
        penalised.append(tuple(real.shape[1:3]))  # recorded while train_step is traced
        return wasserstein_gradient_penalty(critic_fn, real, fake, **kwargs)

    wasserstein_gradient_penalty = gan_module.wasserstein_gradient_penalty
    monkeypatch.setattr(gan_module, "wasserstein_gradient_penalty", recording_penalty)
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "critic_scales": 3, "critic_steps": 1})
    gan.compile()
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert penalised[:3] == [(32, 32), (16, 16), (8, 8)]  # one penalty per scale, on that scale's own input
    assert history["gp"][0] > 0 and np.isfinite(history["d_loss"][0])


@pytest.mark.compat_smoke
def test_multi_scale_critic_and_attention_save_and_load_in_a_fresh_process(tiny_kwargs, pair_arrays, pair_dataset,
                                                                         tmp_path):

    gan = SketchToPhotoGAN(**{**tiny_kwargs, "critic_scales": 2, "attention": True})
    config = gan.get_config()
    assert config["critic_scales"] == 2 and config["attention"] is True
    assert SketchToPhotoGAN.from_config(config).get_config() == config
    gan.compile()
    gan.fit(pair_dataset, epochs=1, verbose=0)
    gan.generator.get_layer("attention").gamma.assign(0.5)  # the block's output counts in the comparison
    gan.save(tmp_path / "model.keras")
    np.save(tmp_path / "sketches.npy", pair_arrays[0])
    script = (f"import keras, keras_s2p, numpy as np; m = keras.saving.load_model({str(tmp_path / 'model.keras')!r}); "
              f"x = np.load({str(tmp_path / 'sketches.npy')!r}); "
              f"np.savez({str(tmp_path / 'out.npz')!r}, m.predict(x, verbose=0), *m.critic([x, x])); "
              "print(m.critic_scales, m.attention)")
    assert run_python(script).split()[-2:] == ["2", "True"]
    loaded = np.load(tmp_path / "out.npz")
    expected = [gan.predict(pair_arrays[0], verbose=0), *gan.critic([pair_arrays[0]] * 2)]
    assert len(loaded.files) == 3  # the photos and both scales' scores
    for name, array in zip(loaded.files, expected):
        np.testing.assert_allclose(loaded[name], array, atol=1e-5)


def _generator_after_one_step(tiny_kwargs, pair_dataset, **weights):
    keras.utils.set_random_seed(0)
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "critic_steps": 1, **weights})
    gan.compile()
    gan.fit(pair_dataset.take(1), epochs=1, verbose=0)
    return _weights(gan.generator)


def test_each_generator_term_reaches_the_generator_update(tiny_kwargs, pair_dataset):
    """A term logged but left out of ``g_loss`` would give the same update as weight 0 (which is reproducible)."""
    without = _generator_after_one_step(tiny_kwargs, pair_dataset)
    assert all(np.array_equal(a, b) for a, b in zip(without, _generator_after_one_step(tiny_kwargs, pair_dataset)))
    for term in (dict(perceptual_weight=1.0, perceptual_weights=None), dict(feature_matching_weight=10.0)):
        with_term = _generator_after_one_step(tiny_kwargs, pair_dataset, **term)
        assert max(np.abs(a - b).max() for a, b in zip(without, with_term)) > 1e-5, term
