"""The ``s2p draw`` server: photos equal the generator's, and bad input never takes it down."""

import json
import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from draw_browser import decode_png
from draw_http import BOUNDARY, assert_one_line, exchange, form, png_bytes, post_photo, request, sketch_png
from keras_s2p import build_generator
from keras_s2p.draw.form import parse_form
from tiny_settings import hint_generator, with_random_batch_norm

SIZE = 32


def huge_png_header(width=20000, height=20000):
    """A small PNG file whose header declares `width` x `height` pixels."""
    data = bytearray(png_bytes(np.zeros((16, 16), np.uint8)))
    ihdr = bytearray(data[12:29])  # chunk type + 13 data bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


@pytest.fixture(scope="module")
def generator():
    return with_random_batch_norm(build_generator(image_size=SIZE, base_filters=8, num_res_blocks=1))


@pytest.fixture(scope="module")
def server(serve_draw, generator):
    return serve_draw(generator, SIZE, max_body=2**20)


def test_page_and_info(server):
    status, page = request(server, "GET", "/")
    assert status == 200 and b'src="backend.js"' in page and b'href="draw.css"' in page
    assert b"http" not in page  # nothing loaded from the internet
    for path in ("/draw.js", "/draw.css", "/backend.js"):
        status, body = request(server, "GET", path)
        assert status == 200 and body and b"http" not in body, path
    status, info = request(server, "GET", "/info")
    assert status == 200 and json.loads(info) == {"image_size": SIZE, "color_hints": False, "style_dim": 0,
                                              "variations": [], "style_encoder": False}


def test_photo_is_the_generators_output(server, generator):
    png = sketch_png()
    status, photo = post_photo(server, png)
    assert status == 200 and photo.startswith(b"\x89PNG")
    expected = generator(server.model.sketch(png), training=False)[0].numpy()
    np.testing.assert_allclose(decode_png(photo), (expected + 1) / 2, atol=1 / 255)


def test_parse_form_keeps_binary_content():
    data = bytes(range(256)) + b"\r\n--x\r\n\r\n" + bytes(range(256))
    assert parse_form(f"multipart/form-data; boundary={BOUNDARY}", form(sketch=data, hints=b"")) == {
        "sketch": data, "hints": b""}


@pytest.mark.parametrize(
    "sketch, status, needles",
    [
        (b"this is not an image", 400, ["the sketch is not an image"]),
        (sketch_png()[:300], 400, ["cannot decode the sketch", "truncated"]),
        (png_bytes(np.zeros((1, 1), np.uint8)), 400, ["1x1 pixels, too small"]),
        (huge_png_header(), 400, ["too large"]),
    ],
    ids=["not-an-image", "truncated", "1x1", "20000x20000"],
)
def test_unusable_sketches_get_a_one_line_400(server, sketch, status, needles):
    assert_one_line(*post_photo(server, sketch), status, *needles)
    assert post_photo(server, sketch_png())[0] == 200  # and the server goes on


@pytest.mark.parametrize(
    "kwargs, status, needles",
    [
        (dict(body=b"x", content_type="text/plain"), 400, ["multipart/form-data", "text/plain"]),
        (dict(body=b"--b\r\n", content_type="multipart/form-data"), 400, ["no boundary"]),
        (dict(body=f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"sketch\"\r\n\r\nabc".encode()), 400,
         ["truncated"]),
        (dict(body=form(photo=b"abc")), 400, ["no 'sketch' file", "photo"]),
    ],
    ids=["not-multipart", "no-boundary", "no-closing-boundary", "no-sketch-field"],
)
def test_malformed_forms_get_a_one_line_400(server, kwargs, status, needles):
    assert_one_line(*post_photo(server, **kwargs), status, *needles)


def test_a_50_mb_body_gets_413(server):
    status, body = post_photo(server, body=b"\0" * (50 * 2**20))
    assert_one_line(status, body, 413, "over the 1048576 byte limit")
    assert request(server, "GET", "/info")[0] == 200


