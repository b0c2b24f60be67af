"""Packed shards: the pairs checked, resized once and written as sharded TFRecord files with a manifest.

A pack folder holds ``shard-NNNNN.tfrecord`` files and ``pack.json`` (format, version, pair count, sizes, the data
fingerprint and each shard's pair count and bytes). ``pack.json`` is written last, atomically: a folder without it
is not a pack. A killed `pack` leaves ``progress.json`` (the shards already complete) and resumes from there.

Each record holds the pair's position in `find_pairs` order (``index``: the validation split of a pack is the one
of its source folder) and both images as PNG at ``stored_size`` = round(image_size * jitter), the size the
training pipeline crops from.
"""
import errno
import json
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_s2p.atomic import TEMP_PREFIX, atomic_write_text
from keras_s2p.data.fingerprint import fingerprint
from keras_s2p.data.images import check_images, pair_loader, resize
from keras_s2p.data.pairing import find_pairs
from keras_s2p.errors import DataError
from keras_s2p.pixels import to_uint8

FORMAT = "keras-s2p-pack"
PACK_VERSION = 1
MANIFEST = "pack.json"
PROGRESS = "progress.json"
DEFAULT_SHARD_MB = 100
JITTER = 1.12  # pix2pix's 286/256: `paired_dataset`'s default jitter, the margin a pack stores
_FEATURES = {"index": tf.io.FixedLenFeature([], tf.int64), "sketch": tf.io.FixedLenFeature([], tf.string),
             "photo": tf.io.FixedLenFeature([], tf.string)}


def is_pack(path):
    """Whether `path` is a folder written by `pack` (it holds ``pack.json``)."""
    return isinstance(path, (str, os.PathLike)) and (Path(path) / MANIFEST).is_file()


def pack(data, out, *, image_size=128, side_by_side=None, shard_mb=DEFAULT_SHARD_MB, jitter=JITTER, **find_options):
    """Check and resize every pair once and write them to `out` as sharded TFRecords (``s2p pack``).

    Args:
        data: a data folder, paired exactly as ``s2p train`` pairs it (`find_pairs`), or a list of pairs.
        out: the pack folder (created); rerunning after a kill resumes, rerunning when complete does nothing.
        image_size: the training size; pairs are stored at round(image_size * jitter) for the random crop.
        side_by_side: ``"left"``/``"right"``: each file holds both images and this half is the sketch.
        shard_mb: close a shard file once it holds this many megabytes.
        jitter: the crop margin (`paired_dataset`'s `jitter`).
        **find_options: other `find_pairs` options (suffix, prefix_map, match, strict, ...).

    Returns:
        dict: the manifest (``pack.json``).

    Raises:
        DataError: unpairable or unreadable files (every one named, nothing written), `out` holding a pack or
            partial pack of other data or settings, or a full disk (complete shards kept for a rerun).

    Example:
        >>> pack("data/edges2shoes/train", "packs/shoes256", image_size=256, side_by_side="right")
        >>> train_ds = paired_dataset("packs/shoes256", image_size=256)
    """
    if isinstance(data, (str, os.PathLike)):
        where = Path(data)
        pairs = find_pairs(where, side_by_side=side_by_side, **find_options)
    else:
        pairs = [tuple(map(str, pair)) for pair in data]
        where = Path(os.path.commonpath([os.path.abspath(p) for pair in pairs for p in pair]))
    if not shard_mb > 0:
        raise DataError(f"shard_mb={shard_mb!r} must be a positive number of megabytes")
    out = Path(out)
    header = {"format": FORMAT, "version": PACK_VERSION, "count": len(pairs), "image_size": int(image_size),
              "stored_size": int(round(image_size * jitter)), "side_by_side": side_by_side,
              "fingerprint": fingerprint(pairs)}
    if is_pack(out):
        manifest = read_manifest(out)
        if {k: manifest.get(k) for k in header} != header:
            raise DataError(f"{out} already holds a pack of other data or settings; pack into another folder")
        return manifest
    out.mkdir(parents=True, exist_ok=True)
    shards = _progress(out, header)
    done = sum(shard["count"] for shard in shards)
    check_images([p for pair in pairs[done:] for p in pair], where, min_size=image_size,
                 half_width=side_by_side is not None)
    records = _encoded(pairs, done, header["stored_size"], side_by_side)
    writer = None
    try:
        for record in records:
            if writer is None:
                name = f"shard-{len(shards):05d}.tfrecord"
                tmp = out / f"{TEMP_PREFIX}{name}"
                writer, count = tf.io.TFRecordWriter(str(tmp)), 0
            writer.write(record)
            count += 1
            if tmp.stat().st_size >= shard_mb * 2**20 or done + count == len(pairs):
                writer.close()
                writer = None
                size = _commit(tmp, out / name)
                shards.append({"file": name, "count": count, "bytes": size})
                done += count
                atomic_write_text(out / PROGRESS, json.dumps({"header": header, "shards": shards}))
    except (OSError, tf.errors.OpError) as error:
        if writer is not None:
            writer.close()
            tmp.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC or "space" in str(error).lower():
            raise DataError(f"disk full while packing into {out}: {len(shards)} complete shard(s) kept, no "
                            f"{MANIFEST} written; free space and rerun to resume") from None
        raise
    manifest = {**header, "shards": shards}
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=1))
    (out / PROGRESS).unlink(missing_ok=True)
    return manifest


