"""Getting data in: pairing, loading, checking, augmenting, packing into shards; a built-in dataset; sketches made
from photos.

Example:
    >>> import keras_s2p as s2p
    >>> train_ds, val_ds = s2p.data.paired_dataset("data/faces", image_size=128, validation_split=0.1)
"""
from keras_s2p.data.builtin import builtin_dataset, builtin_pairs
from keras_s2p.data.dataset import paired_dataset
from keras_s2p.data.fingerprint import fingerprint
from keras_s2p.data.images import IMAGE_EXTENSIONS, load_image, save_image
from keras_s2p.data.pairing import Pair, find_pairs
from keras_s2p.data.shards import is_pack, pack, read_manifest
from keras_s2p.data.sketchify import sketchify, sketchify_folder

__all__ = ["IMAGE_EXTENSIONS", "Pair", "builtin_dataset", "builtin_pairs", "find_pairs", "fingerprint", "is_pack",
           "load_image", "pack", "paired_dataset", "read_manifest", "save_image", "sketchify", "sketchify_folder"]
