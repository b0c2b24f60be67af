"""The tf.data pipeline: pairs (files, arrays or a pack folder) -> batches of (sketch, photo) in [-1, 1]."""
import os
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_s2p.data.fingerprint import fingerprint
from keras_s2p.data.images import check_images, pair_loader, resize
from keras_s2p.data.pairing import SIDES, find_pairs
from keras_s2p.data.shards import JITTER, PackSource, is_pack, pack
from keras_s2p.data.sketch_style import restyle_sketch
from keras_s2p.data.sketchify import xdog
from keras_s2p.data.streaming import (
    DEFAULT_SHUFFLE_BUFFER,
    cache_dir,
    checked_before,
    in_memory,
    remember_checked,
)
from keras_s2p.errors import DataError
from keras_s2p.pixels import from_pixels, to_uint8

AUTOTUNE = tf.data.AUTOTUNE


def paired_dataset(source, image_size=128, batch_size=16, *, validation_split=None, seed=0, augment=True,
                   sketch_style=False, xdog_mix=0.0, shuffle=True, jitter=JITTER, drop_remainder=False, every=1,
                   side_by_side=None, strict=True, validate=True, cache="auto", shuffle_buffer=DEFAULT_SHUFFLE_BUFFER,
                   repeat=False, skip=0, worker=None, sketches_dir="sketches", photos_dir="photos",
                   manifest="pairs.csv", suffix=None, prefix_map=None, match=None, data_fingerprint=None):
    """Batches of (sketch, photo), float32 in [-1, 1], shape (B, S, S, 3), ready for `model.fit`.

    Images are decoded in parallel, resized to a square (aspect ratio not kept, as in pix2pix) and prefetched;
    `cache` decides whether decoded pairs stay in memory or are streamed from the files (or shards) every epoch
    (`keras_s2p.data.streaming`). Shuffling permutes the whole training set each epoch. With `augment`,
    training images are resized to `jitter * image_size` and the SAME random crop and the SAME random horizontal
    flip are applied to sketch and photo (pix2pix's jitter and mirroring); the randomness is seeded by `seed` and
    changes every epoch. Validation data is never shuffled or augmented.

    Args:
        source: a folder (paired by `find_pairs`, which takes the keyword arguments from `side_by_side` on), a
            pack folder written by `keras_s2p.data.pack` (``s2p pack``; read shard by shard, interleaved),
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
        validate: decode every file once, in parallel, before building the dataset and raise naming the unreadable
            ones; skipped when files of the same data fingerprint were checked before (remembered under
            `keras_s2p.data.streaming.cache_dir`). Packs were checked when packed.
        cache: ``"auto"`` (memory while the decoded pairs fit `keras_s2p.data.streaming.MEMORY_BUDGET`, streaming
            beyond), ``"memory"``, ``"disk"`` (pack once under `cache_dir`, then stream the shards) or ``"none"``
            (stream the files every epoch); the training and validation parts decide apart.
        shuffle_buffer: streamed pack records held for shuffling beyond the per-epoch shard order (memory and
            file lists are permuted whole every epoch).
        repeat: endless training data, reshuffled every pass (for ``fit(steps_per_epoch=...)``).
        skip: training pairs to skip before the first batch, without decoding them (resuming a repeated stream).
        worker: ``(index, count)`` of this `tf.distribute` worker: the training part of a pack (or of
            ``cache="disk"``) then reads this worker's own shards only (`PackSource.records`), with tf.distribute's
            own sharding off for it, and `skip` counts all workers' pairs. Default: tf.distribute shards the
            elements (every worker reads all files).
        data_fingerprint: `fingerprint(pairs)` of a folder's or list's pairs when the caller has it already, so
            the files are not hashed again (see `keras_s2p.data.run_data.data_loader`); computed here otherwise.

    Returns:
        a `tf.data.Dataset`, or `(train_ds, val_ds)` when `validation_split` is given.

    Raises:
        DataError: anything wrong with the data, naming the files (see `find_pairs`), unreadable images,
            a split that leaves a side empty, a pack of another version or with a truncated shard, or
            ``cache="memory"`` over its budget.

    Example:
        >>> train_ds, val_ds = paired_dataset("data/faces", image_size=128, validation_split=0.1, seed=0)
        >>> shoes = paired_dataset("data/edges2shoes/train", side_by_side="right")
    """
    if side_by_side is not None and side_by_side not in SIDES:
        raise DataError(f"side_by_side must be 'left' or 'right' (the sketch half), got {side_by_side!r}")
    if isinstance(source, tuple) and len(source) == 2 and all(isinstance(a, np.ndarray) for a in source):
        if side_by_side is not None:
            raise DataError("side_by_side applies to image files, not to in-memory arrays")
        data = _Slices(_arrays(*source, image_size), _load_arrays, "the in-memory arrays")
    elif is_pack(source):
        data = PackSource(source)
        need = round(image_size * jitter) if augment else image_size
        if data.stored_size < need:
            raise DataError(f"pack {source} holds {data.stored_size}x{data.stored_size} pairs, too small to train at "
                            f"image_size={image_size} (needs {need}); pack again with --image-size {image_size}")
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
        data = _file_source(pairs, where, image_size, side_by_side, validate, cache, jitter, data_fingerprint)

    if not (isinstance(skip, (int, np.integer)) and skip >= 0):
        raise DataError(f"skip={skip!r} must be a whole number >= 0")
    build = dict(source=data, image_size=image_size, batch_size=batch_size, seed=seed, jitter=jitter,
                 cache="none" if cache == "disk" else cache, shuffle_buffer=shuffle_buffer,
                 drop_remainder=drop_remainder)
    if not 0.0 <= xdog_mix <= 1.0:
        raise DataError(f"xdog_mix={xdog_mix!r} must be a probability between 0 and 1")
    training = dict(training=True, augment=augment, sketch_style=sketch_style, xdog_mix=xdog_mix, shuffle=shuffle,
                    repeat=repeat, skip=skip, worker=worker if isinstance(data, PackSource) else None)
    if not (isinstance(every, (int, np.integer)) and every >= 1):
        raise DataError(f"every={every!r} must be a whole number >= 1")
    if validation_split is None:
        return _pipeline(np.arange(data.count)[::every], **training, **build)
    held = held_out(data.count, validation_split, seed, data.where)
    keep = np.setdiff1d(np.arange(data.count), held)[::every]
    train = _pipeline(keep, **training, **build)
    val = _pipeline(held, training=False, augment=False, sketch_style=False, xdog_mix=0.0, shuffle=False,
                    repeat=False, skip=0, worker=None, **build)
    return train, val


