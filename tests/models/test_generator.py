import keras
import numpy as np
import pytest

from keras_s2p import ConfigError, build_generator


def _layer_types(model):
    return {type(layer).__name__ for layer in model.layers}


@pytest.mark.parametrize("size", [32, 48, 64])
@pytest.mark.parametrize("skips", [False, True])
def test_output_shape_and_range(size, skips):
    g = build_generator(image_size=size, base_filters=4, num_res_blocks=1, skip_connections=skips)
    out = g(np.random.uniform(-1, 1, (2, size, size, 3)).astype("float32"))
    assert out.shape == (2, size, size, 3)
    assert out.dtype == "float32"
    assert np.all(np.abs(out) <= 1.0)


def test_fully_convolutional_other_size_at_inference():
    g = build_generator(image_size=32, base_filters=4, num_res_blocks=1)
    assert g.predict(np.zeros((1, 48, 80, 3), "float32"), verbose=0).shape == (1, 48, 80, 3)


def test_design_blocks_present():
    g = build_generator(image_size=32, base_filters=4, num_res_blocks=3, norm="batch")
    types = _layer_types(g)
    assert {"BatchNormalization", "LeakyReLU", "Add"} <= types
    assert sum(isinstance(layer, keras.layers.Add) for layer in g.layers) == 3
    assert g.get_layer("stem_conv").kernel_size == (7, 7)
    assert g.layers[-1].get_config()["activation"] == "tanh"


def test_resize_upsampling_by_default_transpose_selectable():
    assert "Conv2DTranspose" not in _layer_types(build_generator(image_size=32, base_filters=4, num_res_blocks=1))
    assert "UpSampling2D" in _layer_types(build_generator(image_size=32, base_filters=4, num_res_blocks=1))
    tconv = build_generator(image_size=32, base_filters=4, num_res_blocks=1, upsampling="transpose")
    assert "Conv2DTranspose" in _layer_types(tconv)


def test_skip_connections_concatenate_encoder_features():
    g = build_generator(image_size=32, base_filters=4, num_res_blocks=0, num_downsamples=2, skip_connections=True)
    assert sum(isinstance(layer, keras.layers.Concatenate) for layer in g.layers) == 2


def test_sync_batchnorm_option():
    g = build_generator(image_size=32, base_filters=4, num_res_blocks=1, norm="sync_batch")
    assert all(layer.synchronized for layer in g.layers if isinstance(layer, keras.layers.BatchNormalization))


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        (dict(image_size=30), "image_size=30"),
        (dict(upsampling="deconv"), "upsampling='deconv'"),
        (dict(norm="layer"), "norm='layer'"),
        (dict(base_filters=0), "base_filters"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, needle):
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")):
        build_generator(**{"base_filters": 4, **kwargs})


def test_batchnorm_tracks_fast_moving_weights():
    # Keras' default momentum 0.99 left stale moving statistics and near-black inference outputs (QUALITY.md).
    g = build_generator(image_size=32, base_filters=4, num_res_blocks=1, norm="batch")
    norms = [layer for layer in g.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.momentum == 0.9 for layer in norms)


@pytest.mark.parametrize("norm", ["instance", "group", "none"])
def test_batch_independent_norms_compute_the_same_function_in_training_and_inference(norm):
    g = build_generator(image_size=32, base_filters=8, num_res_blocks=1, norm=norm)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype("float32")
    inference = g(x, training=False).numpy()
    np.testing.assert_allclose(g(x, training=True).numpy(), inference, atol=1e-5)
    np.testing.assert_allclose(g(x[:1], training=True).numpy(), inference[:1], atol=1e-5)  # alone = in a batch
    assert "BatchNormalization" not in _layer_types(g)


def test_norm_choice_sets_layers_and_biases():
    def layers_of(norm):
        return build_generator(image_size=32, base_filters=8, num_res_blocks=1, norm=norm).layers

    instance = [layer for layer in layers_of("instance") if isinstance(layer, keras.layers.GroupNormalization)]
    assert instance and all(layer.groups == layer.input.shape[-1] for layer in instance)  # one group per channel
    group = [layer for layer in layers_of("group") if isinstance(layer, keras.layers.GroupNormalization)]
    assert group and all(layer.groups == 8 for layer in group)
    convs = [layer for layer in layers_of("none") if isinstance(layer, keras.layers.Conv2D)]
    assert all(layer.use_bias for layer in convs)  # no normalisation offset: the convolutions need biases