def _progress(out, header):
    """The shards a killed `pack` into `out` completed (none for a fresh folder); stray files removed."""
    for leftover in out.glob(f"{TEMP_PREFIX}*"):
        leftover.unlink()
    path = out / PROGRESS
    if not path.is_file():
        if any(out.glob("shard-*.tfrecord")):
            raise DataError(f"{out} holds shards but no {MANIFEST} or {PROGRESS}; pack into an empty folder")
        return []
    progress = json.loads(path.read_text())
    if progress.get("header") != header:
        raise DataError(f"{out} holds a partial pack of other data or settings; remove it or pack elsewhere")
    shards = progress["shards"]
    listed = {shard["file"] for shard in shards}
    for stray in out.glob("shard-*.tfrecord"):  # written after the last progress update
        if stray.name not in listed:
            stray.unlink()
    return shards


def _commit(tmp, path):
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path.stat().st_size


def _encoded(pairs, start, size, side_by_side):
    """Serialized records for pairs[start:], decoded and resized in parallel, in pair order."""
    load = pair_loader(side_by_side)
    paths = tuple(np.array([str(pair[i]) for pair in pairs[start:]]) for i in (0, 1))
    if not len(paths[0]):
        return
    indices = np.arange(start, len(pairs), dtype=np.int64)

    def encode(index, sketch_path, photo_path):
        sketch, photo = load(sketch_path, photo_path, size)
        return index, tf.io.encode_png(to_uint8(sketch), compression=1), tf.io.encode_png(to_uint8(photo),
                                                                                          compression=1)

    ds = tf.data.Dataset.from_tensor_slices((indices, *paths)).map(encode, num_parallel_calls=tf.data.AUTOTUNE)
    for index, sketch, photo in ds.prefetch(tf.data.AUTOTUNE).as_numpy_iterator():
        yield tf.train.Example(features=tf.train.Features(feature={
            "index": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(index)])),
            "sketch": tf.train.Feature(bytes_list=tf.train.BytesList(value=[sketch])),
            "photo": tf.train.Feature(bytes_list=tf.train.BytesList(value=[photo])),
        })).SerializeToString()


def read_manifest(folder):
    """The manifest of the pack in `folder`, after checking its version and that every shard is whole.

    Raises:
        DataError: a pack of another format version, a missing shard, or a shard whose size differs from the
            manifest's (truncated or rewritten), naming it.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except ValueError:
        raise DataError(f"{folder / MANIFEST} is not valid JSON; pack the data again") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != PACK_VERSION:
        raise DataError(f"{folder} is a pack of format version {manifest.get('version')!r}, this keras-s2p reads "
                        f"version {PACK_VERSION}; pack the data again with 's2p pack'")
    for shard in manifest["shards"]:
        path = folder / shard["file"]
        if not path.is_file():
            raise DataError(f"pack shard {path} is missing; pack the data again")
        if path.stat().st_size != shard["bytes"]:
            raise DataError(f"pack shard {path} is truncated or changed ({path.stat().st_size} bytes, the manifest "
                            f"says {shard['bytes']}); pack the data again")
    return manifest


class PackSource:
    """The records of a pack folder as `paired_dataset` reads them: in index order, or shuffled per pass."""

    def __init__(self, folder):
        self.where = Path(folder)
        self.manifest = read_manifest(folder)
        self.count = self.manifest["count"]
        self.stored_size = self.manifest["stored_size"]
        self.files = [str(self.where / shard["file"]) for shard in self.manifest["shards"]]

    def records(self, keep, shuffle=False, seed=0, buffer=None, worker=None):
        """Serialized records whose index is in `keep`, in index order; with `shuffle`, the shard order permuted
        each pass, four shards interleaved and a `buffer` of records shuffled (all seeded).

        `worker` ``(index, count)`` deals the shards out between `count` tf.distribute workers: this one reads
        shards ``index::count`` only, cut to the pairs the worker with the fewest has, so every worker takes
        the same number of steps.
        """
        mask = np.zeros(self.count, bool)
        mask[keep] = True
        files, per_worker = self.files, None
        if worker is not None:
            index, count = worker
            ends = np.cumsum([shard["count"] for shard in self.manifest["shards"]])
            kept = np.diff(np.concatenate([[0], np.cumsum(mask)[ends - 1]]))  # kept pairs per shard
            if len(files) < count:
                raise DataError(f"pack {self.where} has {len(files)} shard(s) for {count} workers; pack it again with "
                                f"a smaller --shard-mb")
            per_worker = min(int(kept[i::count].sum()) for i in range(count))
            files = files[index::count]
        mask = tf.constant(mask)
        files = tf.data.Dataset.from_tensor_slices(files)
        if shuffle:
            files = files.shuffle(len(self.files), seed=seed, reshuffle_each_iteration=True)
        ds = files.interleave(tf.data.TFRecordDataset, cycle_length=min(4, len(self.files)) if shuffle else 1,
                              num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        ds = ds.filter(lambda record: tf.gather(mask, _parse_index(record)))
        if per_worker is not None:
            ds = ds.take(per_worker)
        if shuffle and buffer:
            ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        return ds

    def load(self, element, size):
        """uint8 (sketch, photo) of `size`x`size` from `element`, a 1-tuple holding one record."""
        example = tf.io.parse_single_example(element[0], _FEATURES)
        images = []
        for name in ("sketch", "photo"):
            image = tf.io.decode_png(example[name], channels=3)
            image.set_shape([self.stored_size, self.stored_size, 3])
            if size != self.stored_size:
                image = to_uint8(resize(tf.cast(image, tf.float32) / 255.0, size))
            images.append(image)
        return tuple(images)


def _parse_index(record):
    return tf.io.parse_single_example(record, {"index": _FEATURES["index"]})["index"]
