import keras
import numpy as np
import pytest

from keras_s2p import ConfigError, SketchToPhotoGAN, build_generator
from keras_s2p.callbacks import RecalibrateBatchNorm
from keras_s2p.models.precise_batch_norm import batch_norm_layers, recalibrate
from tiny_settings import TINY, random_pairs


def _batches(x, size):
    return [x[i:i + size] for i in range(0, len(x), size)]


def test_statistics_are_the_exact_population_moments():
    inputs = keras.Input((8, 8, 3))
    conv = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)
    model = keras.Model(inputs, keras.layers.BatchNormalization()(conv(inputs)))
    x = np.random.default_rng(0).normal(2.0, 3.0, (10, 8, 8, 3)).astype("float32")
    assert recalibrate(model, _batches(x, 4), batches=3) == 10  # batches of 4, 4 and 2, weighted by size
    features = conv(x).numpy().reshape(-1, 4)
    norm = batch_norm_layers(model)[0]
    np.testing.assert_allclose(norm.moving_mean.numpy(), features.mean(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.moving_variance.numpy(), features.var(0), rtol=1e-4)


def test_inference_after_recalibrating_on_a_batch_equals_training_mode_on_it():
    g = build_generator(image_size=32, base_filters=8, num_res_blocks=1, norm="batch")
    x = random_pairs(6)[0]
    for layer in batch_norm_layers(g):  # statistics far from the truth, as stale moving averages are
        layer.moving_mean.assign(layer.moving_mean + 5.0)
    stale = np.abs(g(x, training=False).numpy() - g(x, training=True).numpy()).max()
    recalibrate(g, [x])
    gap = np.abs(g(x, training=False).numpy() - g(x, training=True).numpy()).max()
    assert stale > 0.1 and gap < 1e-3


def test_generators_without_batch_norm_are_untouched_and_bad_arguments_refused():
    g = build_generator(image_size=32, base_filters=8, num_res_blocks=1, norm="instance")
    before = [w.copy() for w in g.get_weights()]
    assert recalibrate(g, [random_pairs(2)[0]]) == 0
    assert all(np.array_equal(a, b) for a, b in zip(before, g.get_weights()))
    bn = build_generator(image_size=32, base_filters=8, num_res_blocks=1, norm="batch")
    with pytest.raises(ConfigError, match="batches=0"):
        recalibrate(bn, [random_pairs(2)[0]], batches=0)
    with pytest.raises(ConfigError, match="no batches"):
        recalibrate(bn, [])


def test_callback_recalibrates_before_validation_and_at_epoch_end():
    sketches, photos = random_pairs(8)
    gan = SketchToPhotoGAN(**TINY, generator_norm="batch")
    gan.compile()
    calibration = [(sketches[:4], photos[:4]), (sketches[4:], photos[4:])]
    history = gan.fit(sketches, photos, batch_size=4, epochs=2, verbose=0,
                      validation_data=(sketches[:4], photos[:4]), callbacks=[RecalibrateBatchNorm(calibration)])
    saved = [layer.moving_mean.numpy().copy() for layer in batch_norm_layers(gan.generator)]
    # The statistics left after fit are exactly the recalibrated ones, and validation used them.
    gan.recalibrate(calibration)
    assert all(np.allclose(a, layer.moving_mean.numpy(), atol=1e-6)
               for a, layer in zip(saved, batch_norm_layers(gan.generator)))
    scores = gan.evaluate(sketches[:4], photos[:4], batch_size=4, verbose=0, return_dict=True)
    assert scores["l1"] == pytest.approx(history.history["val_l1"][-1], rel=1e-5)


def test_training_saves_a_recalibrated_batch_norm_generator(tmp_path):
    from keras_s2p.data.run_data import calibration_sample, data_loader
    from keras_s2p.training import train

    options = {k: v for k, v in TINY.items() if k != "image_size"}
    gan, _, run = train(None, run_dir=tmp_path / "run", epochs=1, batch_size=4, builtin_pairs=24, image_size=32,
                        validation_split=4, verbose=0, generator_norm="batch", **options)
    saved = keras.saving.load_model(run.generator_path)
    split = dict(image_size=32, batch_size=4, validation_split=4, seed=0, drop_remainder=False)
    gan.recalibrate(calibration_sample(data_loader(None, None, 24, split)))
    for layer, fresh in zip(batch_norm_layers(saved), batch_norm_layers(gan.generator)):
        np.testing.assert_allclose(layer.moving_variance.numpy(), fresh.moving_variance.numpy(), rtol=1e-5)


def test_plain_fit_recalibrates_from_its_own_training_data():
    sketches, photos = random_pairs(8)
    gan = SketchToPhotoGAN(**TINY, generator_norm="batch")
    gan.compile()
    gan.fit(sketches, photos, batch_size=4, epochs=1, verbose=0)
    saved = [layer.moving_variance.numpy().copy() for layer in batch_norm_layers(gan.generator)]
    gan.recalibrate([sketches[:4], sketches[4:]])
    assert all(np.allclose(a, layer.moving_variance.numpy(), rtol=1e-5)
               for a, layer in zip(saved, batch_norm_layers(gan.generator)))
