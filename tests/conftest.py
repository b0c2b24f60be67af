"""Shared fixtures: tiny model settings and random paired data, so every test runs in seconds on 2 CPU cores."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Shared helpers (tiny_settings, draw_browser, distributed_worker) import by their plain names from any test folder.
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from tiny_settings import TINY, random_pairs  # noqa: E402


@pytest.fixture(autouse=True)
def own_cache_home(tmp_path, monkeypatch):
    """Each test its own ``$XDG_CACHE_HOME``: no remembered data check or packed cache leaks between tests (or into
    the user's ~/.cache); subprocesses inherit it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))


@pytest.fixture
def tiny_kwargs():
    """Constructor arguments of a GAN small enough to train a few steps in a second."""
    return dict(TINY)


@pytest.fixture
def pair_arrays():
    return random_pairs()


@pytest.fixture
def pair_dataset(pair_arrays):
    return tf.data.Dataset.from_tensor_slices(pair_arrays).batch(4)


@pytest.fixture(scope="module")
def serve_draw():
    """Start ``DrawServer(("127.0.0.1", free port), DrawModel(generator, size))`` in a thread: ``serve_draw(g, 32)``."""
    from keras_s2p.draw.inference import DrawModel
    from keras_s2p.draw.server import DrawServer

    servers = []

    def start(generator, image_size, **options):
        servers.append(DrawServer(("127.0.0.1", 0), DrawModel(generator, image_size), **options).serve_in_thread())
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Tests that drive Chromium request this first: skipped saying why without a browser, failed under CI."""
    from draw_browser import require_browser

    require_browser()
