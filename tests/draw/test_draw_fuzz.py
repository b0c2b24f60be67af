"""Property-based fuzz of the ``s2p draw`` request path (hypothesis, loopback only, bounded in count).

Whatever arrives, the answer is a 200, or a 4xx, 503 or 505 (an HTTP version the server does not speak) whose body
is one line; the server answers a normal photo request right after; and its resident memory stays bounded.
"""


import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from draw_http import BOUNDARY, MULTIPART, exchange, form, image_bytes, post_photo, resident_mib, sketch_png
from keras_s2p import build_generator

SIZE = 32
MEMORY_BOUND_MIB = 300  # growth of this (the test and server) process over the whole fuzz

IMAGES = [image_bytes(Image.new(mode, (40, 24), colour), fmt, **options) for mode, colour, fmt, options in [
    ("RGB", (200, 30, 90), "PNG", {}), ("RGBA", (0, 0, 0, 0), "PNG", {}), ("I;16", 4096, "PNG", {}),
    ("P", 1, "PNG", {"transparency": 1}), ("RGB", "red", "JPEG", {}), ("CMYK", (0, 9, 0, 0), "JPEG", {}),
    ("1", 1, "BMP", {}), ("P", 3, "GIF", {}), ("RGB", "blue", "WEBP", {}),
]]


def mutated(data, edits):
    data = bytearray(data)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data)


images = st.one_of(
    st.sampled_from(IMAGES),
    st.tuples(st.sampled_from(IMAGES), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                min_size=1, max_size=8)).map(lambda t: mutated(*t)),
    st.tuples(st.sampled_from(IMAGES), st.floats(0.05, 0.95)).map(lambda t: t[0][:int(len(t[0]) * t[1])]),
    st.binary(max_size=200),
)
bodies = st.one_of(
    st.binary(max_size=500),
    st.builds(lambda sketch: form(sketch=sketch), images),
    st.builds(lambda sketch, hints: form(sketch=sketch, hints=hints), images, images),
    st.builds(lambda name, data: form(**{name: data}), st.text("abcs_-ketch", min_size=1, max_size=8), images),
)
tokens = st.text(st.characters(min_codepoint=0x21, max_codepoint=0xff, exclude_characters=":"), min_size=1,
                 max_size=12)
header_names = st.one_of(st.sampled_from(["Content-Length", "Content-Type", "Transfer-Encoding", "Expect",
                                          "Connection", "Host"]), tokens)
HEADER_VALUES = [MULTIPART, "multipart/form-data", f'multipart/form-data; boundary="{BOUNDARY}"', "chunked",
                 "100-continue", "close", "keep-alive", "-1", "0", "10", "99999999999"]
header_values = st.one_of(st.sampled_from(HEADER_VALUES),
                          st.integers(0, 3000).map(str),
                          st.text(st.characters(min_codepoint=0x20, max_codepoint=0xff), max_size=40))
requests = st.fixed_dictionaries({
    "method": st.one_of(st.sampled_from(["GET", "POST", "POST", "POST", "HEAD", "PUT"]), tokens),
    "path": st.one_of(st.sampled_from(["/", "/info", "/photo", "/photo?x=1", "/../../etc/passwd", "//photo"]),
                      tokens.map(lambda t: "/" + t)),
    "version": st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.x", ""]),
    "headers": st.lists(st.tuples(header_names, header_values), max_size=5),
    "length": st.sampled_from(["exact", "exact", "none", "short", "long"]),
    "body": bodies,
})


def raw_request(r):
    lines = [" ".join(part for part in (r["method"], r["path"], r["version"]) if part)]
    lines += [f"{name}: {value}" for name, value in r["headers"]]
    body = r["body"]
    if r["length"] != "none":
        lines.append(f"Content-Length: {len(body) + {'exact': 0, 'short': -1, 'long': 7}[r['length']]}")
    if not any(name == "Content-Type" for name, _ in r["headers"]):
        lines.append(f"Content-Type: {MULTIPART}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def answers(server, raw):
    """Every answer the server sends to `raw` (the client then half-closes), as (status, head, body)."""
    data = exchange(server, raw, timeout=60, half_close=True)
    found = []
    while data:
        head, separator, rest = data.partition(b"\r\n\r\n")
        assert separator and head.startswith(b"HTTP/1."), data[:300]
        status = int(head.split(b" ")[1])
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        found.append((status, head, rest[:length]))
        data = rest[length:]
    return found


@pytest.fixture(scope="module")
def server(serve_draw):
    return serve_draw(build_generator(image_size=SIZE, base_filters=4, num_res_blocks=1), SIZE, max_body=64 * 2**10,
                      request_deadline=5)


@pytest.fixture(scope="module")
def baseline(server):
    assert post_photo(server, sketch_png())[0] == 200
    return resident_mib()


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(r=requests)
def test_any_request_gets_a_proper_answer_and_the_server_goes_on(server, baseline, r):
    found = answers(server, raw_request(r))
    assert found, "no answer"
    for status, head, body in found:
        if status == 100:
            continue
        assert status == 200 or 400 <= status < 500 or status in (503, 505), (status, body)
        if status != 200:
            text = body.decode()
            assert text.startswith(f"error {status}: ") and text.count("\n") == 1 and text.endswith("\n"), text
            assert b"Connection: close" in head
    assert found[-1][0] != 200 or r["method"] in ("GET", "POST")
    assert post_photo(server, sketch_png())[0] == 200
    assert resident_mib() - baseline < MEMORY_BOUND_MIB


def test_the_fuzz_reaches_the_model():
    """The images the fuzz sends include ones the server turns into photos (so it explores past the parser)."""
    from keras_s2p.draw.upload import decode_upload

    accepted = [data for data in IMAGES if _decodes(decode_upload, data)]
    assert len(accepted) == len(IMAGES) - 1  # all but the WebP
    assert np.all([decode_upload(data, "x", SIZE).ndim == 3 for data in accepted])


def _decodes(decode, data):
    try:
        decode(data, "x", SIZE)
        return True
    except Exception:  # noqa: BLE001
        return False
