"""HTTP helpers for the ``s2p draw`` server tests: forms, requests on fresh connections, raw socket exchanges."""

import http.client
import io
import socket

import numpy as np
from PIL import Image

from keras_s2p.data import builtin_pairs

BOUNDARY = "s2p-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def png_bytes(pixels, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8), mode).save(buffer, "PNG")
    return buffer.getvalue()


def image_bytes(image, format, **options):
    """The file bytes of a Pillow `image` saved as `format`."""
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def form(**files):
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.png"\r\n'
             f"Content-Type: image/png\r\n\r\n".encode() + data + b"\r\n" for name, data in files.items()]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def request(server, method, path, body=None, headers=None, timeout=60):
    """(status, body) of one request on a fresh connection."""
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def post_photo(server, sketch=None, hints=None, body=None, content_type=None):
    files = {name: data for name, data in (("sketch", sketch), ("hints", hints)) if data is not None}
    return request(server, "POST", "/photo", body if body is not None else form(**files),
                   {"Content-Type": content_type or MULTIPART})


def sketch_png(seed=3, size=64):
    """A built-in dataset sketch at an ordinary size (other than the test models' 32: it is resized)."""
    sketch = builtin_pairs(1, size, seed=seed)[0][0]
    return png_bytes(np.round((sketch + 1) * 127.5))


def photo_request(sketch):
    """The raw bytes of a ``POST /photo`` request sending `sketch`."""
    body = form(sketch=sketch)
    return (f"POST /photo HTTP/1.1\r\nHost: x\r\nContent-Type: {MULTIPART}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def exchange(server, raw, timeout=30, half_close=False):
    """Send `raw` on a new connection (then end the sending side if `half_close`) and read until the server closes
    it; returns everything it sent."""
    with socket.create_connection(server.server_address[:2], timeout=timeout) as connection:
        connection.sendall(raw)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def assert_one_line(status, body, expected_status, *needles):
    text = body.decode()
    assert status == expected_status, text
    assert text.startswith(f"error {expected_status}: ") and text.count("\n") == 1, text
    for needle in needles:
        assert needle in text


def resident_mib(peak=False):
    """This process' resident memory now (or its peak since `reset_peak`), MiB (Linux)."""
    field = "VmHWM" if peak else "VmRSS"
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024


def reset_peak():
    """Start `resident_mib(peak=True)` again from the current resident memory (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
