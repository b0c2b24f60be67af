"""Line drawings from photos (XDoG), so a user with photos only can train."""
import csv
import shutil
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_s2p.data.images import check_images, list_images, load_image, name_list, save_image
from keras_s2p.data.pairing import find_pairs
from keras_s2p.errors import DataError

_LUMA = tf.constant([0.299, 0.587, 0.114])


def sketchify(photo, *, sigma=0.8, k=1.6, p=40.0, epsilon=0.2, phi=10.0):
    """An XDoG line drawing (Winnemoeller et al. 2012) of a photo, in pure TensorFlow.

    The grey image is sharpened as `(1 + p) * G(sigma) - p * G(k * sigma)` and soft-thresholded:
    white where that is above `epsilon`, `1 + tanh(phi * (value - epsilon))` (dark lines) below it.

    Args:
        photo: HxWxC or NxHxWxC (C = 1, 3 or 4; alpha is ignored): uint8 0..255, or float in [-1, 1].
        sigma: blur of the fine scale in pixels; larger draws fewer, bolder lines.
        k: ratio of the coarse to the fine blur.
        p: edge emphasis; larger draws more lines.
        epsilon: brightness (0..1) under which the sharpened image turns into ink.
        phi: steepness of the ink threshold; larger gives crisper, more binary lines.

    Returns:
        numpy array of the input's shape with 3 equal (grey) channels, in the input's convention:
        uint8 in, uint8 out; float in, float32 in [-1, 1] out.

    Example:
        >>> sketch = sketchify(load_image("photo.jpg", image_size=128))
    """
    arr = np.asarray(photo)
    if arr.ndim not in (3, 4) or arr.shape[-1] not in (1, 3, 4):
        raise DataError(f"sketchify needs an HxWxC or NxHxWxC image with C in 1, 3, 4; got shape {arr.shape}")
    unit = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else (arr.astype(np.float32) + 1.0) / 2.0
    out = xdog(tf.constant(unit if arr.ndim == 4 else unit[None]), sigma=sigma, k=k, p=p, epsilon=epsilon,
               phi=phi).numpy()
    out = out if arr.ndim == 4 else out[0]
    return np.round(out * 255).astype(np.uint8) if arr.dtype == np.uint8 else out * 2.0 - 1.0


def xdog(images, *, sigma=0.8, k=1.6, p=40.0, epsilon=0.2, phi=10.0):
    """The XDoG drawing of float images NxHxWxC in [0, 1] (C = 1, 3 or 4), as NxHxWx3 in [0, 1]; see `sketchify`."""
    channels = images.shape[-1]
    grey = images[..., :1] if channels == 1 else tf.reduce_sum(images[..., :3] * _LUMA, -1, keepdims=True)
    sharpened = (1 + p) * _blur(grey, sigma) - p * _blur(grey, k * sigma)
    lines = tf.where(sharpened >= epsilon, 1.0, 1.0 + tf.tanh(phi * (sharpened - epsilon)))
    return tf.clip_by_value(tf.repeat(lines, 3, -1), 0.0, 1.0)


def _blur(images, sigma):
    """Separable Gaussian blur of NxHxWx1 images, edges reflected."""
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = tf.constant(taps / taps.sum(), tf.float32)
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    out = tf.nn.conv2d(padded, tf.reshape(taps, [-1, 1, 1, 1]), 1, "VALID")
    return tf.nn.conv2d(out, tf.reshape(taps, [1, -1, 1, 1]), 1, "VALID")


def sketchify_folder(photo_dir, out_dir, *, overwrite=False, **xdog):
    """Turn a folder of photos into a paired folder that `find_pairs`/`paired_dataset` read.

    Writes `out_dir/photos/<name>` (the photo files, copied unchanged), `out_dir/sketches/<stem>.png` (their
    `sketchify` drawings at full resolution, subfolders kept) and `out_dir/pairs.csv`.

    Args:
        photo_dir: folder of photos (searched recursively).
        out_dir: where to write the paired folder.
        overwrite: replace an existing `out_dir/pairs.csv` and the files it names.
        **xdog: `sketchify` options (sigma, k, p, epsilon, phi).

    Returns:
        the pairs, as `find_pairs(out_dir)` returns them.

    Raises:
        DataError: missing/empty folder, unreadable photos, two photos with the same name, existing output.

    Example:
        >>> pairs = sketchify_folder("my_photos", "data/my_pairs")
        >>> train_ds = paired_dataset("data/my_pairs")
    """
    photo_dir, out_dir = Path(photo_dir), Path(out_dir)
    if not photo_dir.is_dir():
        raise DataError(f"photo folder not found: {photo_dir}")
    photos = list_images(photo_dir)
    if not photos:
        raise DataError(f"no images found in {photo_dir}")
    manifest = out_dir / "pairs.csv"
    if manifest.exists() and not overwrite:
        raise DataError(f"{manifest} already exists; pass overwrite=True to replace it")
    rel = [p.relative_to(photo_dir) for p in photos]
    sketch_names = [r.with_suffix(".png") for r in rel]
    clashes = sorted({str(r) for r, s in zip(rel, sketch_names) if sketch_names.count(s) > 1})
    if clashes:
        raise DataError(f"photos in {photo_dir} differ only by extension, their sketches would clash: "
                        f"{name_list(clashes)}")
    check_images(photos, photo_dir)
    rows = []
    for photo, name, sketch_name in zip(photos, rel, sketch_names):
        target = out_dir / "photos" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(photo, target)
        save_image(sketchify(load_image(photo), **xdog), out_dir / "sketches" / sketch_name)
        rows.append({"sketch": f"sketches/{sketch_name.as_posix()}", "photo": f"photos/{name.as_posix()}"})
    with open(manifest, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["sketch", "photo"])
        writer.writeheader()
        writer.writerows(rows)
    return find_pairs(out_dir)
