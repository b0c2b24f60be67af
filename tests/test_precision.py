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


@pytest.mark.parametrize(
    ("tpu", "gpu_capability", "cpu_flags", "expected"),
    [
        (True, None, set(), "mixed_bfloat16"),                      # TPUs
        (False, (8, 0), {"avx512_bf16"}, "mixed_float16"),          # a tensor-core GPU wins over the CPU
        (False, (7, 0), set(), "mixed_float16"),                    # tensor cores from compute capability 7.0
        (False, (6, 1), {"avx512_bf16"}, "float32"),                # an older GPU: float32
        (False, None, {"avx512f", "avx512_bf16"}, "mixed_bfloat16"),  # CPUs with AVX512-BF16 ...
        (False, None, {"amx_bf16"}, "mixed_bfloat16"),              # ... or AMX-BF16
        (False, None, {"avx512f", "avx2"}, "float32"),              # everything else
    ],
)
def test_auto_follows_the_documented_rule(monkeypatch, tpu, gpu_capability, cpu_flags, expected):
    from keras_s2p import precision

    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: ["tpu"] if tpu else [])
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: ["gpu0"] if gpu_capability else [])
    monkeypatch.setattr(tf.config.experimental, "get_device_details",
                        lambda device: {"compute_capability": gpu_capability})
    monkeypatch.setattr(precision, "_cpu_flags", lambda: frozenset(cpu_flags))
    assert resolve_precision("auto") == detect_precision() == expected


def test_resolve_precision():
    assert resolve_precision("float32") == "float32"
    assert resolve_precision("auto") in PRECISIONS
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


# Both precisions must learn: 6 epochs cut the untrained generator's validation L1 by at least this fraction (measured
# 0.189 -> 0.151 float32, 0.148 bf16 on 2 loaded cores; a model that does not learn keeps its untrained L1).
LEARNS_MARGIN = 0.1


def _val_l1(precision, train, val):
    """(untrained, trained) validation L1 of a tiny GAN in `precision`, trained 6 epochs from seed 0."""
    keras.utils.set_random_seed(0)
    gan = SketchToPhotoGAN(image_size=32, base_filters=8, num_res_blocks=1, critic_filters=8, critic_layers=2,
                           critic_steps=1, perceptual_weight=0.0, precision=precision)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5), d_optimizer=keras.optimizers.Adam(2e-3, 0.5))
    untrained = gan.evaluate(val, verbose=0, return_dict=True)["l1"]
    gan.fit(train, epochs=6, verbose=0)
    return untrained, gan.evaluate(val, verbose=0, return_dict=True)["l1"]


def test_bfloat16_reaches_float32_validation_l1():
    sketches, photos = builtin_pairs(40, image_size=32)
    train = tf.data.Dataset.from_tensor_slices((sketches[:32], photos[:32])).batch(8)
    val = tf.data.Dataset.from_tensor_slices((sketches[32:], photos[32:])).batch(8)
    (f32_start, f32), (bf16_start, bf16) = _val_l1("float32", train, val), _val_l1("mixed_bfloat16", train, val)
    print(f"val L1 untrained -> trained: float32 {f32_start:.4f} -> {f32:.4f}, bf16 {bf16_start:.4f} -> {bf16:.4f}")
    assert np.isfinite(f32) and np.isfinite(bf16)
    assert f32 <= (1 - LEARNS_MARGIN) * f32_start and bf16 <= (1 - LEARNS_MARGIN) * bf16_start
    assert abs(bf16 - f32) <= BF16_VAL_L1_TOLERANCE
