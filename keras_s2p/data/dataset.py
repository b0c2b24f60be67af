"""The tf.data pipeline: pairs (files or arrays) -> batches of (sketch, photo) in [-1, 1]."""
import os
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_s2p.data.images import check_images, read_image, resize
from keras_s2p.data.pairing import SIDES, find_pairs
from keras_s2p.data.sketch_style import restyle_sketch
from keras_s2p.data.sketchify import xdog
from keras_s2p.errors import DataError

AUTOTUNE = tf.data.AUTOTUNE


def paired_dataset(source, image_size=128, batch_size=16, *, validation_split=None, seed=0, augment=True,
                   sketch_style=False, xdog_mix=0.0, shuffle=True, jitter=1.12, drop_remainder=False, every=1,
                   side_by_side=None, strict=True, validate=True, cache=True, sketches_dir="sketches",
                   photos_dir="photos", manifest="pairs.csv", suffix=None, prefix_map=None, match=None):
    """Batches of (sketch, photo), float32 in [-1, 1], shape (B, S, S, 3), ready for `model.fit`.

    Images are decoded in parallel, resized to a square (aspect ratio not kept, as in pix2pix), cached in
    memory as uint8 and prefetched. With `augment`, training images are resized to `jitter * image_size`
    and the SAME random crop and the SAME random horizontal flip are applied to sketch and photo (pix2pix's
    jitter and mirroring); the randomness is seeded by `seed` and changes every epoch. Validation data is
    never shuffled or augmented.

    Args:
        source: a folder (paired by `find_pairs`, which takes the keyword arguments from `side_by_side` on),
            a list of (sketch_path, photo_path) pairs, or a tuple of numpy arrays `(sketches, photos)` of
            shape (N, H, W, 3) or (N, H, W, 1)/(N, H, W): dtype uint8 is read as 0..255, any float dtype
            must already lie in [-1, 1].
        image_size: side S of the square images produced.
        batch_size: pairs per batch.
        validation_split: a fraction in (0, 1) or a count of pairs to hold out; the held-out pairs are
            `np.random.RandomState(seed).permutation(n)[:count]` over the pair order (a manifest's row
            order), the same choice as the pix2pix reference script.
        seed: seeds the split, the shuffling and the augmentation.
        augment: random jitter crop + mirroring of the training data.
        sketch_style: restyle the training sketches (line thickness, contrast, blur, small warps; see
            `keras_s2p.data.sketch_style`), so the model copes with sketches drawn otherwise.
        xdog_mix: probability that a training sketch is replaced by the XDoG drawing of its photo
            (`keras_s2p.data.sketchify`), so the model also learns from machine-drawn lines.
        shuffle: reshuffle the training data every epoch.
        jitter: resize factor before the random crop (1.12 turns 128 into pix2pix's 143).
        drop_remainder: drop the last short training batch.
        every: keep every `every`-th training pair only (an evenly spread sample), chosen before any file is
            decoded.
        side_by_side: `"left"`/`"right"`: each file holds both images and this half is the sketch.
        strict: see `find_pairs`.
        validate: decode every file once before building the dataset and raise on unreadable ones.
        cache: keep decoded, resized images in memory after the first epoch.

    Returns:
        a `tf.data.Dataset`, or `(train_ds, val_ds)` when `validation_split` is given.

    Raises:
        DataError: anything wrong with the data, naming the files (see `find_pairs`), unreadable images,
            or a split that leaves a side empty.

    Example:
        >>> train_ds, val_ds = paired_dataset("data/faces", image_size=128, validation_split=0.1, seed=0)
        >>> shoes = paired_dataset("data/edges2shoes/train", side_by_side="right")
    """
    if side_by_side is not None and side_by_side not in SIDES:
        raise DataError(f"side_by_side must be 'left' or 'right' (the sketch half), got {side_by_side!r}")
    if isinstance(source, tuple) and len(source) == 2 and all(isinstance(a, np.ndarray) for a in source):
        if side_by_side is not None:
            raise DataError("side_by_side applies to image files, not to in-memory arrays")
        elements, where = _arrays(*source, image_size), "the in-memory arrays"
        load = _load_arrays
    else:
        if isinstance(source, (str, os.PathLike)):
            where = Path(source)
            pairs = find_pairs(where, side_by_side=side_by_side, sketches_dir=sketches_dir, photos_dir=photos_dir,
                               manifest=manifest, suffix=suffix, prefix_map=prefix_map, match=match, strict=strict)
        else:
            pairs = [tuple(map(str, pair)) for pair in source]
            if not pairs or any(len(pair) != 2 for pair in pairs):
                raise DataError("source must be a folder, a non-empty list of (sketch_path, photo_path) pairs "
                                "or a tuple of numpy arrays (sketches, photos)")
            where = Path(os.path.commonpath([os.path.abspath(p) for pair in pairs for p in pair]))
            if side_by_side is None and all(s == p for s, p in pairs):
                raise DataError(f"every pair in {where} uses one file for sketch and photo; name the sketch half: "
                                f"--side-by-side left or right (side_by_side= in Python)")
        if validate:
            check_images([p for pair in pairs for p in pair], where, min_size=image_size,
                         half_width=side_by_side is not None)
        elements = tuple(np.array([str(pair[i]) for pair in pairs]) for i in (0, 1))
        load = _file_loader(side_by_side)

    build = dict(load=load, image_size=image_size, batch_size=batch_size, seed=seed, jitter=jitter, cache=cache,
                 drop_remainder=drop_remainder)
    if not 0.0 <= xdog_mix <= 1.0:
        raise DataError(f"xdog_mix={xdog_mix!r} must be a probability between 0 and 1")
    training = dict(training=True, augment=augment, sketch_style=sketch_style, xdog_mix=xdog_mix, shuffle=shuffle)
    if not (isinstance(every, (int, np.integer)) and every >= 1):
        raise DataError(f"every={every!r} must be a whole number >= 1")
    if validation_split is None:
        return _pipeline(tuple(e[::every] for e in elements), **training, **build)
    held = held_out(len(elements[0]), validation_split, seed, where)
    keep = np.setdiff1d(np.arange(len(elements[0])), held)[::every]
    train = _pipeline(tuple(e[keep] for e in elements), **training, **build)
    val = _pipeline(tuple(e[held] for e in elements), training=False, augment=False, sketch_style=False,
                    xdog_mix=0.0, shuffle=False, **build)
    return train, val


