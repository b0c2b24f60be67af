"""The README's ``s2p draw`` promises at their real values: loopback only by default, ``--host`` warns, bodies up to
10 MB, sketches 16 to 4096 pixels a side, 4 photo requests at once."""

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from keras_s2p import DataError, build_generator
from keras_s2p.cli import build_parser
from keras_s2p.draw import server as draw_server


def _png(width, height):
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width), 255, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def started(tmp_path, monkeypatch):
    """Run ``s2p draw ARGS`` in-process up to serving; returns (the DrawServer, the warnings it gave)."""
    build_generator(image_size=32, base_filters=4, num_res_blocks=1).save(tmp_path / "g.keras")
    servers = []
    monkeypatch.setattr(draw_server.DrawServer, "serve_forever", lambda self: servers.append(self))

    def start(*args):
        parsed = build_parser().parse_args(["draw", "--model", str(tmp_path / "g.keras"), "--port", "0",
                                          "--image-size", "32", *args])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parsed.run(parsed)
        return servers[-1], [str(w.message) for w in caught]

    yield start
    for server in servers:
        server.server_close()


def test_loopback_by_default_and_host_warns(started):
    server, said = started()
    assert server.server_address[0] == "127.0.0.1" and not [w for w in said if "--host" in w]
    server, said = started("--host", "127.0.0.2")  # another address (still loopback, as tests must listen)
    assert server.server_address[0] == "127.0.0.2"
    assert [w for w in said if w.startswith("--host 127.0.0.2: anyone who can reach this machine")]


def test_limits_at_the_documented_values(started):
    server, _ = started()
    assert server.max_body == 10 * 2**20  # "bodies over 10 MB get 413"
    assert server.slots._value == 4  # "more than 4 photo requests at once" get 503
    for width, height in ((16, 16), (4096, 16)):
        assert server.model.sketch(_png(width, height)).shape == (1, 32, 32, 3)
    for width, height, message in ((15, 16, "too small"), (16, 4097, "too large")):
        with pytest.raises(DataError, match=message):
            server.model.sketch(_png(width, height))
