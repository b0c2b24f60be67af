"""Streaming (cache='none'), the memory budget, endless streams with skip, and the remembered up-front check."""
import numpy as np
import pytest

from keras_s2p.data import paired_dataset, streaming
from keras_s2p.errors import DataError


@pytest.fixture
def folder(paired_folder):
    names = [f"{i:02d}.png" for i in range(10)]
    return paired_folder(names, names)


def batches(ds, count=None):
    out = []
    for i, (sketch, photo) in enumerate(ds):
        if count is not None and i == count:
            break
        out.append((sketch.numpy(), photo.numpy()))
    return out


def assert_same(a, b):
    assert len(a) == len(b)
    for (s1, p1), (s2, p2) in zip(a, b):
        np.testing.assert_array_equal(s1, s2)
        np.testing.assert_array_equal(p1, p2)


def test_streaming_gives_the_batches_of_the_memory_cache_every_epoch(folder):
    memory = paired_dataset(folder, 16, 4, cache="memory", seed=3)
    stream = paired_dataset(folder, 16, 4, cache="none", seed=3)
    first = batches(memory)
    assert_same(first, batches(stream))  # epoch 1: same whole-set permutation and crops
    second = batches(memory)
    assert_same(second, batches(stream))  # epoch 2: reshuffled alike
    assert not np.array_equal(first[0][1], second[0][1])


def test_cache_auto_keeps_memory_within_the_budget_and_streams_beyond(monkeypatch):
    assert streaming.in_memory("auto", 100, 64, "data")
    monkeypatch.setattr(streaming, "MEMORY_BUDGET", streaming.decoded_bytes(100, 64) - 1)
    assert not streaming.in_memory("auto", 100, 64, "data")
    assert not streaming.in_memory("none", 1, 64, "data")


def test_cache_memory_over_budget_is_one_line_saying_what_to_use(folder, monkeypatch):
    monkeypatch.setattr(streaming, "MEMORY_BUDGET", 1000)
    with pytest.raises(DataError, match=r"10 pairs in .*over the .* budget of cache='memory'; use cache='auto'"):
        paired_dataset(folder, 16, 4, cache="memory")
    with pytest.raises(DataError, match="cache='ram' is not one of auto, memory, disk, none"):
        paired_dataset(folder, 16, 4, cache="ram")


@pytest.mark.parametrize("cache", ["memory", "none", "disk"])
def test_repeated_stream_skipped_equals_the_uninterrupted_stream(folder, cache):
    """What a resumed run with steps per epoch relies on: skip(n) lands on batch n / batch_size of the stream, across
    pass boundaries (8 training pairs, batches of 4: a pass every 2 batches, each reshuffled)."""
    options = dict(image_size=16, batch_size=4, validation_split=2, seed=1, cache=cache, repeat=True)
    whole = batches(paired_dataset(folder, **options)[0], 7)
    resumed = batches(paired_dataset(folder, skip=3 * 4, **options)[0], 4)
    assert_same(whole[3:], resumed)
    assert not np.array_equal(whole[0][1], whole[2][1])  # the second pass is not the first again


def test_up_front_check_is_remembered_by_data_fingerprint(folder, monkeypatch):
    calls = []
    real = streaming.checked_before
    monkeypatch.setattr("keras_s2p.data.dataset.check_images", lambda *a, **k: calls.append(a))
    monkeypatch.setattr("keras_s2p.data.dataset.checked_before", lambda fp: calls.append(fp) or real(fp))
    paired_dataset(folder, 16, 4)
    paired_dataset(folder, 16, 4)
    assert len([c for c in calls if isinstance(c, tuple)]) == 1  # decoded once, remembered the second time
    (folder / "photos" / "03.png").write_bytes(b"changed")  # other content: another fingerprint, checked again
    paired_dataset(folder, 16, 4)
    assert len([c for c in calls if isinstance(c, tuple)]) == 2


def test_corrupt_file_is_named_before_streaming(folder):
    (folder / "sketches" / "05.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"1 unreadable image\(s\) in .*05.png"):
        paired_dataset(folder, 16, 4, cache="none")


def test_file_that_disappears_or_changes_while_streaming_is_named(folder):
    from keras_s2p.data.dataset import read_error

    ds = paired_dataset(folder, 16, 4, cache="none", shuffle=False)
    (folder / "photos" / "02.png").unlink()
    with pytest.raises(Exception) as info:
        batches(ds)
    error = read_error(info.value, folder)
    assert isinstance(error, DataError) and "a data file disappeared during training" in str(error)
    assert "02.png" in str(error)
    (folder / "photos" / "02.png").write_bytes(b"edited into garbage")
    with pytest.raises(Exception) as info:
        batches(ds)
    error = read_error(info.value, folder)
    assert isinstance(error, DataError), info.value
    assert "the data changed during training" in str(error) and "photos/02.png" in str(error)
