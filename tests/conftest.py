"""Shared fixtures: tiny model settings and random paired data, so every test runs in seconds on 2 CPU cores."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest
import tensorflow as tf

from tiny_settings import TINY, random_pairs


@pytest.fixture
def tiny_kwargs():
    """Constructor arguments of a GAN small enough to train a few steps in a second."""
    return dict(TINY)


@pytest.fixture
def pair_arrays():
    return random_pairs()


@pytest.fixture
def pair_dataset(pair_arrays):
    return tf.data.Dataset.from_tensor_slices(pair_arrays).batch(4)
