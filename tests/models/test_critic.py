import keras
import numpy as np
import pytest

from keras_s2p import ConfigError, build_critic
from keras_s2p.models.multi_scale_critic import build_multi_scale_critic, downscale, scale_critics


def _walk(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.layers.SpectralNormalization):
            yield layer.layer


def test_no_batchnorm_and_every_conv_spectrally_normalised():
    critic = build_critic(image_size=32, base_filters=4, num_layers=3)
    layers = list(_walk(critic))
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in layers)
    wrapped = [layer.layer for layer in critic.layers if isinstance(layer, keras.layers.SpectralNormalization)]
    convs = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(wrapped) == 4 and set(map(id, convs)) == set(map(id, wrapped))


def test_linear_output_no_sigmoid():
    critic = build_critic(image_size=32, base_filters=4)
    activations = [layer.get_config().get("activation") for layer in _walk(critic)]
    assert "sigmoid" not in activations
    # unbounded: scale the input and the scores leave [0, 1]
    x = np.random.default_rng(0).normal(0, 50, (4, 32, 32, 3)).astype("float32")
    scores = critic([x, x])
    assert np.max(np.abs(scores)) > 1.0


@pytest.mark.parametrize("size", [32, 64])
def test_patch_and_scalar_outputs(size):
    patch = build_critic(image_size=size, base_filters=4, num_layers=3, output="patch")
    scalar = build_critic(image_size=size, base_filters=4, num_layers=3, output="scalar")
    x = np.zeros((2, size, size, 3), "float32")
    assert patch([x, x]).shape == (2, size // 8, size // 8, 1)
    assert scalar([x, x]).shape == (2, 1)
    assert scalar([x, x]).dtype == "float32"


def test_conditional_by_default_and_unconditional_option():
    assert len(build_critic(image_size=32, base_filters=4).inputs) == 2
    uncond = build_critic(image_size=32, base_filters=4, conditional=False)
    assert len(uncond.inputs) == 1
    assert uncond(np.zeros((1, 32, 32, 3), "float32")).shape == (1, 4, 4, 1)


def test_bad_output_kind():
    with pytest.raises(ConfigError, match="output='sigmoid'"):
        build_critic(output="sigmoid")


@pytest.mark.parametrize("scales, size", [(2, 32), (3, 32), (3, 64)])
def test_multi_scale_critic_scores_each_scale(scales, size):
    critic = build_multi_scale_critic(scales, image_size=size, base_filters=4, num_layers=2)
    x = np.zeros((2, size, size, 3), "float32")
    scores = critic([x, x])
    assert [s.shape for s in scores] == [(2, size // 4 // 2**k, size // 4 // 2**k, 1) for k in range(scales)]
    factors = [factor for factor, _ in scale_critics(critic)]
    assert factors == [1, 2, 4][:scales]
    images = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype("float32")
    for (factor, scale_critic), scores in zip(scale_critics(critic), critic([images, images])):
        # each scale's critic judges the pair pooled to its size
        np.testing.assert_allclose(scale_critic([downscale(images, factor)] * 2), scores, atol=1e-6)


def test_one_scale_is_the_plain_critic():
    critic = build_multi_scale_critic(1, image_size=32, base_filters=4)
    assert scale_critics(critic) == [(1, critic)] and critic.get_layer("score_f32")


@pytest.mark.parametrize("kwargs, needle", [(dict(scales=4), "critic_scales=4"),
                                            (dict(scales=3, image_size=34), "image_size=34")])
def test_bad_scales(kwargs, needle):
    with pytest.raises(ConfigError, match=needle):
        build_multi_scale_critic(**{"image_size": 32, **kwargs})
