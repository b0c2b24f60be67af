"""Real data next to the checkout (../shared/data); skipped with a reason where it is absent."""
import csv

import numpy as np
import pytest
import tensorflow as tf

from keras_s2p.data import find_pairs, load_image, paired_dataset

CUFS_RULE = dict(manifest="no-manifest.csv", suffix="-sz1", prefix_map={"f": "F2", "m": "M2"})


def test_cufs_all_88_pairs_each_sketch_with_its_own_photo(shared_data):
    root = shared_data("cufs-train")
    pairs = find_pairs(root)
    assert len(pairs) == 88
    rows = list(csv.DictReader(open(root / "pairs.csv")))
    assert [(s.relative_to(root).as_posix(), p.relative_to(root).as_posix()) for s, p in pairs] == \
        [(r["sketch"], r["photo"]) for r in rows]
    for sketch, photo in pairs:  # F2-005-01-sz1 <-> f-005-01
        assert sketch.stem.lower() == photo.stem.lower().replace("f-", "f2-", 1).replace("m-", "m2-", 1) + "-sz1"
    # The naming rule alone finds the same pairs, and here sorted order equals the manifest's order.
    assert find_pairs(root, **CUFS_RULE) == pairs
    assert find_pairs(root, manifest="no-manifest.csv", prefix_map={"f": "F2", "m": "M2"}) == pairs


def test_cufs_validation_split_equals_the_reference_held_out_pairs(shared_data):
    root = shared_data("cufs-train")
    rows = list(csv.DictReader(open(root / "pairs.csv")))
    held = set(np.random.RandomState(0).permutation(len(rows))[:18])  # as pix2pix_reference.py does
    reference = [r["sketch"] for i, r in enumerate(rows) if i in held]
    _, val = paired_dataset(root, image_size=32, batch_size=32, validation_split=18, seed=0)
    sketches = np.concatenate([s.numpy() for s, _ in val])
    expected = np.stack([load_image(root / name, image_size=32) for name in reference])
    np.testing.assert_allclose(sketches, expected, atol=1.01 / 127.5)


def test_edges2shoes_side_by_side_right_half_is_the_edge_map(shared_data):
    root = shared_data("edges2shoes-handbags-train")
    with pytest.warns(UserWarning, match=r"ignoring 1 non-image file.*README\.txt"):
        pairs = find_pairs(root, side_by_side="right")
    assert len(pairs) == 2000 and {p.sketch.parent.name for p in pairs} == {"shoes", "handbags"}
    subset = pairs[::400]
    sketches, photos = (np.concatenate(x) for x in
                        zip(*[(s.numpy(), p.numpy()) for s, p in
                              paired_dataset(subset, image_size=64, side_by_side="right", augment=False,
                                             shuffle=False)]))
    assert sketches.shape == photos.shape == (5, 64, 64, 3)
    # HED edge maps: mostly white paper, almost no colour; the photos have colour/shading.
    assert (sketches > 0.9).mean() > 0.6
    assert np.abs(sketches - sketches.mean(-1, keepdims=True)).mean() < 0.02
    whole = load_image(subset[0].sketch)
    right, left = ((tf.image.resize((half + 1) / 2, [64, 64], antialias=True).numpy() * 2 - 1)
                   for half in (whole[:, 256:], whole[:, :256]))
    np.testing.assert_allclose(sketches[0], right, atol=1.01 / 127.5)
    np.testing.assert_allclose(photos[0], left, atol=1.01 / 127.5)
