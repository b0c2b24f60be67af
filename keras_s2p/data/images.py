"""Reading, writing and checking image files.

One decoder (`read_image`, TensorFlow ops) serves the training pipeline, the up-front validation pass and
`load_image`, so a file that passes the check is a file the pipeline can read.
"""
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_s2p.errors import DataError
from keras_s2p.pixels import to_uint8

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
MAX_LISTED = 20
# Larger images are refused before decoding: a small file can declare a huge size (a "decompression bomb"), and
# decoding 8192x8192 RGB to float32 already takes 800 MB.
MAX_PIXELS = 8192 * 8192


def declared_size(path):
    """(width, height) from the file header without decoding the pixels, or ``None`` if Pillow cannot tell."""
    from PIL import Image  # noqa: PLC0415

    try:
        with Image.open(path) as image:
            return image.size
    except Image.DecompressionBombError:
        return (2**31, 1)
    except Exception:  # noqa: BLE001 - not identifiable by Pillow: the TensorFlow decoder gives the verdict
        return None


def too_large(path):
    """A message if the header of `path` declares more than `MAX_PIXELS` pixels, else ``None``."""
    size = declared_size(path)
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        return f"{size[0]}x{size[1]} is larger than the {MAX_PIXELS // 2**20} megapixel limit"
    return None

# Channel layout -> indices of the colour channels: grey (1), grey+alpha (2), RGB (3), RGBA (4).
_COLOUR_CHANNELS = tf.constant([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 1, 2], [0, 1, 2]])


def name_list(names):
    """`'a, b, c'` for up to 20 names, then `'... and N more'`: the tail of every multi-file message."""
    names = [str(n) for n in names]
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" ... and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def list_images(folder, recursive=True):
    """Sorted image files under `folder`; other files are ignored with one warning (dot-files silently)."""
    folder = Path(folder)
    files = sorted(p for p in (folder.rglob("*") if recursive else folder.iterdir())
                   if p.is_file() and not p.name.startswith("."))
    images = [p for p in files if p.suffix.lower() in IMAGE_EXTENSIONS]
    others = [p.relative_to(folder) for p in files if p.suffix.lower() not in IMAGE_EXTENSIONS]
    if others:
        warnings.warn(f"ignoring {len(others)} non-image file(s) in {folder} (not {'/'.join(IMAGE_EXTENSIONS)}): "
                      f"{name_list(others)}", stacklevel=3)
    return images


def read_image(path):
    """Decode a JPEG/PNG (8/16-bit)/BMP/GIF (first frame) file to float32 RGB in [0, 1], alpha over white."""
    return decode_image(tf.io.read_file(path))


def decode_image(contents):
    """`read_image` for the bytes of an image file (e.g. an upload)."""
    img = tf.io.decode_image(contents, channels=0, dtype=tf.float32, expand_animations=False)
    channels = tf.shape(img)[-1]
    rgb = tf.gather(img, _COLOUR_CHANNELS[channels], axis=-1)
    alpha = tf.where(channels % 2 == 0, img[..., -1:], tf.ones_like(img[..., -1:]))
    rgb = rgb * alpha + (1.0 - alpha)
    rgb.set_shape([None, None, 3])
    return rgb


def resize(img01, size):
    """[0, 1] image(s) -> `size`x`size` float32 in [-1, 1] (aspect ratio not kept, as in pix2pix)."""
    img = tf.image.resize(img01, [size, size], antialias=True)
    return tf.clip_by_value(img * 2.0 - 1.0, -1.0, 1.0)


def pair_loader(side_by_side=None):
    """``load(sketch_path, photo_path, size) -> (sketch, photo)`` in [-1, 1], `size`x`size`; with `side_by_side`
    (``"left"``/``"right"``: the sketch half) both come from one file, `sketch_path`."""
    def load(sketch_path, photo_path, size):
        if side_by_side is None:
            return resize(read_image(sketch_path), size), resize(read_image(photo_path), size)
        img = read_image(sketch_path)
        half = tf.shape(img)[1] // 2
        left, right = img[:, :half], img[:, half:2 * half]
        sketch, photo = (left, right) if side_by_side == "left" else (right, left)
        return resize(sketch, size), resize(photo, size)

    return load