def held_out(n, validation_split, seed, where="the data"):
    """Sorted indices of the validation pairs: `RandomState(seed).permutation(n)[:count]` (pix2pix reference)."""
    if isinstance(validation_split, (float, np.floating)):
        if not 0.0 < validation_split < 1.0:
            raise DataError(f"validation_split={validation_split} must be a fraction in (0, 1) or a pair count")
        count = int(round(n * validation_split))
    else:
        count = int(validation_split)
    if not 0 < count < n:
        raise DataError(f"validation_split={validation_split} holds out {count} of the {n} pairs in {where}; "
                        f"both training and validation need at least one pair")
    return np.sort(np.random.RandomState(seed).permutation(n)[:count])


def augment_pair(sketch, photo, image_size, key):
    """Identical random crop to `image_size` and identical random mirroring of both images.

    Stacking sketch and photo makes one crop window and one flip decision cover both. `key` is a stateless
    seed of shape [2].
    """
    crop_key, flip_key = tf.unstack(tf.random.experimental.stateless_split(key, 2))
    both = tf.image.stateless_random_crop(tf.stack([sketch, photo]), [2, image_size, image_size, 3], seed=crop_key)
    both = tf.where(tf.random.stateless_uniform([], seed=flip_key) < 0.5, tf.reverse(both, [2]), both)
    return both[0], both[1]


