"""Every file keras-s2p writes loads in a fresh process after ``import keras_s2p`` alone, with plain Keras calls."""

import keras
import numpy as np
import pytest

from fresh_process import run_python
from keras_s2p import SketchToPhotoGAN
from keras_s2p.callbacks import SafeBackupAndRestore
from keras_s2p.training import train
from tiny_settings import TINY, random_pairs

TINY_RUN = dict(TINY, critic_steps=1)
LOAD = "import keras, keras_s2p; model = keras.saving.load_model({path!r}); print(type(model).__name__)"
LOAD_KERAS_LATER = "import keras_s2p; import keras; print(type(keras.saving.load_model({path!r})).__name__)"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished 2-epoch run (decaying learning rates, as the faces preset has) and a default model file."""
    root = tmp_path_factory.mktemp("load")
    gan, _, run = train(run_dir=root / "run", epochs=2, batch_size=4, builtin_pairs=12, validation_split=4,
                        sample_every=1, lr_decay_epochs=1, verbose=0, **TINY_RUN)
    default = SketchToPhotoGAN(**TINY)
    default.compile()
    default.save(root / "default.keras")
    hinted = SketchToPhotoGAN(**TINY, color_hints=True)
    hinted.compile()
    hinted.save(root / "hints.keras")
    hinted.generator.save(root / "hints_generator.keras")
    return gan, run, root / "default.keras"


def _load_in_fresh_process(script):
    return run_python(script).split()[-1]


@pytest.mark.slow
@pytest.mark.parametrize("kind, expected", [("default", "SketchToPhotoGAN"), ("decaying_lr", "SketchToPhotoGAN"),
                                            ("generator", "Functional"), ("hints", "SketchToPhotoGAN"),
                                            ("hints_generator", "Functional")])
def test_every_model_file_loads_in_a_fresh_process(run, kind, expected):
    gan, folder, default = run
    path = {"default": default, "decaying_lr": folder.model_path, "generator": folder.generator_path,
            "hints": default.with_name("hints.keras"),
            "hints_generator": default.with_name("hints_generator.keras")}[kind]
    assert _load_in_fresh_process(LOAD.format(path=str(path))) == expected


@pytest.mark.slow
def test_keras_imported_after_keras_s2p_still_finds_the_classes(run):
    assert _load_in_fresh_process(LOAD_KERAS_LATER.format(path=str(run[1].model_path))) == "SketchToPhotoGAN"


SAVED_CLASSES = ("SketchToPhotoGAN", "ConstantThenLinearDecay", "StyleModulation", "SelfAttention")


@pytest.mark.slow
@pytest.mark.parametrize("first", ["from keras_s2p import build_generator",
                                   "import keras_s2p.models.generator",
                                   "from keras_s2p.data import builtin_pairs",
                                   "from keras_s2p.model_file import load_generator"])
def test_any_first_import_registers_every_saved_class(first):
    # A keras_s2p module that loads Keras itself must not be imported back, half-done, by the registration, and
    # the registration must still happen once that module has finished (without touching keras_s2p's attributes).
    script = (f"{first}; import keras; "
              f"print(all(keras.saving.get_registered_object('keras_s2p>' + name) for name in {SAVED_CLASSES!r}))")
    assert _load_in_fresh_process(script) == "True"


def test_importing_keras_s2p_and_its_cli_does_not_import_tensorflow():
    script = "import sys, keras_s2p, keras_s2p.cli; print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    assert _load_in_fresh_process(script) == "False"


@pytest.mark.filterwarnings("error::UserWarning")  # Keras warns when it skips variables it cannot match
def test_load_weights_reads_every_checkpoint(run):
    gan, folder, _ = run
    sketches = random_pairs(2)[0]
    expected = gan.generator(sketches, training=False).numpy()
    files = [*folder.checkpoints_dir.glob("*.weights.h5"), *folder.backup_dir.glob("*.weights.h5*")]
    assert {"epoch_0002.weights.h5", "best.weights.h5", "latest.weights.h5"} <= {f.name for f in files}
    for path in files:
        if path.name.endswith(".bkp"):
            continue  # the backup before the latest: the same layout, other weights
        reloaded = keras.saving.load_model(folder.model_path)  # the same optimizers, with their schedules
        reloaded.load_weights(path)
        if path.name in ("epoch_0002.weights.h5", "latest.weights.h5"):
            np.testing.assert_allclose(reloaded.generator(sketches, training=False), expected, atol=1e-6)
            assert int(reloaded.d_optimizer.iterations) == int(gan.d_optimizer.iterations)
    assert SafeBackupAndRestore._read_epoch(folder.backup_dir / "latest.weights.h5", None) == 2
