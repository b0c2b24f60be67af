"""Where decoded pairs live during training, and which data was already checked.

``cache="memory"`` decodes every pair once and keeps it (uint8) in memory: the fastest, but memory grows with the
data. ``"none"`` streams from the files (or a pack's shards) every epoch: memory bounded by the settings, not the
data. ``"disk"`` packs the data once into a folder under `cache_dir()` and streams its shards. ``"auto"`` (the
default) is ``"memory"`` while the decoded pairs fit `MEMORY_BUDGET`, ``"none"`` beyond.
"""
import os
from pathlib import Path

from keras_s2p.errors import DataError
from keras_s2p.options import CACHES, TRAINING_DEFAULTS

# Decoded uint8 bytes `cache="auto"` keeps in memory. Measured (benchmarks/data_scale.py, docs/large-datasets.md):
# the in-memory cache costs about its decoded size in resident memory, so 2 GiB keeps `s2p train` at 256² on
# 4,000 pairs under 4 GB in all.
MEMORY_BUDGET = 2 * 2**30
DEFAULT_SHUFFLE_BUFFER = TRAINING_DEFAULTS["shuffle_buffer"]  # packed records (encoded PNG, ~0.1 MB each at 256²)


def decoded_bytes(count, size):
    """Bytes of `count` decoded uint8 pairs of `size`x`size` RGB."""
    return count * 2 * size * size * 3


def in_memory(cache, count, size, where):
    """Whether a pipeline over `count` pairs stored at `size` keeps them decoded in memory (`MEMORY_BUDGET`).

    Raises:
        DataError: an unknown `cache`, or ``"memory"`` for data whose decoded size exceeds `budget`.
    """
    if cache not in CACHES:
        raise DataError(f"cache={cache!r} is not one of {', '.join(CACHES)}")
    need, budget = decoded_bytes(count, size), MEMORY_BUDGET
    if cache == "memory" and need > budget:
        raise DataError(f"{count} pairs in {where} take {need / 2**30:.1f} GiB decoded at {size}x{size}, over the "
                        f"{budget / 2**30:.1f} GiB budget of cache='memory'; use cache='auto' or 'none' (streaming), "
                        f"or 's2p pack' the data")
    return cache == "memory" or (cache == "auto" and need <= budget)


def cache_dir():
    """Where keras-s2p keeps what it may recompute: ``$XDG_CACHE_HOME/keras_s2p`` (``~/.cache/keras_s2p``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "keras_s2p"


def checked_before(data_fingerprint):
    """Whether files with this data fingerprint were all decoded successfully before (`remember_checked`)."""
    return (cache_dir() / "checked" / data_fingerprint).is_file()


def remember_checked(data_fingerprint):
    """Record that every file of this data fingerprint decodes, so later runs skip the up-front check."""
    try:
        folder = cache_dir() / "checked"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / data_fingerprint).touch()
    except OSError:  # a read-only home only costs the next run the check again
        pass
