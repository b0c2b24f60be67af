import inspect

from keras_s2p import SketchToPhotoGAN
from keras_s2p.cli import build_parser
from keras_s2p.options import MODEL_OPTIONS, TRAINING_OPTIONS
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
    assert {o.name for o in MODEL_OPTIONS} <= set(config)
