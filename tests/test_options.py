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
