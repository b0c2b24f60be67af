"""Each private-API patch in keras_s2p.compat applies only to the Keras versions that need it."""

import keras
import pytest
from keras.src.backend.tensorflow import trainer

from keras_s2p.compat import multiworker_fit, saving_skipset

pytestmark = pytest.mark.compat_smoke


@pytest.mark.parametrize("version, needed", [("3.4.1", False), ("3.5.0", True), ("3.15.1", True), ("3.16.0", False)])
def test_multiworker_fit_applies_only_where_keras_has_the_patched_functions_and_the_bug(version, needed):
    assert multiworker_fit.needs_fix(version) is needed


def test_multiworker_fit_leaves_other_keras_versions_alone(monkeypatch):
    monkeypatch.setattr(keras, "__version__", "3.16.0")
    before = trainer.TensorFlowTrainer._maybe_symbolic_build
    assert multiworker_fit.apply() is False and not multiworker_fit.is_applied()
    assert trainer.TensorFlowTrainer._maybe_symbolic_build is before


def test_multiworker_fit_patches_and_restores_the_installed_keras():
    before = trainer.TensorFlowTrainer._maybe_symbolic_build, trainer.reduce_per_replica
    try:
        assert multiworker_fit.apply() is True and multiworker_fit.apply() is True  # idempotent
        assert trainer.TensorFlowTrainer._maybe_symbolic_build is multiworker_fit._maybe_symbolic_build
    finally:
        multiworker_fit.remove()
    assert (trainer.TensorFlowTrainer._maybe_symbolic_build, trainer.reduce_per_replica) == before


@pytest.mark.parametrize("version", ["3.5.0", "3.16.0"])
def test_saving_skipset_does_nothing_outside_its_range(monkeypatch, version):
    from keras.src.saving import saving_lib

    def untouchable(obj_type):
        raise AssertionError(f"get_attr_skipset({obj_type!r}) called for Keras {version}")

    monkeypatch.setattr(keras, "__version__", version)
    monkeypatch.setattr(saving_lib, "get_attr_skipset", untouchable, raising=False)
    assert saving_skipset.ensure_skipset_cache() == ()
