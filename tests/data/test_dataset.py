import numpy as np
import pytest
import tensorflow as tf

from keras_s2p.data import builtin_pairs, find_pairs, fingerprint, paired_dataset, save_image
from keras_s2p.data.dataset import augment_pair, held_out
from keras_s2p.errors import DataError


def collect(ds):
    sketches, photos = zip(*[(s.numpy(), p.numpy()) for s, p in ds])
    return np.concatenate(sketches), np.concatenate(photos)


def test_folder_dataset_shapes_dtype_range(paired_folder):
    root = paired_folder([f"{i}.png" for i in range(5)], [f"{i}.jpg" for i in range(5)], size=(48, 40))
    ds = paired_dataset(root, image_size=32, batch_size=2)
    shapes = [tuple(s.shape) for s, _ in ds]
    assert shapes == [(2, 32, 32, 3), (2, 32, 32, 3), (1, 32, 32, 3)]
    s, p = collect(ds)
    assert s.dtype == p.dtype == np.float32 and s.min() >= -1 and p.max() <= 1 and p.std() > 0.1
    assert len(list(paired_dataset(root, image_size=32, batch_size=2, drop_remainder=True))) == 2


def test_validation_split_disjoint_reproducible_and_unaugmented():
    sketches, photos = builtin_pairs(10, image_size=32, seed=3)
    train, val = paired_dataset((sketches, photos), image_size=32, batch_size=4, validation_split=0.3, seed=7)
    _, val_photos = collect(val)
    _, train_photos = collect(paired_dataset((sketches, photos), 32, 4, validation_split=3, seed=7, augment=False,
                                             shuffle=False)[0])
    held = held_out(10, 3, 7)
    np.testing.assert_array_equal(held, np.sort(np.random.RandomState(7).permutation(10)[:3]))
    # Validation = exactly the held-out pairs, in order, unaugmented (only the uint8 cache rounding).
    np.testing.assert_allclose(val_photos, photos[held], atol=1 / 127.5)
    np.testing.assert_allclose(train_photos, np.delete(photos, held, 0), atol=1 / 127.5)
    assert len(collect(train)[0]) == 7
    _, again = collect(paired_dataset((sketches, photos), 32, 4, validation_split=0.3, seed=7)[1])
    np.testing.assert_array_equal(again, val_photos)
    assert not np.array_equal(held, held_out(10, 3, 8))


@pytest.mark.parametrize("split", [0, 10, 1.0, -0.5])
def test_bad_validation_split(split):
    with pytest.raises(DataError, match=f"validation_split={split}"):
        paired_dataset(builtin_pairs(10, 32), 32, validation_split=split)


def test_augment_pair_same_crop_and_flip_for_both():
    pattern = tf.random.stateless_uniform([36, 36, 3], seed=[1, 2], minval=-1, maxval=1)
    crops = set()
    for i in range(12):
        sketch, photo = augment_pair(pattern, -pattern, 32, tf.constant([i, 0], tf.int64))
        np.testing.assert_array_equal(sketch.numpy(), -photo.numpy())
        crops.add(photo.numpy().tobytes())
    assert len(crops) > 4  # crops/flips actually vary


def test_pipeline_augments_sketch_and_photo_identically():
    rng = np.random.default_rng(0)
    photos = rng.uniform(-1, 1, (6, 32, 32, 3)).astype(np.float32)
    ds = paired_dataset((-photos, photos), image_size=32, batch_size=6, seed=1, jitter=1.25)
    epochs = [collect(ds) for _ in range(2)]
    for sketches, augmented in epochs:
        np.testing.assert_allclose(sketches, -augmented, atol=1.01 / 127.5)
    assert not np.allclose(epochs[0][1], epochs[1][1])  # new crops/flips/order each epoch


def test_patterned_image_crop_and_flip_visible():
    """A left/right asymmetric pattern: the flip is applied to both or neither."""
    photo = np.zeros((1, 32, 32, 3), np.uint8)
    photo[:, :, :8] = 255  # white band on the left
    sketch = photo.copy()
    flips = []
    for seed in range(8):
        s, p = collect(paired_dataset((sketch, photo), image_size=32, batch_size=1, seed=seed))
        left_is_bright = p[0, :, :4].mean() > p[0, :, -4:].mean()
        assert left_is_bright == (s[0, :, :4].mean() > s[0, :, -4:].mean())
        flips.append(left_is_bright)
    assert len(set(flips)) == 2


