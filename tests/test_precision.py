"""Precision selection and the mixed-bfloat16 accuracy contract (tiny sizes; no speed is asserted)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2p import ConfigError, SketchToPhotoGAN
from keras_s2p.data import builtin_pairs
from keras_s2p.precision import PRECISIONS, detect_precision, resolve_precision

# bf16 keeps 8 bits of mantissa (~0.4% relative error per op); after a short training run on the built-in data
# the validation L1 (mean absolute error on [0, 1] RGB, ~0.1-0.3 here) of a bf16 model stays within this absolute
# distance of the float32 model trained identically. Measured gap on 2 AMD EPYC cores: see benchmarks/NOTES.md.
BF16_VAL_L1_TOLERANCE = 0.02


def test_resolve_precision():
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("auto") == detect_precision() in PRECISIONS
    with pytest.raises(ConfigError, match="precision='fp8'"):
        resolve_precision("fp8")


def test_auto_is_the_default_and_perceptual_follows_it_on_request(tiny_kwargs):
    kwargs = {k: v for k, v in tiny_kwargs.items() if k != "precision"}
    gan = SketchToPhotoGAN(**kwargs)
    assert gan.precision == "auto" and gan.compute_precision == detect_precision()
    assert gan.perceptual_compute_precision == "float32"  # VGG19 in float32 unless asked otherwise
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "precision": "mixed_bfloat16", "perceptual_precision": "auto"})
    assert gan.perceptual_compute_precision == "mixed_bfloat16"


def test_bfloat16_vgg_keeps_float32_perceptual_loss(tiny_kwargs, pair_dataset):
    gan = SketchToPhotoGAN(**{**tiny_kwargs, "precision": "mixed_bfloat16", "perceptual_weight": 1.0,
                              "perceptual_weights": None, "perceptual_precision": "auto"})
    gan.compile()
    assert gan._perceptual.features.get_layer("block1_conv1").compute_dtype == "bfloat16"
    real, fake = tf.zeros((2, 32, 32, 3)), tf.ones((2, 32, 32, 3))
    assert gan._perceptual(real, fake).dtype == tf.float32
    history = gan.fit(pair_dataset, epochs=1, verbose=0).history
    assert np.isfinite(history["perceptual"][-1]) and history["perceptual"][-1] > 0


def _val_l1(precision, train, val):
    keras.utils.set_random_seed(0)
    gan = SketchToPhotoGAN(image_size=32, base_filters=8, num_res_blocks=1, critic_filters=8, critic_layers=2,
                           critic_steps=1, perceptual_weight=0.0, precision=precision)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5), d_optimizer=keras.optimizers.Adam(2e-3, 0.5))
    gan.fit(train, epochs=6, verbose=0)
    return gan.evaluate(val, verbose=0, return_dict=True)["l1"]


def test_bfloat16_reaches_float32_validation_l1():
    sketches, photos = builtin_pairs(40, image_size=32)
    train = tf.data.Dataset.from_tensor_slices((sketches[:32], photos[:32])).batch(8)
    val = tf.data.Dataset.from_tensor_slices((sketches[32:], photos[32:])).batch(8)
    f32, bf16 = _val_l1("float32", train, val), _val_l1("mixed_bfloat16", train, val)
    print(f"val L1: float32 {f32:.4f}, mixed_bfloat16 {bf16:.4f}")
    assert np.isfinite(f32) and np.isfinite(bf16)
    assert abs(bf16 - f32) <= BF16_VAL_L1_TOLERANCE
