"""keras_s2p.compat.versions: the declared range, read back from setup.cfg, and one line for any other version."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from keras_s2p.compat.versions import CHECKED, declared, keras_in, unsupported, version_tuple

pytestmark = pytest.mark.compat_smoke
SETUP_CFG = Path(__file__).resolve().parents[2] / "setup.cfg"


def test_declared_range_is_setup_cfg_install_requires():
    config = configparser.ConfigParser()
    config.read(SETUP_CFG)
    requirements = [Requirement(line) for line in config["options"]["install_requires"].split("\n") if line.strip()]
    expected = {r.name: str(r.specifier) for r in requirements if r.name in CHECKED}
    assert declared() == expected  # the installed metadata says what setup.cfg says
    assert all(expected[name] for name in CHECKED)  # a lower bound for each of TensorFlow, Keras, NumPy


def test_installed_versions_are_inside_the_declared_range():
    import keras
    import numpy
    import tensorflow

    installed = {"tensorflow": tensorflow.__version__, "keras": keras.__version__, "numpy": numpy.__version__}
    assert unsupported(installed, declared()) is None


@pytest.mark.parametrize("installed, needle", [
    ({"keras": "3.3.3"}, 'keras 3.3.3 is installed; keras-s2p supports keras>=3.10 (pip install "keras>=3.10")'),
    ({"keras": "3.9.2", "tensorflow": "2.15.1"},
     'keras 3.9.2, tensorflow 2.15.1 are installed; keras-s2p supports keras>=3.10, tensorflow>=2.16.2'),
])
def test_outside_the_range_is_one_line_naming_installed_and_supported(installed, needle):
    message = unsupported(installed, {"keras": ">=3.10", "tensorflow": ">=2.16.2", "numpy": ">=1.23.5"})
    assert message.startswith(needle) and "\n" not in message


@pytest.mark.parametrize("installed", [{"keras": "3.10.0"}, {"keras": "3.16.0.dev2026"}, {"keras": "local-build"},
                                       {"pillow": "1.0"}])
def test_inside_the_range_or_unknown_passes(installed):
    assert unsupported(installed, {"keras": ">=3.10"}) is None


def test_version_ranges():
    assert version_tuple("3.12.4") == (3, 12) and version_tuple("nightly") == (0, 0)
    assert keras_in(((3, 6), (3, 15)), "3.6.0") and keras_in(((3, 6), (3, 15)), "3.15.1")
    assert not keras_in(((3, 6), (3, 15)), "3.5.0") and not keras_in(((3, 6), (3, 15)), "3.16.0")


# A declared range the installed Keras is outside of, as an old Keras would be: the check runs for real.
OUTSIDE = ("import keras_s2p.compat.versions as versions; "
           "versions.declared = lambda distribution=None: {'keras': '>=99'}; ")


def _python(code):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)


def _expected():
    import keras

    return f'keras {keras.__version__} is installed; keras-s2p supports keras>=99 (pip install "keras>=99")'


@pytest.mark.slow
def test_an_unsupported_keras_fails_at_import_with_one_line():
    result = _python(OUTSIDE + "import keras_s2p; keras_s2p.SketchToPhotoGAN")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"keras_s2p.compat.versions.UnsupportedVersionError: {_expected()}", result.stderr[-2000:]


@pytest.mark.slow
def test_an_unsupported_keras_is_a_one_line_cli_error(tmp_path):
    result = _python(OUTSIDE + "from keras_s2p.cli import main; "
                     f"raise SystemExit(main(['train', '--epochs', '1', '--run-dir', {str(tmp_path)!r}]))")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.strip().splitlines() == [f"s2p train: error: {_expected()}"]


ROOT = SETUP_CFG.parent
LABELS = {"tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy"}


def test_matrix_and_docs_test_and_state_the_declared_lower_bounds():
    oldest = next(line for line in (ROOT / ".ci" / "compat_matrix").read_text().splitlines()
                  if line.strip().startswith('"oldest|'))
    pins = dict(pin.split("==") for pin in oldest.strip().strip('"').split("|")[2].split())
    docs = (ROOT / "docs" / "installation.md").read_text()
    for name, specifier in declared().items():
        bound = specifier.removeprefix(">=")
        assert pins[name] == bound or pins[name].startswith(bound + "."), (name, pins[name], specifier)
        assert f"| {LABELS[name]} | {pins[name]} |" in docs, name