def read_error(error, source, side_by_side=None):
    """The `DataError` for a TensorFlow error met while streaming `source`, or ``None`` if it is not about the data.

    A file that disappears or stops decoding after it was listed and checked (e.g. edited during training) fails
    the pipeline mid-epoch; this names it: the missing path, or the files of `source` that no longer decode.
    """
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, tf.errors.NotFoundError):
        return DataError(f"a data file disappeared during training: {message}")
    if not isinstance(error, (tf.errors.InvalidArgumentError, tf.errors.DataLossError)) or not any(
            word in message.lower() for word in ("image", "jpeg", "png", "record")):
        return None
    if isinstance(source, (str, os.PathLike)) and not is_pack(source):
        try:
            pairs = find_pairs(source, side_by_side=side_by_side)
            check_images([p for pair in pairs for p in pair], Path(source))
        except DataError as changed:
            return DataError(f"the data changed during training: {changed}")
    return DataError(f"reading {source} failed during training ({message}); rerun to check the data again")


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


def _pipeline(keep, *, source, image_size, batch_size, seed, jitter, cache, shuffle_buffer, drop_remainder,
              training, augment, sketch_style, xdog_mix, shuffle, repeat, skip, worker):
    """Batches of the pairs `keep` (indices) of `source`, decoded once into memory or on every pass."""
    size = int(round(image_size * jitter)) if augment else image_size
    shuffled = training and shuffle
    if worker is not None:  # this worker's own shards, streamed; each worker takes 1/count of every global batch
        skip //= worker[1]
        ds = source.records(keep, shuffle=shuffled, seed=seed, buffer=shuffle_buffer, worker=worker)
        decode = source.load
    elif in_memory(cache, len(keep), size, source.where):
        ds = source.records(keep).map(lambda *e: source.load(e, size), num_parallel_calls=AUTOTUNE).cache()
        if shuffled:
            ds = ds.shuffle(len(keep), seed=seed, reshuffle_each_iteration=True)
        decode = None
    else:
        ds = source.records(keep, shuffle=shuffled, seed=seed, buffer=shuffle_buffer)
        decode = source.load
    randomised = augment or sketch_style or xdog_mix
    if randomised:  # one stateless key per element, drawn anew each pass
        ds = tf.data.Dataset.zip(ds, tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2))
    else:
        ds = ds.map(lambda *e: (e, tf.zeros([2], tf.int64)))
    if repeat:
        ds = ds.repeat()
    if skip:
        ds = ds.skip(skip)

    def finish(element, key):
        element = element if isinstance(element, tuple) else (element,)
        sketch, photo = (_to_float(x) for x in (decode(element, size) if decode else element))
        if randomised:
            sketch, photo = _randomise(sketch, photo, key, image_size, augment, sketch_style, xdog_mix)
        return sketch, photo

    ds = ds.map(finish, num_parallel_calls=AUTOTUNE)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder and training).prefetch(AUTOTUNE)
    if worker is not None:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        ds = ds.with_options(options)
    return ds


class _Slices:
    """Pairs held as parallel arrays (file names or images), loaded by `load(element, size)` into uint8."""

    def __init__(self, elements, load, where):
        self.elements, self._load, self.where, self.count = elements, load, where, len(elements[0])

    def records(self, keep, shuffle=False, seed=0, buffer=None):
        ds = tf.data.Dataset.from_tensor_slices(tuple(e[keep] for e in self.elements))
        return ds.shuffle(len(keep), seed=seed, reshuffle_each_iteration=True) if shuffle else ds

    def load(self, element, size):
        return tuple(to_uint8(x) for x in self._load(*element, size))


def _file_source(pairs, where, image_size, side_by_side, validate, cache, jitter, data_fingerprint):
    """The pairs' files as a source: checked first (once per data fingerprint), packed first for cache='disk'."""
    if data_fingerprint is None and (validate or cache == "disk"):
        data_fingerprint = fingerprint(pairs)
    if validate and not checked_before(data_fingerprint):
        check_images([p for pair in pairs for p in pair], where, min_size=image_size,
                     half_width=side_by_side is not None)
        remember_checked(data_fingerprint)
    if cache == "disk":
        folder = cache_dir() / "packs" / f"{data_fingerprint}-{round(image_size * jitter)}-{side_by_side or 'pairs'}"
        pack(pairs, folder, image_size=image_size, side_by_side=side_by_side, jitter=jitter)
        return PackSource(folder)
    elements = tuple(np.array([str(pair[i]) for pair in pairs]) for i in (0, 1))
    return _Slices(elements, pair_loader(side_by_side), where)


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


def _to_float(img):
    return from_pixels(img)


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
