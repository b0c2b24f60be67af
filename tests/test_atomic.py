import pytest

from keras_s2p.atomic import atomic_path, atomic_write_bytes, atomic_write_text


def test_writes_and_replaces(tmp_path):
    target = tmp_path / "sub" / "config.json"
    atomic_write_text(target, "one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["config.json"]


def test_interrupted_write_keeps_previous_version_and_no_temp_file(tmp_path):
    target = tmp_path / "loss_curves.png"
    atomic_write_bytes(target, b"previous")
    with pytest.raises(RuntimeError, match="interrupted"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half-writ")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["loss_curves.png"]


def test_temp_path_keeps_extension_and_replaces_directories(tmp_path):
    target = tmp_path / "best.weights.h5"
    with atomic_path(target) as tmp:
        assert tmp.name.endswith(".weights.h5") and tmp.parent == tmp_path
        tmp.write_bytes(b"w")
    exported = tmp_path / "saved_model"
    for version in ("v1", "v2"):
        with atomic_path(exported) as tmp:
            tmp.mkdir()
            (tmp / "version").write_text(version)
    assert (exported / "version").read_text() == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.h5", "saved_model"]


def test_remove_leftovers_deletes_what_killed_writes_left(tmp_path):
    from keras_s2p.atomic import remove_leftovers

    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / ".tmp-1a2b3c4d-epoch_0002.weights.h5").write_bytes(b"half")
    (tmp_path / ".tmp-5e6f7a8b-model.keras").mkdir()
    (tmp_path / "workers" / "w1").mkdir(parents=True)
    (tmp_path / "workers" / "w1" / ".tmp-00000000-backup.h5").write_bytes(b"in use")
    (tmp_path / "checkpoints" / "epoch_0002.weights.h5").write_bytes(b"kept")
    assert remove_leftovers(tmp_path, keep=("workers",)) == 2
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "checkpoints/epoch_0002.weights.h5", "workers/w1/.tmp-00000000-backup.h5"]
