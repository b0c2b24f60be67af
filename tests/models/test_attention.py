import keras
import numpy as np
import pytest

from fresh_process import run_python
from keras_s2p import build_critic, build_generator
from keras_s2p.models.attention import SelfAttention


@pytest.mark.parametrize("shape", [(2, 8, 8, 16), (1, 5, 7, 32)])
def test_starts_as_identity_with_the_input_shape(shape):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    layer = SelfAttention()
    y = layer(x, training=True)
    assert y.shape == shape and float(layer.gamma.numpy()) == 0.0
    np.testing.assert_array_equal(y, x)
    layer.gamma.assign(0.5)  # once gamma moves, every position mixes in context from the others
    assert np.abs(layer(x) - x).max() > 0


def test_generator_bottleneck_and_critic_at_one_eighth():
    generator = build_generator(image_size=32, base_filters=4, num_res_blocks=1, attention=True)
    assert generator.get_layer("attention").input.shape[1:] == (None, None, 16)  # 4 filters doubled twice
    critic = build_critic(image_size=64, base_filters=4, num_layers=4, attention=True)
    attention = critic.get_layer("attention")
    assert attention.spectral_norm and not generator.get_layer("attention").spectral_norm
    assert critic.get_layer("act2").output is attention.input  # after the third stride-2 layer: 1/8 resolution
    convs = [layer for layer in attention._layers if isinstance(layer, keras.layers.SpectralNormalization)]
    assert len(convs) == 4
    assert critic([np.zeros((1, 64, 64, 3), "float32")] * 2).shape == (1, 4, 4, 1)


def test_serialises_and_loads_in_a_fresh_process(tmp_path):
    inputs = keras.Input((None, None, 8))
    layer = SelfAttention(spectral_norm=True, name="attention")
    restored = SelfAttention.from_config(layer.get_config())
    assert restored.spectral_norm and restored.name == "attention"
    model = keras.Model(inputs, layer(inputs))
    layer.gamma.assign(0.5)  # not the initial 0: the output depends on every attention weight
    x = np.random.default_rng(0).normal(size=(1, 6, 5, 8)).astype("float32")
    model.save(tmp_path / "attention.keras")
    np.save(tmp_path / "x.npy", x)
    script = ("import keras, numpy as np, sys; from keras_s2p.models.attention import SelfAttention; "
              "m = keras.saving.load_model(sys.argv[1]); "
              "assert isinstance(m.get_layer('attention'), SelfAttention) and m.get_layer('attention').spectral_norm; "
              "np.save(sys.argv[3], m.predict(np.load(sys.argv[2]), verbose=0))")
    run_python(script, tmp_path / "attention.keras", tmp_path / "x.npy", tmp_path / "y.npy")
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
