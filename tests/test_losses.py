import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2p import WeightsUnavailableError, losses, pretrained


def test_wasserstein_losses():
    real, fake = tf.constant([[1.0], [3.0]]), tf.constant([[0.5], [-0.5]])
    assert float(losses.wasserstein_critic_loss(real, fake)) == pytest.approx(0.0 - 2.0)
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.0)
    assert float(losses.wasserstein_generator_loss(tf.constant([2.0, 4.0]))) == pytest.approx(-3.0)


def test_gradient_penalty_linear_critic_matches_hand_computation():
    rng = np.random.default_rng(1)
    w = tf.constant(rng.normal(size=(1, 4, 4, 3)).astype("float32"))

    def critic(x):
        return tf.reduce_sum(w * x, axis=[1, 2, 3])

    real = tf.constant(rng.normal(size=(5, 4, 4, 3)).astype("float32"))
    fake = tf.constant(rng.normal(size=(5, 4, 4, 3)).astype("float32"))
    expected = (np.linalg.norm(w.numpy()) - 1.0) ** 2  # the gradient of a linear critic is w everywhere
    assert float(losses.wasserstein_gradient_penalty(critic, real, fake)) == pytest.approx(expected, rel=1e-5)


def test_gradient_penalty_is_per_sample():
    # critic(x) = 0.5 * ||x||^2 has gradient x; with real == fake the interpolate is x itself whatever alpha is.
    x = np.zeros((2, 2, 2, 1), "float32")
    x[0] = 1.0  # ||x_0|| = 2
    x[1] = 0.25  # ||x_1|| = 0.5

    def critic(v):
        return 0.5 * tf.reduce_sum(v * v, axis=[1, 2, 3])

    gp = float(losses.wasserstein_gradient_penalty(critic, x, x))
    assert gp == pytest.approx(((2 - 1) ** 2 + (0.5 - 1) ** 2) / 2, rel=1e-4)


def test_gradient_penalty_finite_for_zero_gradient():
    # A linear critic with zero weights has zero input gradients: without epsilon, d sqrt(0) is NaN.
    w = tf.Variable(tf.zeros((1, 4, 4, 3)))
    x = tf.ones((2, 4, 4, 3))
    with tf.GradientTape() as tape:
        gp = losses.wasserstein_gradient_penalty(lambda v: tf.reduce_sum(w * v, axis=[1, 2, 3]), x, -x)
    assert float(gp) == pytest.approx(1.0, abs=1e-4)
    grad = tape.gradient(gp, w)
    assert grad is not None and np.all(np.isfinite(grad.numpy()))


def test_gradient_penalty_in_float32_for_bfloat16_inputs():
    x = tf.cast(tf.ones((2, 4, 4, 3)), tf.bfloat16)
    gp = losses.wasserstein_gradient_penalty(lambda v: tf.reduce_sum(tf.cast(v, tf.bfloat16), axis=[1, 2, 3]), x, -x)
    assert gp.dtype == tf.float32
    # Every input gradient is 1: (sqrt(48) - 1)^2 = 35.14359..., where a norm taken in bfloat16 gives 35.25.
    assert float(gp) == pytest.approx((np.sqrt(48.0) - 1.0) ** 2, rel=1e-6)


@pytest.fixture(scope="module")
def perceptual():
    return losses.PerceptualLoss(weights=None)


def test_perceptual_zero_for_identical_positive_otherwise(perceptual):
    a = tf.random.uniform((2, 32, 32, 3), -1, 1, seed=1)
    b = tf.random.uniform((2, 32, 32, 3), -1, 1, seed=2)
    assert float(perceptual(a, a)) == 0.0
    assert float(perceptual(a, b)) > 0.0
    assert perceptual(a, b).dtype == tf.float32


def test_perceptual_applies_vgg_preprocessing(perceptual, monkeypatch):
    images = tf.constant(np.linspace(-1, 1, 2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3))
    expected = keras.applications.vgg19.preprocess_input((images.numpy() + 1.0) * 127.5)
    np.testing.assert_allclose(perceptual.preprocess(images), expected, rtol=1e-5, atol=1e-4)
    # black (-1) becomes BGR minus the ImageNet mean
    black = perceptual.preprocess(-tf.ones((1, 1, 1, 3)))
    np.testing.assert_allclose(np.ravel(black), [-103.939, -116.779, -123.68], atol=1e-3)
    # and the network really sees the preprocessed tensor
    seen = []
    monkeypatch.setattr(perceptual, "features", lambda x, training=False: seen.append(x) or [x])
    perceptual.extract(images)
    np.testing.assert_allclose(seen[0], expected, rtol=1e-5, atol=1e-4)


def test_perceptual_frozen_and_float32(perceptual):
    assert not perceptual.features.trainable_weights
    assert all(layer.compute_dtype == "float32" for layer in perceptual.features.layers)
    assert perceptual.layers[-1] == "block5_conv1" and len(perceptual.layer_weights) == 5


def test_perceptual_float32_even_under_mixed_policy():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        loss = losses.PerceptualLoss(weights=None, layers=["block1_conv1"], layer_weights=[1.0])
    finally:
        keras.config.set_dtype_policy("float32")
    assert loss.features.layers[1].compute_dtype == "float32"


def test_unknown_layer_named():
    with pytest.raises(Exception, match="block9_conv9"):
        losses.PerceptualLoss(weights=None, layers=["block9_conv9"], layer_weights=[1.0])


def test_failed_download_is_one_actionable_error(monkeypatch):
    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3] no network")

    monkeypatch.setattr(keras.applications, "VGG19", no_network)
    with pytest.raises(WeightsUnavailableError) as info:
        losses.PerceptualLoss(weights="imagenet")
    message = str(info.value)
    assert "\n" not in message
    assert pretrained.VGG19_NOTOP_FILE in message and "perceptual_weight=0" in message


def test_local_weights_file(tmp_path, perceptual):
    path = tmp_path / "vgg19_notop.weights.h5"
    source = pretrained.load_vgg19(None)
    source.save_weights(path)
    loaded = pretrained.load_vgg19(str(path))
    for a, b in zip(source.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_missing_local_weights_file(tmp_path):
    with pytest.raises(WeightsUnavailableError, match="not found: .*nope.h5"):
        pretrained.load_vgg19(str(tmp_path / "nope.h5"))


def test_gradient_penalty_seed_replays_the_interpolation_weights():
    # critic(x) = sum(x^3): the gradient depends on where the interpolate lies, so on the drawn weights.
    def critic(v):
        return tf.reduce_sum(v**3, axis=[1, 2, 3])

    real = tf.ones((4, 3, 3, 3))
    fake = -tf.ones((4, 3, 3, 3))
    first, again, other = (float(losses.wasserstein_gradient_penalty(critic, real, fake, seed=tf.constant(s, tf.int64)))
                           for s in ([0, 7], [0, 7], [0, 8]))
    assert first == again
    assert first != other
