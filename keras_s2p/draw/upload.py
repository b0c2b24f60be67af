"""Uploaded images decoded within bounds: the draw server's only image decoder.

A small file can decode huge (a "decompression bomb"): a GIF whose later frame is 6000x6000 behind a 16x16 first
frame, a PNG header declaring 20000x20000. So an upload is opened with Pillow restricted to `FORMATS`, its size is
checked from the header, only its first frame is decoded (a JPEG at the smallest DCT scale still covering the
model's size), the decoder's actual output size is checked again, and a large image (over a megapixel) more than
`OVERSAMPLE` times the model's size is box-reduced right away, so what stays in memory is small whatever was sent.
"""

import ctypes
import ctypes.util
import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from keras_s2p.errors import DataError

FORMATS = ("PNG", "JPEG", "BMP", "GIF")
MIN_SIDE = 16
MAX_SIDE = 4096  # height and width of an upload; larger ones are refused from the header, before decoding
OVERSAMPLE = 4  # an image over this many times the model's size a side is box-reduced before anything else
_LARGE = 1024 * 1024  # decoded pixels above which an image is reduced, and freed memory handed back at once
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


def _open(contents, what):
    """The Pillow image of `contents` (header read, no pixels decoded), its format and size checked."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(contents), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(f"{what} is too large: more than {MAX_SIDE} pixels a side") from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for what it cannot identify
        other = _format_name(contents)
        kind = f"a {other} image, which is not accepted" if other else "not an image"
        raise DataError(f"{what} is {kind} (send a {', '.join(FORMATS[:-1])} or {FORMATS[-1]})") from None
    _check_size(image.size, what)
    return image


def _format_name(contents):
    """The format Pillow would read `contents` as, with every plugin (only named in messages, never decoded)."""
    try:
        with Image.open(io.BytesIO(contents)) as image:
            return image.format
    except Exception:  # noqa: BLE001
        return None


def _check_size(size, what):
    width, height = size
    if max(width, height) > MAX_SIDE:
        raise DataError(f"{what} is too large: {width}x{height} pixels, more than {MAX_SIDE} a side")
    if min(width, height) < MIN_SIDE:
        raise DataError(f"{what} is {width}x{height} pixels, too small: at least {MIN_SIDE} pixels a side")


def _eight_bit(image):
    """`image` in 8-bit RGB or RGBA: 16-bit grey scaled (Pillow's own conversion would clip it), palettes and
    CMYK converted, transparency kept as alpha."""
    if image.mode.startswith("I"):
        return Image.fromarray((np.asarray(image).astype(np.uint32) >> 8).astype(np.uint8), "L").convert("RGB")
    alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    return image.convert("RGBA" if alpha else "RGB")


def decode_upload(contents, what, size):
    """Decode an uploaded image's first frame, reduced to at most about `OVERSAMPLE` times `size` a side.

    Args:
        contents: the file's bytes (PNG, JPEG, BMP or GIF; 8 or 16 bits, grey, palette, RGB(A) or CMYK).
        what: how messages name it (``"the sketch"``).
        size: the model's size.

    Returns:
        uint8 numpy array ``(H, W, 3)``, or ``(H, W, 4)`` (RGBA) when it has transparency; EXIF orientation
        applied.

    Raises:
        DataError: naming `what`: not an accepted image, too small or too large, corrupt or truncated.

    Example:
        >>> pixels = decode_upload(request_bytes, "the sketch", 128)
    """
    image = _open(contents, what)
    try:
        if image.format == "JPEG":
            image.draft("RGB", (size, size))  # decodes at 1/2, 1/4 or 1/8 scale when that still covers `size`
        image.load()  # the first frame only
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken data
        raise DataError(f"cannot decode {what} (corrupt, truncated or not a {'/'.join(FORMATS)})") from None
    _check_size(image.size, what)  # what the decoder produced, not what the header said
    pixels = image.size[0] * image.size[1]
    image = _eight_bit(image)
    factor = min(image.size) // (OVERSAMPLE * size)
    if factor > 1 and pixels > _LARGE:  # premultiplied while reduced: transparent pixels have no colour to lend
        image = image.convert("RGBa").reduce(factor).convert("RGBA") if image.mode == "RGBA" else image.reduce(factor)
    image = ImageOps.exif_transpose(image)
    array = np.asarray(image)
    if pixels > _LARGE:
        _release_freed_memory()
    return array


def _release_freed_memory():
    """Hand freed heap memory back to the system (glibc keeps large freed blocks in its arenas otherwise)."""
    if _libc is not None:
        _libc.malloc_trim(0)


_libc = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None
if _libc is not None and not hasattr(_libc, "malloc_trim"):
    _libc = None
