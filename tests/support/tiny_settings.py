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


def with_random_batch_norm(model, seed=0):
    """`model` with non-trivial BatchNorm gamma, beta, moving mean and variance (an untrained one has 1, 0, 0, 1)."""
    import keras

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, n), rng.normal(0, 0.3, n), rng.normal(0, 0.5, n),
                               rng.uniform(0.2, 3.0, n)])
    return model


def hint_generator():
    """A stand-in colour-hint generator: ``generator([sketch, hints])``, hints RGB + alpha in [0, 1]."""
    import keras

    sketch, hints = keras.Input((None, None, 3), name="sketch"), keras.Input((None, None, 4), name="hints")
    x = keras.layers.Concatenate()([sketch, hints])
    x = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=keras.initializers.RandomNormal(0, 0.5, seed=1))(x)
    return keras.Model([sketch, hints], keras.layers.Activation("tanh")(x))
