"""Atomic file writes: write under a temporary name in the target's folder, then `os.replace` it into place.

A crash or an exception mid-write leaves the previous version of the file intact and no temporary file behind,
so a run folder never holds a half-written PNG, config or checkpoint.
"""

import contextlib
import os
import shutil
import uuid
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def _temp_sibling(path):
    # The temporary name ends with the target's name, so libraries that check the extension
    # (Keras ".weights.h5"/".keras", matplotlib's format inference) accept it.
    return path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex[:8]}-{path.name}")


def remove_leftovers(folder, keep=()):
    """Delete the temporary files and folders that writes into `folder` (recursively) left when their process was
    killed mid-write; call it before anything writes there again. Subfolders named in `keep` are not entered.

    Returns:
        int: how many were removed.
    """
    removed = 0
    for path in sorted(Path(folder).rglob(f"{TEMP_PREFIX}*")):
        if path.exists() and not set(path.relative_to(folder).parts) & set(keep):
            _remove(path)
            removed += 1
    return removed


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to `path`; on success move it onto `path`, on error delete it.

    For libraries that write files themselves (``savefig``, ``model.save``). The temporary path is not created;
    if the body writes a directory there (a SavedModel), it replaces a previous directory at `path`.

    Args:
        path: the final file or directory path; missing parent folders are created.

    Yields:
        pathlib.Path: where to write.

    Example:
        >>> with atomic_path("run/model.keras") as tmp:
        ...     model.save(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_sibling(path)
    try:
        yield tmp
        if tmp.is_dir():
            old = None
            if path.exists():
                old = _temp_sibling(path)
                os.replace(path, old)
            os.replace(tmp, path)
            if old is not None:
                _remove(old)
        else:
            _fsync(tmp)
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            _remove(tmp)


def atomic_write_bytes(path, data):
    """Write `data` (bytes) to `path` atomically.

    Args:
        path: target file; missing parent folders are created.
        data: the bytes to write.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "xb") as f:
            f.write(data)


def atomic_write_text(path, text, encoding="utf-8"):
    """Write `text` to `path` atomically (see `atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode(encoding))
