"""A procedurally generated sketch/photo dataset: training works on a fresh machine with no download.

Each photo shows one or two shaded objects with a highlight and a soft drop shadow, lit from the upper left in
front of a studio backdrop (a wall that darkens downwards); its sketch is the clean black outline of the same
objects on white. Everything in the photo follows from the sketch: the outline's shape decides the object's colour
(circle red, triangle green, square blue, star yellow) and the light never moves, so a model can learn the whole
picture, sharp and without guessing, within minutes on a CPU (``s2p demo``). The shapes differ even when small and
hand-drawn (a small hexagon is a circle give or take a pixel at 64²), and every outline is drawn equally thick.
"""
import numpy as np

from keras_s2p.data.dataset import paired_dataset

SHAPES = ("circle", "triangle", "square", "star")
COLOURS = np.array([[0.85, 0.14, 0.12], [0.16, 0.66, 0.22], [0.14, 0.30, 0.85], [0.95, 0.80, 0.10]], np.float32)
_SIDES = np.array([0, 3, 4, 0])  # polygon sides per shape; circle and star are drawn by their own formula
_OBJECTS = 2
_PARAMS = 6 * _OBJECTS  # uniform numbers drawn per image: kind, presence, size, rotation, x, y of each object
_LIGHT = np.array([-0.45, -0.55, 0.7], np.float32)  # towards the light: upper left, in front (y points down)
_WALL = np.array([0.80, 0.76, 0.70], np.float32)  # the backdrop's colour where the light falls fullest
_CHUNK = 64


def builtin_pairs(num_pairs=256, image_size=64, seed=0):
    """Generate sketch/photo pairs as numpy arrays.

    Deterministic: the same seed gives the same images, and pair i does not depend on `num_pairs`.

    Args:
        num_pairs: how many pairs.
        image_size: side S of the square images (any size; lines stay about S/64 pixels wide).
        seed: random seed.

    Returns:
        `(sketches, photos)`, float32 arrays (N, S, S, 3) in [-1, 1].

    Example:
        >>> sketches, photos = builtin_pairs(8, image_size=64)
    """
    uniform = np.random.default_rng(seed).random((num_pairs, _PARAMS), dtype=np.float32)
    sketches = np.empty((num_pairs, image_size, image_size, 3), np.float32)
    photos = np.empty_like(sketches)
    for start in range(0, num_pairs, _CHUNK):
        end = min(start + _CHUNK, num_pairs)
        sketches[start:end], photos[start:end] = _draw(uniform[start:end], image_size)
    return sketches, photos


def builtin_dataset(image_size=128, batch_size=16, *, num_pairs=512, validation_split=None, seed=0, **kwargs):
    """`builtin_pairs` through the in-memory path of `paired_dataset` (same pipeline and augmentation).

    Args:
        image_size, batch_size, validation_split, seed: as in `paired_dataset`.
        num_pairs: how many pairs to generate.
        **kwargs: other `paired_dataset` options (augment, shuffle, jitter, drop_remainder, cache).

    Returns:
        a `tf.data.Dataset`, or `(train_ds, val_ds)` when `validation_split` is given.

    Example:
        >>> train_ds, val_ds = builtin_dataset(image_size=64, batch_size=16, validation_split=0.1)
    """
    pairs = builtin_pairs(num_pairs, image_size, seed)
    return paired_dataset(pairs, image_size, batch_size, validation_split=validation_split, seed=seed, **kwargs)


def _draw(u, size):
    n = len(u)
    coords = (np.arange(size, dtype=np.float32) + 0.5) / size
    x, y = coords[None, None, :], coords[None, :, None]
    col = lambda i: u[:, i, None, None]  # noqa: E731 - per-image parameter broadcast over pixels

    # The backdrop: lit from the upper left, darker towards the bottom and away from the light.
    shade = np.broadcast_to(1.0 - 0.3 * y - 0.12 * x, (n, size, size))
    photo = np.clip(shade[..., None] * _WALL, 0, 1)
    sketch = np.ones((n, size, size), np.float32)
    pixel, line_width = 1.0 / size, max(1.0, size / 64)

    for k in range(_OBJECTS):
        p = 6 * k
        kind = np.minimum((u[:, p] * len(SHAPES)).astype(int), len(SHAPES) - 1)
        present = (u[:, p + 1] < 0.5) if k else np.ones(n, bool)
        scale = (0.22 + 0.1 * u[:, p + 2]) if k == 0 else (0.11 + 0.06 * u[:, p + 2])
        radius, rot = scale[:, None, None], col(p + 3) * 2 * np.pi
        margin = radius + 0.04
        cx = margin + (1 - 2 * margin) * col(p + 4)
        cy = margin + (1 - 2 * margin) * col(p + 5)

        dx, dy = x - cx, y - cy
        dist, theta = np.hypot(dx, dy), np.arctan2(dy, dx) - rot
        boundary = radius * _outline(theta, kind[:, None, None])
        inside = np.clip((boundary - dist) / pixel + 0.5, 0, 1) * present[:, None, None]

        # Drop shadow: the same shape, offset away from the light, softened.
        sx, sy = dx + _LIGHT[0] * 0.08, dy + _LIGHT[1] * 0.08
        shadow_edge = radius * _outline(np.arctan2(sy, sx) - rot, kind[:, None, None])
        shadow = np.clip((shadow_edge - np.hypot(sx, sy)) / (4 * pixel) + 0.5, 0, 1) * present[:, None, None]
        photo *= (1 - 0.35 * shadow)[..., None]

        # Puffed-up surface: the normal tilts outwards towards the outline; Lambert diffuse plus a highlight.
        rho = np.clip(dist / np.maximum(boundary, 1e-6), 0, 1)
        normal = np.stack([rho * np.cos(theta + rot), rho * np.sin(theta + rot), np.sqrt(1 - rho ** 2)])
        diffuse = np.clip((normal * (_LIGHT / np.linalg.norm(_LIGHT))[:, None, None, None]).sum(0), 0, 1)
        base = COLOURS[kind]
        colour = base[:, None, None, :] * (0.35 + 0.75 * diffuse[..., None]) + 0.45 * diffuse[..., None] ** 24
        photo = photo * (1 - inside[..., None]) + np.clip(colour, 0, 1) * inside[..., None]

        # Distance to the outline across it, not along the ray from the centre (thinner where the outline is steep).
        slope = (radius * _outline(theta + 1e-3, kind[:, None, None]) - boundary) / 1e-3
        across = np.abs(dist - boundary) / np.sqrt(1 + (slope / boundary) ** 2)
        stroke = np.clip(line_width / 2 + 0.5 - across / pixel, 0, 1) * present[:, None, None]
        sketch = np.minimum(np.maximum(sketch, inside), 1 - stroke)  # hide covered lines, draw this outline

    return np.repeat(sketch[..., None], 3, -1) * 2 - 1, photo.astype(np.float32) * 2 - 1


def _outline(theta, kind):
    """Outline radius (relative to the object's radius) in direction theta, for each pixel."""
    sides = np.maximum(_SIDES[kind], 3)
    sector = 2 * np.pi / sides
    polygon = np.cos(np.pi / sides) / np.cos(np.mod(theta, sector) - sector / 2)
    star = 0.68 + 0.32 * np.cos(5 * theta)
    return np.where(kind == 0, 1.0, np.where(kind == 3, star, polygon)).astype(np.float32)
