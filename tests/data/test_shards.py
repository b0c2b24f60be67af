"""Packed shards: `pack` / ``s2p pack`` and reading a pack folder with `paired_dataset`."""
import errno
import json

import numpy as np
import pytest
import tensorflow as tf

from keras_s2p.cli import main
from keras_s2p.data import is_pack, pack, paired_dataset, read_manifest, shards
from keras_s2p.errors import DataError


@pytest.fixture
def folder(paired_folder):
    names = [f"{i:02d}.png" for i in range(12)]
    return paired_folder(names, names)


def values(ds):
    return [(s.numpy(), p.numpy()) for s, p in ds.unbatch()]


def test_pack_then_read_gives_the_folder_pairs_and_split(folder, tmp_path):
    out = tmp_path / "pack"
    manifest = pack(folder, out, image_size=16, jitter=1.0, shard_mb=0.002)
    assert is_pack(out) and manifest["count"] == 12 and len(manifest["shards"]) > 2
    assert manifest == read_manifest(out) and manifest["version"] == shards.PACK_VERSION
    options = dict(image_size=16, batch_size=4, validation_split=3, seed=2, augment=False, shuffle=False)
    packed, direct = paired_dataset(out, **options), paired_dataset(folder, **options)
    for a, b in zip(packed, direct):  # training and validation parts: the same pairs, bit for bit (PNG)
        assert len(values(a)) == len(values(b))
        for (s1, p1), (s2, p2) in zip(values(a), values(b)):
            np.testing.assert_array_equal(s1, s2)
            np.testing.assert_array_equal(p1, p2)


def test_pack_shuffles_every_pair_once_per_epoch_in_a_new_order(folder, tmp_path):
    pack(folder, tmp_path / "pack", image_size=16, jitter=1.0, shard_mb=0.002)
    ds = paired_dataset(tmp_path / "pack", 16, 4, augment=False, cache="none", shuffle_buffer=3, seed=0)
    epochs = [[p.mean() for _, p in values(ds)] for _ in range(2)]
    direct = sorted(p.mean() for _, p in values(paired_dataset(folder, 16, 4, augment=False, shuffle=False)))
    for order in epochs:
        np.testing.assert_allclose(sorted(order), direct, atol=1e-6)
    assert epochs[0] != epochs[1]


def test_pack_is_resumed_after_a_kill_and_equals_a_fresh_pack(folder, tmp_path, monkeypatch):
    fresh = pack(folder, tmp_path / "fresh", image_size=16, shard_mb=0.002)
    real_commit, commits = shards._commit, []

    def die_after_two(tmp, path):
        if len(commits) == 2:
            raise KeyboardInterrupt  # a kill between shards
        commits.append(path)
        return real_commit(tmp, path)

    monkeypatch.setattr(shards, "_commit", die_after_two)
    with pytest.raises(KeyboardInterrupt):
        pack(folder, tmp_path / "out", image_size=16, shard_mb=0.002)
    assert not is_pack(tmp_path / "out")
    monkeypatch.setattr(shards, "_commit", real_commit)
    resumed = pack(folder, tmp_path / "out", image_size=16, shard_mb=0.002)
    assert [s["count"] for s in resumed["shards"]] == [s["count"] for s in fresh["shards"]]
    for a, b in zip(resumed["shards"], fresh["shards"]):
        assert (tmp_path / "out" / a["file"]).read_bytes() == (tmp_path / "fresh" / b["file"]).read_bytes()
    names = [sorted(p.name for p in (tmp_path / name).iterdir()) for name in ("out", "fresh")]
    assert names[0] == names[1]  # no progress file or temporary shard left


def test_disk_full_while_packing_is_one_line_and_leaves_no_complete_looking_pack(folder, tmp_path, monkeypatch):
    def full(self, record):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tf.io.TFRecordWriter, "write", full)
    with pytest.raises(DataError, match=r"disk full while packing into .*out: 0 complete shard\(s\) kept, no pack"):
        pack(folder, tmp_path / "out", image_size=16)
    assert not is_pack(tmp_path / "out")
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tfrecord")]


def test_pack_of_another_version_or_truncated_shard_or_other_data_is_named(folder, tmp_path, paired_folder):
    out = tmp_path / "pack"
    manifest = pack(folder, out, image_size=16, shard_mb=0.002)
    shard = out / manifest["shards"][1]["file"]
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(DataError, match=rf"pack shard {shard} is truncated or changed"):
        paired_dataset(out, 16)
    (out / "pack.json").write_text(json.dumps({**manifest, "version": 99}))
    with pytest.raises(DataError, match=rf"{out} is a pack of format version 99, this keras-s2p reads version 1"):
        paired_dataset(out, 16)
    other = paired_folder(["a.png"], ["a.png"], root=tmp_path / "other")
    pack(folder, tmp_path / "p2", image_size=16)
    with pytest.raises(DataError, match="already holds a pack of other data or settings"):
        pack(other, tmp_path / "p2", image_size=16)
    with pytest.raises(DataError, match=r"holds 18x18 pairs, too small to train at image_size=32"):
        paired_dataset(tmp_path / "p2", 32)


def test_pack_names_every_corrupt_file_and_writes_nothing(folder, tmp_path):
    (folder / "photos" / "04.png").write_bytes(b"broken")
    with pytest.raises(DataError, match=r"1 unreadable image\(s\) in .*photos/04.png"):
        pack(folder, tmp_path / "out", image_size=16)
    assert not list((tmp_path / "out").glob("*.tfrecord"))


def test_s2p_pack_command(folder, tmp_path, capsys):
    assert main(["pack", str(folder), str(tmp_path / "out"), "--image-size", "16", "--shard-mb", "1"]) == 0
    assert "packed 12 pairs at 18x18 into 1 shard(s)" in capsys.readouterr().out
    assert main(["pack", str(tmp_path / "missing"), str(tmp_path / "o2")]) == 1
    assert "s2p pack: error: data folder not found" in capsys.readouterr().err
