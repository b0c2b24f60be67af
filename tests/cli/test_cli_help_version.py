"""Every ``s2p`` command's --help ends with an example that parses; ``s2p --version`` names the versions."""

import re
import shlex

import keras
import pytest
import tensorflow as tf

import keras_s2p
from keras_s2p.cli import COMMANDS, build_parser, main


def help_text(capsys, *argv):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", [module.__name__.rsplit(".", 1)[-1] for module in COMMANDS])
def test_every_command_help_has_an_example_that_parses(command, capsys):
    examples = re.findall(r"^example: (s2p .+)$", help_text(capsys, command), re.MULTILINE)
    assert len(examples) == 1, f"s2p {command} --help: no one-line example"
    argv = shlex.split(examples[0])[1:]
    assert argv[0] == command
    build_parser().parse_args(argv)  # exits (status 2) on an unknown flag or a bad value


def test_version_names_the_package_tensorflow_and_keras(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == (f"keras-s2p {keras_s2p.__version__} (TensorFlow {tf.__version__}, "
                                       f"Keras {keras.__version__})\n")
