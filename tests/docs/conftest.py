"""The folder the README's code blocks and the examples run in (tests/docs)."""

import pytest

from keras_s2p.data import builtin_pairs, save_image


@pytest.fixture(scope="session")
def user_folder(tmp_path_factory):
    """A working folder with ``data/faces/{sketches,photos}/NN.png``: 24 built-in pairs at 32²."""
    folder = tmp_path_factory.mktemp("user")
    sketches, photos = builtin_pairs(24, 32, seed=3)
    for i, (sketch, photo) in enumerate(zip(sketches, photos)):
        save_image(sketch, folder / "data" / "faces" / "sketches" / f"{i:02d}.png")
        save_image(photo, folder / "data" / "faces" / "photos" / f"{i:02d}.png")
    return folder
