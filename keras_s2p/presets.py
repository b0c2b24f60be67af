"""Named training settings for ``s2p train --preset NAME`` and ``train(**preset(NAME))``, as plain data: each
`Preset` is a dict of option names (`keras_s2p.models.gan_options`, `keras_s2p.options`) to values, with its
description. Explicit command-line flags override them. Numbers behind the ``faces`` preset are in
``benchmarks/QUALITY.md``; ``demo`` is measured by ``benchmarks/demo_quality.py``.

Example:
    >>> gan, history, run = train("data/faces", **preset("faces"))
"""

from keras_s2p.errors import ConfigError


class Preset(dict):
    """Settings (option name -> value) with a one-line `description` (shown by ``s2p train --help``)."""

    def __init__(self, description, **settings):
        super().__init__(settings)
        self.description = description


PRESETS = {
    "default": Preset("general settings for any paired data"),
    # The design this project grew from, for comparison: BatchNorm encoder-decoder without skips, transposed
    # upsampling, a critic on photos alone with 5 steps per generator step, batch 16, Adam 1e-4, 1000 epochs.
    "seed": Preset(
        "the original design, for comparison",
        skip_connections=False,
        generator_norm="batch",
        upsampling="transpose",
        conditional_critic=False,
        critic_steps=5,
        batch_size=16,
        g_learning_rate=1e-4,
        d_learning_rate=1e-4,
        epochs=1000,
        lr_decay_epochs=0,
    ),
    # About a hundred aligned face sketch/photo pairs at 128x128 (CUHK CUFS). Strong without a pretrained network;
    # the VGG19 perceptual term (default weight) joins in where its ImageNet weights are available.
    "faces": Preset(
        "~100 aligned face pairs at 128x128",
        image_size=128,
        batch_size=4,
        skip_connections=True,
        generator_norm="batch",
        critic_steps=1,
        g_learning_rate=2e-4,
        d_learning_rate=2e-4,
        epochs=120,
        lr_decay_epochs=0.5,  # linear decay to 0 over the last half of the epochs
    ),
    # ``s2p demo``: the built-in shapes, small networks, under 3 minutes of 2 CPU cores. No augmentation: the
    # built-in photos follow from their sketches (a mirrored photo would move the light), and 512 generated pairs
    # do not overfit in 14 epochs. Adam at 2e-3, ten times pix2pix's rate, was the largest gain in so few steps; a
    # critic of 16 filters pays for two more epochs. Measured with benchmarks/demo_quality.py (docs: Benchmarks).
    "demo": Preset(
        "s2p demo's few minutes on the built-in shapes",
        image_size=64,
        epochs=14,
        batch_size=4,
        builtin_pairs=512,
        validation_split=0.1,
        augment=False,
        sample_every=7,
        base_filters=16,
        num_res_blocks=3,
        skip_connections=True,
        critic_filters=16,
        critic_steps=1,
        g_learning_rate=2e-3,
        d_learning_rate=2e-3,
        perceptual_weight=0.0,
    ),
}


def preset(name):
    """The settings of preset `name`, as a plain dict.

    Raises:
        ConfigError: unknown preset.
    """
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return dict(PRESETS[name])
