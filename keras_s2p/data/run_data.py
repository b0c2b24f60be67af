"""The data of one training run: its loader (data folder or built-in set, with the run's split), the sample grid's
first examples, and the fixed sample precise BatchNorm recalibrates from."""

import functools

import numpy as np

from keras_s2p.data.builtin import builtin_dataset
from keras_s2p.data.dataset import paired_dataset
from keras_s2p.data.fingerprint import fingerprint
from keras_s2p.data.pairing import find_pairs
from keras_s2p.data.shards import is_pack, read_manifest
from keras_s2p.models.precise_batch_norm import CALIBRATION_BATCHES


def data_loader(data, side_by_side, builtin_pairs, split):
    """``load(augment=..., shuffle=...) -> (datasets, fingerprint)`` for the run's data and split.

    A folder is paired and fingerprinted (every file hashed) once, at the first call; later calls (the calibration
    sample's pipelines) and the remembered up-front check reuse both.
    """
    @functools.cache
    def folder():
        pairs = find_pairs(data, side_by_side=side_by_side)
        return pairs, fingerprint(pairs)

    def load(**options):
        if data is None:
            return (builtin_dataset(num_pairs=builtin_pairs, **split, **options),
                    f"builtin:{builtin_pairs}:{split['image_size']}:{split['seed']}")
        if is_pack(data):  # checked and fingerprinted when packed
            return paired_dataset(data, **split, **options), read_manifest(data)["fingerprint"]
        pairs, data_fingerprint = folder()
        return (paired_dataset(pairs, side_by_side=side_by_side, data_fingerprint=data_fingerprint, **split,
                               **options),
                data_fingerprint)

    return load


def calibration_sample(load):
    """A fixed sample of the training pairs, unaugmented and spread evenly over them, for precise BatchNorm.

    Built as a second pipeline so recalibrating never advances the training pipeline's seeded shuffling (exact
    resume replays it); it decodes and caches only the sampled pairs.
    """
    def train_part(**options):
        datasets, _ = load(augment=False, shuffle=False, validate=False, **options)
        return datasets[0] if isinstance(datasets, tuple) else datasets

    every = max(1, int(train_part().cardinality()) // CALIBRATION_BATCHES)  # lazy: nothing decoded yet
    return train_part(every=every).take(CALIBRATION_BATCHES)


def first_examples(dataset, count):
    """The first `count` ``(sketches, photos)`` of a batched `dataset`, as two numpy arrays."""
    sketches, photos = [], []
    for sketch, photo in dataset.unbatch().take(count):
        sketches.append(sketch.numpy())
        photos.append(photo.numpy())
    return np.stack(sketches), np.stack(photos)