def _pipeline(elements, *, load, image_size, batch_size, seed, jitter, cache, drop_remainder, training, augment,
              sketch_style, xdog_mix, shuffle):
    size = int(round(image_size * jitter)) if augment else image_size
    ds = tf.data.Dataset.from_tensor_slices(elements).map(
        lambda s, p: tuple(_to_uint8(x) for x in load(s, p, size)), num_parallel_calls=AUTOTUNE)
    if cache:
        ds = ds.cache()
    if training and shuffle:
        ds = ds.shuffle(len(elements[0]), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(lambda s, p: (_to_float(s), _to_float(p)), num_parallel_calls=AUTOTUNE)
    if augment or sketch_style or xdog_mix:
        keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        ds = tf.data.Dataset.zip(ds, keys).map(
            lambda pair, key: _randomise(*pair, key, image_size, augment, sketch_style, xdog_mix),
            num_parallel_calls=AUTOTUNE)
    return ds.batch(batch_size, drop_remainder=drop_remainder and training).prefetch(AUTOTUNE)


def _randomise(sketch, photo, key, image_size, augment, restyle, xdog_mix):
    if augment:
        sketch, photo = augment_pair(sketch, photo, image_size, key)
    if xdog_mix:
        drawn = xdog((photo[None] + 1.0) / 2.0)[0] * 2.0 - 1.0
        use = tf.random.stateless_uniform([], tf.random.experimental.stateless_fold_in(key, 2)) < xdog_mix
        sketch = tf.where(use, drawn, sketch)
    if restyle:
        sketch = restyle_sketch(sketch, tf.random.experimental.stateless_fold_in(key, 1))
    return sketch, photo


def _to_uint8(img):
    """[-1, 1] -> uint8: the cache holds a quarter of the float32 bytes."""
    return tf.cast(tf.round((img + 1.0) * 127.5), tf.uint8)


def _to_float(img):
    return tf.cast(img, tf.float32) / 127.5 - 1.0


def _file_loader(side_by_side):
    def load(sketch_path, photo_path, size):
        if side_by_side is None:
            return resize(read_image(sketch_path), size), resize(read_image(photo_path), size)
        img = read_image(sketch_path)
        half = tf.shape(img)[1] // 2
        left, right = img[:, :half], img[:, half:2 * half]
        sketch, photo = (left, right) if side_by_side == "left" else (right, left)
        return resize(sketch, size), resize(photo, size)

    return load


def _load_arrays(sketch, photo, size):
    return tuple(resize(_array_to_unit(x), size) for x in (sketch, photo))


def _array_to_unit(x):
    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 255.0
    return (tf.cast(x, tf.float32) + 1.0) / 2.0


def _arrays(sketches, photos, image_size):
    checked = []
    for name, a in (("sketches", sketches), ("photos", photos)):
        if a.ndim == 3:
            a = a[..., None]
        if a.ndim != 4 or a.shape[-1] not in (1, 3):
            raise DataError(f"{name} array must have shape (N, H, W, 3) or (N, H, W, 1), got {a.shape}")
        if a.dtype != np.uint8:
            if not np.issubdtype(a.dtype, np.floating):
                raise DataError(f"{name} array must be uint8 (0..255) or float in [-1, 1], got dtype {a.dtype}")
            if a.size and (a.min() < -1.0 or a.max() > 1.0):
                raise DataError(f"{name} array is float but outside [-1, 1] (min {a.min():.3g}, max {a.max():.3g}); "
                                f"pass uint8 0..255 or scale it to [-1, 1]")
        checked.append(np.repeat(a, 3, axis=-1) if a.shape[-1] == 1 else a)
    if len(checked[0]) != len(checked[1]) or not len(checked[0]):
        raise DataError(f"need the same, non-zero number of sketches and photos, got {len(checked[0])} "
                        f"and {len(checked[1])}")
    if min(checked[0].shape[1:3] + checked[1].shape[1:3]) < image_size:
        warnings.warn(f"the in-memory arrays ({checked[0].shape[1]}x{checked[0].shape[2]}) are smaller than "
                      f"{image_size}x{image_size} and will be upscaled (blurry)", stacklevel=3)
    return tuple(checked)
