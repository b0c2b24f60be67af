"""A training run's data: the folder's files are hashed for the data fingerprint once per ``train``."""

import sys

from keras_s2p.data import find_pairs, fingerprint, save_image
from keras_s2p.models.precise_batch_norm import batch_norm_layers
from keras_s2p.training import train
from tiny_settings import TINY, random_pairs


def test_one_training_run_hashes_the_data_files_once(tmp_path, monkeypatch):
    """The config's fingerprint, the remembered up-front check and the calibration sample's pipelines share one
    hash of every file: the fingerprint function is counted under every name it is imported as."""
    folder = tmp_path / "data"
    for i, (sketch, photo) in enumerate(zip(*random_pairs(6, 36))):
        save_image(sketch, folder / "sketches" / f"{i}.png")
        save_image(photo, folder / "photos" / f"{i}.png")
    calls, real = [], fingerprint

    def counted(pairs):
        calls.append(len(pairs))
        return real(pairs)

    for module in list(sys.modules.values()):
        for name, value in list(getattr(module, "__dict__", {}).items()):
            if value is real and module is not sys.modules[__name__]:
                monkeypatch.setattr(module, name, counted)
    gan, _, run = train(folder, run_dir=tmp_path / "run", epochs=1, batch_size=2, validation_split=2, verbose=0,
                        **TINY)
    assert batch_norm_layers(gan.generator)  # so the calibration sample loaded the data twice more
    assert calls == [6]
    assert run.read_config()["data_fingerprint"] == fingerprint(find_pairs(folder))
