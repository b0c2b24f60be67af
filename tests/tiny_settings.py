"""Tiny model settings and random paired data shared by the tests (importable as `tiny_settings`)."""

import numpy as np

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


def random_pairs(n=8, size=32, seed=0):
    """`n` random (sketch, photo) float32 pairs in [-1, 1]."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"),
            rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"))
