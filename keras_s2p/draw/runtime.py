"""LiteRT.js, the in-browser TFLite runtime of ``s2p export --format web``: pinned npm tarballs, fetched once.

The runtime (about 19 MB of WebAssembly) is not part of this package: the export takes it from the npm registry's
tarballs of the exact versions pinned in `PACKAGES`, checked against the registry's sha512 ``dist.integrity``,
and caches them in `cache_folder` (``$XDG_CACHE_HOME/keras_s2p/npm`` or ``~/.cache/keras_s2p/npm``). An offline
machine is given a folder holding the same tarballs instead (``npm pack`` writes them; the cache folder of another
machine is such a folder). The registry is ``$npm_config_registry`` (as npm reads it) or registry.npmjs.org.
"""

import base64
import hashlib
import io
import os
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from keras_s2p.atomic import atomic_write_bytes
from keras_s2p.errors import S2PError

VERSION = "2.5.3"
# npm package -> the registry's dist.integrity of its VERSION tarball (`npm view PACKAGE@VERSION dist.integrity`).
PACKAGES = {
    "@litertjs/core":
        "sha512-PlGmbMOq9WitX7FO0jhbdJw9GthatsyuCQXjTt/wJZo0FLaw48q4tz8IwqgqCIkviYGr9OFDL1kCnN4nzWoyJQ==",
    "@litertjs/wasm-utils":
        "sha512-4fJiw6tBQnIs+0jH/OQ16nYOiSl8/+zZnn5h2ul8aTKHi05sVqZW580Tmk78pC2kT39A9OYBVdFawteZ/sI1kQ==",
}
# (package, path in its tarball) -> name in the exported folder's runtime/. Only the default (relaxed SIMD) and
# the compat (plain SIMD) WebAssembly builds: the page asks for neither threads nor JSPI.
FILES = {
    ("@litertjs/core", "package/dist/index.js"): "litert.js",
    ("@litertjs/wasm-utils", "package/dist/index.js"): "wasm-utils.js",
    **{("@litertjs/core", f"package/wasm/{build}.{kind}"): f"{build}.{kind}"
       for build in ("litert_wasm_internal", "litert_wasm_compat_internal") for kind in ("js", "wasm")},
}
# litert.js imports its sibling package by name; the folder has no import map, so the import is made relative.
_IMPORT = ('from "@litertjs/wasm-utils"', 'from "./wasm-utils.js"')
DEFAULT_REGISTRY = "https://registry.npmjs.org"
MAX_TARBALL = 64 * 2**20
TIMEOUT = 60  # seconds without data before a download is given up


class RuntimeUnavailable(S2PError):
    """The npm registry could not be reached (no network, DNS, refused, timed out)."""


def pack_command():
    """The ``npm pack`` command that writes the pinned tarballs into the current folder."""
    return "npm pack " + " ".join(f"{name}@{VERSION}" for name in PACKAGES)


def tarball_name(package):
    """The file name ``npm pack`` gives `package`'s tarball: ``@litertjs/core`` -> ``litertjs-core-2.5.3.tgz``."""
    return f"{package.lstrip('@').replace('/', '-')}-{VERSION}.tgz"


def cache_folder():
    """Where downloaded tarballs are kept: ``$XDG_CACHE_HOME/keras_s2p/npm``, else ``~/.cache/keras_s2p/npm``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "keras_s2p" / "npm"


def _matches(data, package):
    algorithm, expected = PACKAGES[package].split("-", 1)
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected


def _download(package, registry):
    url = f"{registry.rstrip('/')}/{package}/-/{package.split('/')[-1]}-{VERSION}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            data = response.read(MAX_TARBALL + 1)
    except urllib.error.HTTPError as error:
        raise S2PError(f"cannot download {package}@{VERSION}: {url} answered HTTP {error.code}") from None
    except (OSError, urllib.error.URLError) as error:  # URLError, socket timeouts, resets
        reason = getattr(error, "reason", None) or error
        raise RuntimeUnavailable(
            f"cannot download {package}@{VERSION} from {url} ({reason}); offline, run `{pack_command()}` on a "
            f"machine with internet and pass that folder with --web-runtime") from None
    if len(data) > MAX_TARBALL or not _matches(data, package):
        raise S2PError(f"{url} is not {package}@{VERSION}: its sha512 differs from the pinned one "
                       f"(a mirror serving another file?)")
    return data


def tarballs(folder=None, registry=None):
    """The verified tarball bytes of every pinned package.

    Args:
        folder: a folder holding the tarballs under their ``npm pack`` names (`tarball_name`); ``None``: the cache,
            downloading what it lacks (or holds corrupt) from the registry.
        registry: the npm registry URL; default ``$npm_config_registry``, else registry.npmjs.org.

    Returns:
        dict: package name -> tarball bytes.

    Raises:
        RuntimeUnavailable: the registry cannot be reached.
        S2PError: a tarball is missing from `folder` or its sha512 is not the pinned one; a download failed.
    """
    registry = registry or os.environ.get("npm_config_registry") or DEFAULT_REGISTRY
    found = {}
    for package in PACKAGES:
        path = Path(folder or cache_folder()) / tarball_name(package)
        data = path.read_bytes() if path.is_file() else None
        if folder is not None:
            if data is None:
                raise S2PError(f"--web-runtime {folder} has no {path.name}: run `{pack_command()}` in it")
            if not _matches(data, package):
                raise S2PError(f"{path} is not {package}@{VERSION}: its sha512 differs from the pinned one; "
                               f"replace it with the output of `{pack_command()}`")
        elif data is None or not _matches(data, package):
            data = _download(package, registry)
            atomic_write_bytes(path, data)
        found[package] = data
    return found


def runtime_files(packages):
    """The files the page needs from the tarballs (`tarballs`), named as in the folder's ``runtime/``.

    Args:
        packages: package name -> tarball bytes.

    Returns:
        dict: file name -> bytes (``litert.js`` imports ``./wasm-utils.js``).

    Raises:
        S2PError: a tarball is not a gzip tar archive or lacks one of the files.
    """
    files = {}
    for package, data in packages.items():
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                for (owner, member), name in FILES.items():
                    if owner == package:
                        extracted = archive.extractfile(member) if member in archive.getnames() else None
                        if extracted is None:
                            raise S2PError(f"the {package}@{VERSION} tarball has no file {member}")
                        files[name] = extracted.read()
        except (tarfile.TarError, OSError, EOFError) as error:
            raise S2PError(f"the {package}@{VERSION} tarball is not a gzip tar archive ({error})") from None
    script = files["litert.js"].decode()
    if script.count(_IMPORT[0]) != 1:
        raise S2PError(f"@litertjs/core@{VERSION}: litert.js does not import @litertjs/wasm-utils once")
    files["litert.js"] = script.replace(*_IMPORT).encode()
    return files
