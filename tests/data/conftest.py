"""Fixtures for the data tests: tiny image folders written on the fly, and the shared real data."""
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def write_image(path, size=(40, 40), mode="RGB", seed=0, array=None, **save):
    """Write a random (or given) image; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if array is None:
        channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
        array = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
        array = array[..., 0] if channels == 1 else array
    Image.fromarray(array).convert(mode).save(path, **save)
    return path


@pytest.fixture
def paired_folder(tmp_path):
    """make(sketch_names, photo_names) -> root with sketches/ and photos/ holding those (random) images."""

    def make(sketches, photos, root=None, size=(40, 40)):
        root = Path(root or tmp_path / "pairs")
        for i, name in enumerate(sketches):
            write_image(root / "sketches" / name, size, mode="L", seed=i)
        for i, name in enumerate(photos):
            write_image(root / "photos" / name, size, seed=100 + i)
        return root

    return make


def shared(name):
    """Path of a real dataset next to the checkout, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"../shared/data/{name} not found (real-data test needs the shared data folder)")
    return path.resolve()


@pytest.fixture
def write():
    """The `write_image` helper, as a fixture (test modules here do not import each other)."""
    return write_image


@pytest.fixture
def shared_data():
    """The `shared` helper: shared_data("cufs-train") -> path, or skip."""
    return shared
