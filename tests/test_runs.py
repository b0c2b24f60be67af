import datetime
import json

import pytest

from keras_s2p import S2PError, atomic, runs
from keras_s2p.runs import RunFolder, RunFolderError


def test_default_name_is_date_and_time(tmp_path):
    run = RunFolder.create(tmp_path)
    assert run.path.parent == tmp_path
    datetime.datetime.strptime(run.path.name, "%Y%m%d-%H%M%S")
    assert RunFolder.create(tmp_path, "mine").path == tmp_path / "mine"


def test_paths_inside_the_run_folder(tmp_path):
    run = RunFolder(tmp_path / "r")
    assert run.tensorboard_dir == tmp_path / "r" / "tensorboard"
    assert run.samples_dir.name == "samples" and run.checkpoints_dir.name == "checkpoints"
    assert run.backup_dir.name == "backup" and run.history_csv.name == "history.csv"
    assert run.loss_curves_png.name == "loss_curves.png"
    assert run.model_path.name == "model.keras" and run.generator_path.name == "generator.keras"


def test_ensure_writable_creates_folder_without_leftovers(tmp_path):
    run = RunFolder(tmp_path / "logs" / "r")
    run.ensure_writable()
    assert run.path.is_dir() and list(run.path.iterdir()) == []


def test_ensure_writable_can_leave_the_folder_to_its_first_file(tmp_path):
    RunFolder(tmp_path / "logs" / "r").ensure_writable(create=False)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_fails_with_one_line_error(tmp_path):
    (tmp_path / "logs").write_text("a file where the folder should be")
    run = RunFolder(tmp_path / "logs" / "r")
    with pytest.raises(RunFolderError, match=r"logs/r is not writable") as info:
        run.ensure_writable()
    assert isinstance(info.value, S2PError) and "\n" not in str(info.value)


def test_full_disk_fails_before_training(tmp_path, monkeypatch):
    class Usage:
        free = 1024

    monkeypatch.setattr(runs.shutil, "disk_usage", lambda path: Usage)
    with pytest.raises(RunFolderError, match="0 MiB free"):
        RunFolder(tmp_path / "r").ensure_writable()

    def no_space(folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_probe", no_space)
    with pytest.raises(RunFolderError, match="not writable: disk full"):
        RunFolder(tmp_path / "r").ensure_writable()


def test_write_config_records_everything_and_resumes(tmp_path):
    run = RunFolder(tmp_path / "r")
    config = run.write_config({"image_size": 32, "root": tmp_path}, data_fingerprint="sha1:abc")
    assert json.loads(run.config_path.read_text()) == config
    assert config["hyperparameters"] == {"image_size": 32, "root": str(tmp_path)}
    assert config["data_fingerprint"] == "sha1:abc" and config["resumed"] == []
    assert set(config["versions"]) == {"python", "tensorflow", "keras", "numpy", "keras_s2p"}
    assert config["versions"]["keras"].startswith("3.")
    again = run.write_config({"image_size": 32}, data_fingerprint="sha1:abc")
    assert again["created"] == config["created"] and len(again["resumed"]) == 1


def test_is_resumable(tmp_path):
    run = RunFolder(tmp_path / "r")
    assert not run.is_resumable()
    run.backup_dir.mkdir(parents=True)
    (run.backup_dir / "latest.weights.h5").write_bytes(b"")
    assert run.is_resumable()


def test_check_resume_names_each_changed_key(tmp_path):
    run = RunFolder(tmp_path / "r")
    run.check_resume({"image_size": 64}, keys=("image_size",))  # nothing recorded yet: anything goes
    run.write_config({"image_size": 64, "base_filters": 8, "epochs": 10})
    run.check_resume({"image_size": 64, "base_filters": 8, "epochs": 20}, keys=("image_size", "base_filters"))
    with pytest.raises(S2PError, match=r"image_size 64 -> 128; base_filters 8 -> 16\); use the same settings"):
        run.check_resume({"image_size": 128, "base_filters": 16, "epochs": 10}, keys=("image_size", "base_filters"))
