"""Atomic file writes: write under a temporary name in the target's folder, then `os.replace` it into place.

A crash or an exception mid-write leaves the previous version of the file intact and no temporary file behind,
so a run folder never holds a half-written PNG, config or checkpoint.
"""

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path

from keras_s2p.errors import OutputError

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


def existing_folder(path):
    """The folder `path` would be written in, or its nearest existing ancestor, checked to be a writable folder.

    Creates nothing (a check of a run folder leaves none behind); a write probe (a temporary file, deleted at once)
    tells what permissions, read-only file systems and the like allow.

    Args:
        path: a file or folder about to be written.

    Returns:
        pathlib.Path: the existing folder.

    Raises:
        OutputError: naming `path` and the reason (a file in the way, not writable).
    """
    path = Path(path)
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(path, f"{folder} is a file, not a folder")
    try:
        _probe(folder)
    except OSError as error:
        reason = "disk full" if error.errno == errno.ENOSPC else f"{error.strerror or error} in {folder}"
        raise OutputError(path, reason) from None
    return folder


def _probe(folder):
    """Create and delete a small temporary file in `folder`."""
    probe = _temp_sibling(folder / "write-probe")
    with open(probe, "xb") as f:
        f.write(b"\0" * 4096)
    probe.unlink()


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

    Raises:
        OutputError: `path` cannot be written (checked before the body runs, and for the body's own file errors
            on the temporary path).

    Yields:
        pathlib.Path: where to write.

    Example:
        >>> with atomic_path("run/model.keras") as tmp:
        ...     model.save(tmp)
    """
    path = Path(path)
    existing_folder(path)
    tmp = _temp_sibling(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
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
    except OSError as error:  # the temporary name means nothing to the user: name the path they gave
        if error.filename is None or not str(error.filename).startswith(str(path.parent)):
            raise
        raise OutputError(path, error.strerror or str(error)) from None
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
