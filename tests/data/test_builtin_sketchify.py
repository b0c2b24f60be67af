import csv

import numpy as np
import pytest

from keras_s2p.data import builtin_dataset, builtin_pairs, load_image, sketchify, sketchify_folder
from keras_s2p.data.builtin import COLOURS
from keras_s2p.errors import DataError


def test_builtin_pairs_deterministic_any_size():
    sketches, photos = builtin_pairs(12, image_size=40, seed=5)
    assert sketches.shape == photos.shape == (12, 40, 40, 3) and photos.dtype == np.float32
    assert sketches.min() >= -1 and photos.max() <= 1
    again = builtin_pairs(12, image_size=40, seed=5)
    np.testing.assert_array_equal(sketches, again[0])
    np.testing.assert_array_equal(photos, again[1])
    np.testing.assert_array_equal(photos[:4], builtin_pairs(4, image_size=40, seed=5)[1])  # pair i fixed
    assert not np.allclose(photos, builtin_pairs(12, image_size=40, seed=6)[1])


def test_builtin_sketch_is_clean_lines_and_photo_is_colourful():
    sketches, photos = builtin_pairs(16, image_size=64)
    np.testing.assert_array_equal(sketches[..., 0], sketches[..., 2])  # grey
    ink = sketches[..., 0] < 0
    assert 0.005 < ink.mean() < 0.15  # thin lines, mostly white paper
    assert (sketches[..., 0] > 0.99).mean() > 0.8
    saturation = photos.max(-1) - photos.min(-1)
    assert (saturation > 0.5).mean() > 0.05  # saturated object colours, not grey


def test_builtin_outlines_are_unbroken():
    """Every outline is drawn equally thick all round: no gaps where it is steep (a star's lobes, polygon corners).
    A line end is an ink pixel with at most one ink neighbour; closed outlines have none, occlusions add a few."""
    sketches, _ = builtin_pairs(64, image_size=64, seed=1)
    ink = np.pad(sketches[..., 0] < 0, ((0, 0), (1, 1), (1, 1)))
    neighbours = sum(np.roll(ink, (dy, dx), (1, 2)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) - ink
    ends = (ink & (neighbours <= 1)).sum((1, 2))
    assert ends.max() <= 4 and ends.mean() < 1, np.bincount(ends)


def test_builtin_colour_follows_the_outline():
    """Inside each object the dominant channel is that shape's colour: learnable from the sketch alone."""
    _, photos = builtin_pairs(64, image_size=64, seed=2)
    centre = photos[:, 24:40, 24:40].reshape(len(photos), -1, 3)
    rgb = (centre.mean(1) + 1) / 2
    # Where an object covers the centre (often), the mean colour there is one of the palette's hues.
    distances = np.linalg.norm(rgb[:, None] / rgb.max(-1, keepdims=True)[:, None]
                               - COLOURS[None] / COLOURS.max(-1, keepdims=True)[None], axis=-1)
    assert (distances.min(1) < 0.35).mean() > 0.2


def test_builtin_photo_follows_from_the_sketch_alone():
    """Nothing random that the sketch does not show: the backdrop and its light are the same in every photo (the top
    left corner is never covered: shadows fall to the lower right), so a model can learn the photo without grain."""
    sketches, photos = builtin_pairs(64, image_size=64, seed=3)
    assert (sketches[:, :2, :2] == 1).all()
    np.testing.assert_array_equal(photos[:, :2, :2], np.broadcast_to(photos[:1, :2, :2], photos[:, :2, :2].shape))


def test_builtin_dataset_uses_paired_pipeline():
    train, val = builtin_dataset(image_size=32, batch_size=4, num_pairs=10, validation_split=2)
    assert [tuple(s.shape) for s, _ in train] == [(4, 32, 32, 3), (4, 32, 32, 3)]
    assert [tuple(p.shape) for _, p in val] == [(2, 32, 32, 3)]


def test_sketchify_conventions_and_edges():
    photo = np.zeros((32, 32, 3), np.uint8)
    photo[:, 16:] = 255  # one vertical edge
    lines = sketchify(photo)
    assert lines.shape == (32, 32, 3) and lines.dtype == np.uint8
    np.testing.assert_array_equal(lines[..., 0], lines[..., 1])
    assert lines[:, 14:18].min() < 80  # ink along the edge
    assert lines[:, 20:].min() == 255 and lines[:, 24:].max() == 255  # white paper away from it on the bright side
    batch = sketchify(photo[None].astype(np.float32) / 127.5 - 1)
    assert batch.shape == (1, 32, 32, 3) and batch.dtype == np.float32 and batch.min() >= -1 and batch.max() <= 1
    np.testing.assert_allclose((batch[0] + 1) * 127.5, lines, atol=1)
    with pytest.raises(DataError, match="sketchify needs"):
        sketchify(np.zeros((4, 4)))


def test_sketchify_folder_makes_a_paired_folder(tmp_path, write):
    write(tmp_path / "in" / "a.jpg", (40, 30))
    write(tmp_path / "in" / "sub" / "b.png", (30, 40), seed=1)
    pairs = sketchify_folder(tmp_path / "in", tmp_path / "out")
    assert [(s.relative_to(tmp_path / "out").as_posix(), p.relative_to(tmp_path / "out").as_posix())
            for s, p in pairs] == [("sketches/a.png", "photos/a.jpg"), ("sketches/sub/b.png", "photos/sub/b.png")]
    rows = list(csv.DictReader(open(tmp_path / "out" / "pairs.csv")))
    assert [r["sketch"] for r in rows] == ["sketches/a.png", "sketches/sub/b.png"]
    assert load_image(pairs[0].sketch).shape == (30, 40, 3)
    assert (tmp_path / "out" / "photos" / "a.jpg").read_bytes() == (tmp_path / "in" / "a.jpg").read_bytes()
    with pytest.raises(DataError, match="already exists; pass overwrite=True"):
        sketchify_folder(tmp_path / "in", tmp_path / "out")
    assert len(sketchify_folder(tmp_path / "in", tmp_path / "out", overwrite=True)) == 2
    write(tmp_path / "in" / "a.png", (8, 8))
    with pytest.raises(DataError, match=r"differ only by extension.*a\.jpg, a\.png"):
        sketchify_folder(tmp_path / "in", tmp_path / "out2")
    with pytest.raises(DataError, match="photo folder not found"):
        sketchify_folder(tmp_path / "missing", tmp_path / "out3")