@pytest.mark.parametrize(
    "raw, status, needle",
    [
        (b"GARBAGE\r\n\r\n", 400, "Bad request"),
        (b"POST /photo HTTP/1.1\r\nHost: x\r\n\r\n", 411, "Content-Length"),
        (b"POST /photo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 411, "Content-Length"),
        (b"POST /photo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411, "chunked"),
        (b"GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n", 404, "/nothing-here"),
        (b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 404, "POST /photo"),
        (b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405, "DELETE"),
    ],
    ids=["request-line", "no-length", "negative-length", "chunked", "get-404", "post-404", "method"],
)
def test_malformed_requests_get_a_one_line_error(server, raw, status, needle):
    answer = exchange(server, raw, half_close=True)
    head, _, body = answer.partition(b"\r\n\r\n")
    if status != 400:  # a request line that cannot be parsed gets no status line back (HTTP/0.9 style)
        assert head.split(b" ")[1] == str(status).encode(), answer
    assert_one_line(status, body if head.startswith(b"HTTP/") else answer, status, needle)
    assert request(server, "GET", "/info")[0] == 200


def test_requests_over_max_pending_get_503_until_a_slot_is_freed(serve_draw, generator):
    """A model that blocks until told: `max_pending` requests hold every slot, the next one gets 503 at once, and
    once they finish a new request is served again. Event-driven: no sleeps, no timing asserts."""
    from keras_s2p.draw.inference import DrawModel

    pending, entered, go_on = 3, threading.Semaphore(0), threading.Event()

    class BlockingModel(DrawModel):
        def photo_png(self, *inputs):
            entered.release()
            assert go_on.wait(120), "the test never let the model go on"
            return super().photo_png(*inputs)

    server = serve_draw(generator, SIZE, max_pending=pending)
    server.model = BlockingModel(generator, SIZE)
    png = sketch_png()
    with ThreadPoolExecutor(pending) as pool:
        held = [pool.submit(post_photo, server, png) for _ in range(pending)]
        for _ in range(pending):
            assert entered.acquire(timeout=120), "a request never reached the model"
        assert_one_line(*post_photo(server, png), 503, "busy")
        go_on.set()
        assert [future.result(timeout=120)[0] for future in held] == [200] * pending
    assert post_photo(server, png)[0] == 200
    assert entered.acquire(blocking=False)  # that one went through the model too


def test_colour_hint_model_gets_the_hint_layer(serve_draw):
    model = hint_generator()
    server = serve_draw(model, SIZE)
    assert json.loads(request(server, "GET", "/info")[1]) == {"image_size": SIZE, "color_hints": True, "style_dim": 0,
                                                              "variations": [], "style_encoder": False}
    hints = np.zeros((SIZE * 2, SIZE * 2, 4), np.uint8)
    hints[10:40, 20:50] = (200, 60, 30, 255)
    png, hints_png = sketch_png(), png_bytes(hints, "RGBA")
    for sent in (hints_png, None):
        status, photo = post_photo(server, png, sent)
        assert status == 200, photo
        hint_input = server.model.hints(sent)
        assert float(hint_input[..., 3].numpy().max()) == (1.0 if sent else 0.0)
        expected = model([server.model.sketch(png), hint_input])[0].numpy()
        np.testing.assert_allclose(decode_png(photo), (expected + 1) / 2, atol=1 / 255)
    assert_one_line(*post_photo(server, png, b"not a png"), 400, "the colour hint layer")


def test_hint_colours_keep_their_value_at_the_edges_when_resized(serve_draw):
    server = serve_draw(hint_generator(), SIZE)
    hints = np.zeros((SIZE * 2 + 6, SIZE * 2 + 6, 4), np.uint8)  # an odd factor: every edge pixel is mixed
    hints[11:40, 21:50] = (200, 60, 30, 255)
    resized = server.model.hints(png_bytes(hints, "RGBA"))[0].numpy()
    hinted = resized[..., 3] > 0.05
    assert 0 < hinted.mean() < 1 and (resized[..., 3] < 0.95)[hinted].any()  # partly covered edge pixels
    np.testing.assert_allclose(resized[hinted][:, :3], np.tile([200 / 255, 60 / 255, 30 / 255], (hinted.sum(), 1)),
                               atol=2 / 255)
