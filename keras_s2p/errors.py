"""Errors raised for user mistakes.

Every error a user can cause by bad input derives from `S2PError`, so the CLI can print its one-line message
and exit non-zero without a traceback, while programming errors still surface as ordinary exceptions.
"""


class S2PError(Exception):
    """A user-facing error whose message is one line that names the offending thing."""


class DataError(S2PError, ValueError):
    """Bad or missing training/inference data (folders, files, pairings, images)."""


class WeightsUnavailableError(S2PError, OSError):
    """Pretrained weights (VGG19, InceptionV3) could not be loaded or downloaded."""


class ConfigError(S2PError, ValueError):
    """An invalid argument or configuration value."""


def first_line(error, limit=200):
    """The first non-blank line of `error`'s message (its type name when the message is empty), cut to `limit`
    characters: what a one-line error message quotes of a library's multi-line exception.

    Example:
        >>> first_line(ValueError("\\nshapes differ\\n  at layer conv1"))
        'shapes differ'
    """
    line = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    return line[:limit]


class OutputError(S2PError, OSError):
    """An output path that cannot be written (a file where a folder should be, no permission, disk full).

    Args:
        path: the path as the user gave it (never a temporary file's).
        reason: why, e.g. ``"folder out is not writable (Permission denied)"``.
    """

    def __init__(self, path, reason):
        super().__init__(f"cannot write {path}: {reason}")
        self.path, self.reason = path, reason
