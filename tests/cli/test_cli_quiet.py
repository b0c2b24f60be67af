"""``s2p`` keeps TensorFlow's start-up log lines off stderr, unless ``--verbose``."""

import os
import re
import subprocess
import sys

import pytest

from keras_s2p import build_generator
from keras_s2p.data import save_image
from tiny_settings import random_pairs

pytestmark = pytest.mark.slow  # runs the command line in subprocesses

TENSORFLOW_LOG_LINE = re.compile(r"^[IWE]\d{4} |absl::InitializeLog|oneDNN|cuda drivers", re.MULTILINE)


@pytest.fixture(scope="module")
def generate_args(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quiet")
    build_generator(image_size=32, base_filters=4, num_res_blocks=1).save(folder / "generator.keras")
    save_image(random_pairs(1)[0][0], folder / "sketch.png")
    return ["generate", "--model", folder / "generator.keras", folder / "sketch.png", "--output", folder / "p.png"]


def _s2p(*args):
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "keras_s2p", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def test_commands_print_no_tensorflow_log_lines(generate_args):
    result = _s2p(*generate_args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert not TENSORFLOW_LOG_LINE.search(result.stderr), result.stderr[:2000]


def test_verbose_shows_them(generate_args):
    result = _s2p("--verbose", *generate_args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert TENSORFLOW_LOG_LINE.search(result.stderr), result.stderr[:2000]