def load_image(path, image_size=None):
    """Load one image file as the models see it.

    Args:
        path: a JPEG, PNG, BMP or GIF file.
        image_size: resize to `image_size`x`image_size` when given; keep the file's size otherwise.

    Returns:
        float32 numpy array HxWx3 in [-1, 1].

    Raises:
        DataError: the file is missing, cannot be decoded, or declares more than `MAX_PIXELS` pixels.

    Example:
        >>> sketch = load_image("my_sketch.png", image_size=128)[None]  # batch of one for the generator
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"image file not found: {path}")
    large = too_large(path)
    if large:
        raise DataError(f"image {path} is too large to load: {large}")
    try:
        img = read_image(str(path))
    except tf.errors.OpError:
        raise DataError(f"cannot decode image {path} (corrupt, truncated or not a JPEG/PNG/BMP/GIF)") from None
    if image_size is not None:
        return resize(img, image_size).numpy()
    return (img * 2.0 - 1.0).numpy()


def save_image(image, path):
    """Write an image in [-1, 1] (HxW, HxWx1 or HxWx3) to `path`; the extension picks PNG/JPEG/BMP/GIF.

    Example:
        >>> save_image(generator(sketch)[0], "out/photo.png")
    """
    path = Path(path)
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise DataError(f"cannot save {path}: use one of {', '.join(IMAGE_EXTENSIONS)}")
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    pixels = to_uint8(arr)
    path.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image  # noqa: PLC0415 - only writing needs Pillow

    Image.fromarray(pixels).save(path)


def check_images(paths, root, min_size=None, half_width=False):
    """Decode every file once (in parallel, with the training decoder) before training starts.

    Args:
        paths: image files.
        root: folder the names in messages are relative to.
        min_size: warn about images whose height or width is below this.
        half_width: compare half the width (side-by-side images).

    Raises:
        DataError: listing every file that cannot be decoded, or whose header declares more than `MAX_PIXELS`
            pixels (checked first, without decoding).
    """
    paths = sorted({str(p) for p in paths})
    if not paths:
        return
    large = [(p, too_large(p)) for p in paths]
    large = [(p, why) for p, why in large if why]
    if large:
        names = name_list(Path(p).relative_to(root) if Path(p).is_relative_to(root) else p for p, _ in large)
        raise DataError(f"{len(large)} image(s) in {root} too large to load ({large[0][1]}): {names}")

    def shape(i, p):
        return i, tf.shape(read_image(p))[:2]

    ds = (tf.data.Dataset.from_tensor_slices((tf.range(len(paths)), paths))
          .map(shape, num_parallel_calls=tf.data.AUTOTUNE).ignore_errors())
    sizes = dict(ds.as_numpy_iterator())

    def rel(p):
        p = Path(p)
        return p.relative_to(root) if p.is_relative_to(root) else p

    bad = [rel(p) for i, p in enumerate(paths) if i not in sizes]
    if bad:
        raise DataError(f"{len(bad)} unreadable image(s) in {root} (corrupt, truncated or not an image): "
                        f"{name_list(bad)}")
    if min_size:
        small = [(rel(paths[i]), (int(w) // 2 if half_width else int(w), int(h))) for i, (h, w) in sizes.items()
                 if h < min_size or (w // 2 if half_width else w) < min_size]
        if small:
            name, (w, h) = small[0]
            warnings.warn(f"{len(small)} image(s) in {root} are smaller than {min_size}x{min_size} and will be "
                          f"upscaled (blurry), e.g. {name} is {w}x{h}", stacklevel=3)