def test_in_memory_arrays_uint8_and_grey(tmp_path):
    photos = np.full((3, 32, 32, 3), 255, np.uint8)
    sketches = np.zeros((3, 32, 32), np.uint8)
    s, p = collect(paired_dataset((sketches, photos), 32, augment=False))
    assert s.shape == p.shape == (3, 32, 32, 3) and np.all(s == -1) and np.all(p == 1)


@pytest.mark.parametrize("sketches,photos,message", [
    (np.full((2, 8, 8, 3), 2.0, np.float32), np.zeros((2, 8, 8, 3), np.float32), "outside \\[-1, 1\\]"),
    (np.zeros((2, 8, 8, 2), np.float32), np.zeros((2, 8, 8, 3), np.float32), "must have shape"),
    (np.zeros((2, 8, 8, 3), np.int32), np.zeros((2, 8, 8, 3), np.uint8), "dtype int32"),
    (np.zeros((2, 8, 8, 3), np.uint8), np.zeros((3, 8, 8, 3), np.uint8), "same, non-zero number"),
])
def test_bad_arrays(sketches, photos, message):
    with pytest.raises(DataError, match=message):
        paired_dataset((sketches, photos), 8)


@pytest.mark.parametrize("side", ["left", "right"])
def test_side_by_side_split_on_both_sides(tmp_path, side):
    ab = np.concatenate([np.full((32, 32, 3), 1.0), np.full((32, 32, 3), -1.0)], axis=1)  # white | black
    save_image(ab, tmp_path / "nested" / "1_AB.png")
    s, p = collect(paired_dataset(tmp_path, image_size=32, side_by_side=side, augment=False))
    assert s.shape == (1, 32, 32, 3)
    white, black = (s, p) if side == "left" else (p, s)
    np.testing.assert_allclose(white, 1.0)
    np.testing.assert_allclose(black, -1.0)


def test_list_of_pairs_source_and_side_by_side_guard(paired_folder):
    root = paired_folder(["a.png", "b.png"], ["a.png", "b.png"], size=(32, 32))
    pairs = find_pairs(root)
    s, _ = collect(paired_dataset(pairs[:1], 32, augment=False))
    assert s.shape == (1, 32, 32, 3)
    with pytest.raises(DataError, match="one file for sketch and photo; name the sketch half: --side-by-side left"):
        paired_dataset([(pairs[0].photo, pairs[0].photo)], 32)
    with pytest.raises(DataError, match="source must be a folder, a non-empty list"):
        paired_dataset([], 32)


def test_fingerprint_tracks_content_not_location(paired_folder, tmp_path):
    first = find_pairs(paired_folder(["a.png", "b.png"], ["a.png", "b.png"], root=tmp_path / "one"))
    second = find_pairs(paired_folder(["a.png", "b.png"], ["a.png", "b.png"], root=tmp_path / "two"))
    assert fingerprint(first) == fingerprint(second) and len(fingerprint(first)) == 16
    assert fingerprint(first) != fingerprint(first[::-1])
    save_image(np.zeros((40, 40, 3)), second[0].photo)
    assert fingerprint(first) != fingerprint(second)
    arrays = builtin_pairs(2, 16)
    assert fingerprint(arrays) == fingerprint(builtin_pairs(2, 16)) != fingerprint(builtin_pairs(2, 16, seed=1))


def test_every_keeps_an_evenly_spread_sample_of_the_training_pairs():
    sketches = np.arange(20, dtype=np.uint8).reshape(20, 1, 1, 1).repeat(8, 1).repeat(8, 2).repeat(3, 3)
    train, _ = paired_dataset((sketches, sketches), image_size=8, batch_size=20, validation_split=4, every=3,
                              augment=False, shuffle=False)
    kept = next(iter(train))[0].numpy()[:, 0, 0, 0]
    held = held_out(20, 4, 0)
    expected = np.setdiff1d(np.arange(20), held)[::3]
    np.testing.assert_allclose((kept + 1) * 127.5, expected, atol=1e-3)
    with pytest.raises(DataError, match="every=0"):
        paired_dataset((sketches, sketches), image_size=8, every=0)
