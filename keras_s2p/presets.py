"""Named training settings for ``s2p train --preset NAME``; explicit command-line flags override them.

Each preset maps option names (`keras_s2p.models.gan_options`, `keras_s2p.options`) to values. Numbers behind the
``faces`` preset are in ``benchmarks/QUALITY.md``.
"""

from keras_s2p.errors import ConfigError

PRESETS = {
    "default": {},
    # The design this project grew from, for comparison: BatchNorm encoder-decoder without skips, transposed
    # upsampling, a critic on photos alone with 5 steps per generator step, batch 16, Adam 1e-4, 1000 epochs.
    "seed": dict(
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
    "faces": dict(
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
}
PRESET_HELP = {
    "default": "general settings for any paired data",
    "seed": "the original design, for comparison",
    "faces": "~100 aligned face pairs at 128x128",
}


def preset(name):
    """The settings of preset `name`.

    Raises:
        ConfigError: unknown preset.
    """
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return dict(PRESETS[name])
