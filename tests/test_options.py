import inspect
import re

import pytest

from keras_s2p import ConfigError, SketchToPhotoGAN, build_generator
from keras_s2p.cli import build_parser
from keras_s2p.models.gan_options import MODEL_DEFAULTS, MODEL_OPTIONS, STYLE_OPTIONS
from keras_s2p.options import TRAINING_OPTIONS
from keras_s2p.training import train


def _train_flags():
    train_parser = build_parser()._subparsers._group_actions[0].choices["train"]
    return {action.dest: action for action in train_parser._actions}


def test_every_option_is_one_flag_and_one_argument_with_one_default():
    model_args = inspect.signature(SketchToPhotoGAN).parameters
    train_args = inspect.signature(train).parameters
    flags = _train_flags()
    for options, args in ((MODEL_OPTIONS, model_args), (TRAINING_OPTIONS, train_args)):
        for option in options:
            assert option.name in flags, option.name
            assert flags[option.name].default == option.default, option.name
            if option.name in args:
                assert args[option.name].default == option.default, option.name
    assert {o.name for o in MODEL_OPTIONS} == {n for n in model_args if n not in ("generator", "critic", "kwargs")}


def test_saved_config_holds_every_model_option():
    config = SketchToPhotoGAN(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4,
                              perceptual_weight=0).get_config()
    assert {o.name for o in MODEL_OPTIONS if o.name not in STYLE_OPTIONS} <= set(config)
    assert set(STYLE_OPTIONS) <= set(SketchToPhotoGAN.from_config({**config, "style_dim": 2}).get_config())


# The README's "Defaults for any paired data" and "How a training step works", as literals: changing a default in
# keras_s2p/models/gan_options.py or keras_s2p/options.py without changing what the README says fails here.
DOCUMENTED_MODEL_DEFAULTS = dict(
    image_size=128, base_filters=32, num_res_blocks=6, skip_connections=True, generator_norm="batch",
    upsampling="resize", critic_output="patch", conditional_critic=True, critic_steps=1, gp_weight=10.0,
    l1_weight=100.0, perceptual_weight=1.0, perceptual_weights="imagenet", feature_matching_weight=0.0,
    precision="auto", attention=False, color_hints=False, hint_recolor=0.25, critic_scales=1,
)
DOCUMENTED_TRAINING_DEFAULTS = dict(epochs=200, batch_size=4, g_learning_rate=2e-4, d_learning_rate=2e-4,
                                    lr_decay_epochs=0.5, validation_split=0.1, augment=True, sample_every=10,
                                    ema_momentum=0.0, seed=0)


def test_defaults_are_the_documented_ones():
    model_args = inspect.signature(SketchToPhotoGAN).parameters
    train_args = inspect.signature(train).parameters
    cli = vars(build_parser().parse_args(["train"]))
    for name, value in DOCUMENTED_MODEL_DEFAULTS.items():
        assert model_args[name].default == value and cli[name] == value, name
    for name, value in DOCUMENTED_TRAINING_DEFAULTS.items():
        assert train_args[name].default == value and cli[name] == value, name
    optimizer = SketchToPhotoGAN(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4,
                                 perceptual_weight=0, precision="float32")
    optimizer.compile()
    adam = optimizer.g_optimizer
    assert (float(adam.learning_rate), adam.beta_1, adam.beta_2) == (pytest.approx(2e-4), 0.5, 0.9)
def test_docstring_lists_every_model_option_with_its_default():
    entries = re.split(r"\n {8}(?=\w+: )", SketchToPhotoGAN.__doc__)
    described = {entry.split(":")[0]: " ".join(entry.split()) for entry in entries}
    for option in MODEL_OPTIONS:
        assert f"Default {option.default!r}" in described[option.name], option.name


@pytest.mark.parametrize("option", [o for o in MODEL_OPTIONS if o.choices or o.type.rule != "a path or name"],
                         ids=lambda o: o.name)
def test_every_model_option_is_validated_by_its_declaration(tiny_kwargs, option):
    bad = "not-a-choice" if option.choices else {"names": [1], "numbers": ["x"]}.get(option.type.name, -1)
    with pytest.raises(ConfigError, match=re.escape(f"{option.name}={bad!r} must be {option.rule}")):
        SketchToPhotoGAN(**{**tiny_kwargs, option.name: bad})


def test_build_generator_defaults_are_the_models():
    generator = inspect.signature(build_generator).parameters
    for name, argument in generator.items():
        if name in MODEL_DEFAULTS or name == "norm":
            assert argument.default == MODEL_DEFAULTS["generator_norm" if name == "norm" else name], name


def test_every_preset_is_described_and_names_only_options():
    from keras_s2p.presets import PRESETS, preset

    known = {o.name for o in (*MODEL_OPTIONS, *TRAINING_OPTIONS)}
    for name, settings in PRESETS.items():
        assert settings.description, name
        assert set(settings) <= known, name
        assert preset(name) == settings and type(preset(name)) is dict
    with pytest.raises(ConfigError, match=f"unknown preset 'nope'; choose one of {', '.join(PRESETS)}$"):
        preset("nope")
