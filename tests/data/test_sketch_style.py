import numpy as np
import pytest
import tensorflow as tf

from keras_s2p.data import builtin_pairs, paired_dataset
from keras_s2p.data.sketch_style import restyle_sketch
from keras_s2p.errors import DataError


def _sketch():
    sketch = np.ones((32, 32, 3), "float32")
    sketch[8:24, 15:17] = -1.0  # a dark vertical line, two pixels wide, on white paper
    return tf.constant(sketch)


def test_restyling_is_seeded_in_range_and_varies_the_lines():
    key = tf.constant([3, 4], tf.int64)
    first = restyle_sketch(_sketch(), key).numpy()
    np.testing.assert_array_equal(first, restyle_sketch(_sketch(), key).numpy())
    styles = [restyle_sketch(_sketch(), tf.constant([i, 0], tf.int64)).numpy() for i in range(40)]
    assert all(s.shape == (32, 32, 3) and s.min() >= -1.0 and s.max() <= 1.0 for s in styles)
    ink = [(s < 0).sum() / 3 for s in styles]
    assert min(ink) < 32 < max(ink)  # thinner and thicker lines than the original's 2 x 16 dark pixels
    assert sum(not np.array_equal(s, _sketch().numpy()) for s in styles) > 30


def test_pipeline_restyles_training_sketches_only():
    pairs = builtin_pairs(8, 32)

    def first_batch(**options):
        train, val = paired_dataset(pairs, 32, 8, validation_split=2, augment=False, shuffle=False, **options)
        return next(iter(train)), next(iter(val))

    (plain, plain_val), (styled, styled_val) = first_batch(), first_batch(sketch_style=True)
    np.testing.assert_array_equal(plain[1], styled[1])  # photos untouched
    assert not np.array_equal(plain[0], styled[0])  # training sketches restyled
    np.testing.assert_array_equal(plain_val[0], styled_val[0])  # validation sketches never


def test_xdog_mix_trains_on_drawings_of_the_photos():
    from keras_s2p.data.sketchify import sketchify

    pairs = builtin_pairs(6, 32)
    train, _ = paired_dataset(pairs, 32, 6, validation_split=1, augment=False, shuffle=False, xdog_mix=1.0)
    sketches, photos = next(iter(train))
    np.testing.assert_allclose(sketches.numpy(), sketchify(photos.numpy()), atol=1e-5)
    with pytest.raises(DataError, match="xdog_mix=1.5"):
        paired_dataset(pairs, 32, 6, xdog_mix=1.5)
