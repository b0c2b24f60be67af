"""Shared fixtures: tiny model settings and random paired data, so every test runs in seconds on 2 CPU cores."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf

TINY = dict(
    image_size=32,
    base_filters=8,
    num_res_blocks=1,
    critic_filters=8,
    critic_layers=2,
    critic_steps=2,
    perceptual_weight=0.0,
    precision="float32",
)


@pytest.fixture
def tiny_kwargs():
    """Constructor arguments of a GAN small enough to train a few steps in a second."""
    return dict(TINY)


def random_pairs(n=8, size=32, seed=0):
    """`n` random (sketch, photo) float32 pairs in [-1, 1]."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"),
            rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"))


@pytest.fixture
def pair_arrays():
    return random_pairs()


@pytest.fixture
def pair_dataset(pair_arrays):
    return tf.data.Dataset.from_tensor_slices(pair_arrays).batch(4)
