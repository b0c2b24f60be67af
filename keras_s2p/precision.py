"""Choosing the numeric precision: float32, mixed bfloat16 or mixed float16, with ``"auto"`` picking by hardware.

Mixed precision runs the convolutions in 16 bits and keeps variables in float32; the models built here keep their
outputs, every loss and the gradient penalty in float32 regardless.
"""

import contextlib
import functools

import keras
import tensorflow as tf

from keras_s2p.errors import ConfigError
from keras_s2p.models.choices import PRECISIONS


@functools.lru_cache(maxsize=1)
def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def detect_precision():
    """The precision ``"auto"`` resolves to on this machine.

    TPUs and CPUs with AMX-BF16 or AVX512-BF16 get ``mixed_bfloat16``; GPUs with tensor cores (compute capability
    7.0 or newer) get ``mixed_float16``; everything else ``float32``.
    """
    if tf.config.list_logical_devices("TPU"):
        return "mixed_bfloat16"
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
        return "mixed_float16" if tuple(capability) >= (7, 0) else "float32"
    if {"amx_bf16", "avx512_bf16"} & _cpu_flags():
        return "mixed_bfloat16"
    return "float32"


def resolve_precision(precision="auto"):
    """Validate `precision` and resolve ``"auto"`` to a concrete Keras dtype policy name.

    Raises:
        ConfigError: `precision` is not one of `PRECISIONS`.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"precision={precision!r} is not one of {PRECISIONS}")
    return detect_precision() if precision == "auto" else precision


@contextlib.contextmanager
def dtype_policy_scope(policy):
    """Temporarily set Keras' global dtype policy, so models built inside use it; restored on exit."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
