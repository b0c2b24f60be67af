"""A short, stable identity of a training set, recorded in a run's config.json."""
import hashlib
import os

import numpy as np


def fingerprint(pairs):
    """16 hex digits that change when the training data changes, and only then.

    SHA-256 over, in pair order, each file's name relative to the folder all pairs share and the SHA-256 of
    its bytes. Content rather than modification times, so a copied or re-downloaded dataset keeps its
    fingerprint while an edited image or a different pairing changes it.

    Args:
        pairs: a list of (sketch_path, photo_path) as returned by `find_pairs`, or a tuple of numpy arrays
            `(sketches, photos)` (hashed by dtype, shape and bytes).

    Returns:
        str, 16 lowercase hex digits.

    Example:
        >>> config["data_fingerprint"] = fingerprint(find_pairs("data/faces"))
    """
    digest = hashlib.sha256()
    if isinstance(pairs, tuple) and all(isinstance(a, np.ndarray) for a in pairs):
        for a in pairs:
            digest.update(f"{a.dtype}{a.shape}".encode())
            digest.update(np.ascontiguousarray(a).tobytes())
        return digest.hexdigest()[:16]
    paths = [os.path.abspath(p) for pair in pairs for p in pair]
    root = os.path.commonpath(paths) if paths else ""
    root = os.path.dirname(root) if os.path.isfile(root) else root
    content = {}
    for path in paths:
        if path not in content:
            with open(path, "rb") as f:
                content[path] = hashlib.sha256(f.read()).digest()
        digest.update(os.path.relpath(path, root).replace(os.sep, "/").encode() + b"\0" + content[path])
    return digest.hexdigest()[:16]
