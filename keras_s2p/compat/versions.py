"""The TensorFlow, Keras and NumPy versions keras-s2p supports, and one clear line for any other.

The supported range is stated once, in ``setup.cfg``'s ``install_requires``; `check` reads it back from the
installed package's metadata (a source tree that is not installed declares nothing, and is not checked). pip
keeps an ordinary install inside that range; `check` catches the rest (``pip install --no-deps``, an environment
upgraded or downgraded afterwards) with one line naming the installed and the supported versions, before a
private Keras API that moved can fail with an `AttributeError` somewhere deep. ``docs/installation.md`` says
which exact versions the range was tested with.

Example:
    >>> unsupported({"keras": "3.3.3", "numpy": "2.1.0"}, {"keras": ">=3.5", "numpy": ">=1.26"})
    'keras 3.3.3 is installed; keras-s2p supports keras>=3.5 (pip install "keras>=3.5")'
"""

import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from keras_s2p.errors import S2PError

#: The libraries whose versions the compat layer depends on, by distribution and module name.
CHECKED = ("tensorflow", "keras", "numpy")
DISTRIBUTION = "keras-s2p"


class UnsupportedVersionError(S2PError, ImportError):
    """TensorFlow, Keras or NumPy is outside the range keras-s2p declares."""


def version_tuple(version):
    """``(major, minor)`` of a version string (``(0, 0)`` when it has none), e.g. ``"3.12.4"`` -> ``(3, 12)``."""
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (0, 0)


def keras_in(affected, version=None):
    """Whether Keras `version` (default: the installed one) lies in `affected`, a ``(first, last)`` inclusive pair
    of ``(major, minor)`` versions: how each patch in `keras_s2p.compat` says where it applies."""
    if version is None:
        import keras

        version = keras.__version__
    first, last = affected
    return first <= version_tuple(version) <= last


def declared(distribution=DISTRIBUTION):
    """The specifiers ``install_requires`` declares for `CHECKED`, e.g. ``{"keras": ">=3.5"}``.

    Returns:
        dict of name -> specifier string; empty when `distribution` is not installed.
    """
    try:
        requirements = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return {}
    specifiers = {}
    for line in requirements:
        requirement = Requirement(line)
        if requirement.name in CHECKED and (requirement.marker is None or requirement.marker.evaluate()):
            specifiers[requirement.name] = str(requirement.specifier)
    return specifiers


def unsupported(installed, specifiers):
    """The installed versions outside `specifiers`, as one message (``None`` when all are inside).

    Args:
        installed: name -> installed version string.
        specifiers: name -> specifier string (`declared`).

    Returns:
        the message of the `check` docstring's example, or None.
    """
    bad = []
    for name, version in installed.items():
        specifier = specifiers.get(name)
        if not specifier:
            continue
        try:
            inside = SpecifierSet(specifier).contains(Version(version), prereleases=True)
        except InvalidVersion:
            continue  # a local build's version string: nothing to compare
        if not inside:
            bad.append((f"{name} {version}", f"{name}{specifier}"))
    if not bad:
        return None
    found = ", ".join(found for found, _ in bad)
    wanted = ", ".join(want for _, want in bad)
    quoted = " ".join(f'"{want}"' for _, want in bad)
    return f"{found} {'is' if len(bad) == 1 else 'are'} installed; keras-s2p supports {wanted} (pip install {quoted})"


def check():
    """Raise `UnsupportedVersionError` when an imported TensorFlow, Keras or NumPy is outside the declared range.

    Only libraries already imported are checked (this never imports TensorFlow itself).

    Raises:
        UnsupportedVersionError: one line naming the installed and the supported versions.
    """
    installed = {name: getattr(sys.modules[name], "__version__", "") for name in CHECKED if name in sys.modules}
    message = unsupported(installed, declared())
    if message:
        raise UnsupportedVersionError(message)
