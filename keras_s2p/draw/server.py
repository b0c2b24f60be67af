"""The ``s2p draw`` web server: the page, and sketch -> photo over HTTP, on the standard library's HTTP server.

Routes: ``GET /`` (the page; ``/draw.js``, ``/draw.css``, and ``/backend.js``: the page's server backend),
``GET /info`` (JSON: ``image_size``, ``color_hints``), ``POST /photo`` (multipart/form-data with a ``sketch`` image
file and, for colour-hint models, a ``hints`` RGBA PNG; answers the photo as PNG). Every error is a status code
with a one-line ``text/plain`` body. Bad input never stops the server: bodies over ``max_body`` get 413, more than
``max_pending`` photo requests at once get 503.
"""

import json
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from keras_s2p.draw.form import parse_form
from keras_s2p.errors import DataError

MAX_BODY = 10 * 2**20
MAX_PENDING = 4
DRAIN_LIMIT = 64 * 2**20  # an unwanted body is read (and dropped) up to this, so the client sees the answer
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATIC = {"/": ("index.html", "text/html"), "/draw.js": ("draw.js", "text/javascript"),
          "/draw.css": ("draw.css", "text/css"), "/backend.js": ("backend-server.js", "text/javascript")}


class DrawServer(ThreadingHTTPServer):
    """Serves the draw page and `DrawModel` photos; a thread per connection, photos one at a time.

    Args:
        address: ``(host, port)``; port 0 picks a free one (see ``server_address``).
        model: a `keras_s2p.draw.inference.DrawModel`.
        max_body: largest request body accepted, bytes.
        max_pending: photo requests served or waiting at once; more get 503.

    Example:
        >>> server = DrawServer(("127.0.0.1", 8080), DrawModel(generator, 128))
        >>> server.serve_forever()
    """

    daemon_threads = True
    request_queue_size = 256  # a burst of connections waits in the backlog instead of being refused

    def __init__(self, address, model, max_body=MAX_BODY, max_pending=MAX_PENDING):
        super().__init__(address, DrawHandler)
        self.model = model
        self.max_body = max_body
        self.slots = threading.BoundedSemaphore(max_pending)
        folder = resources.files("keras_s2p.draw") / "static"
        self.static = {path: ((folder / name).read_bytes(), kind) for path, (name, kind) in STATIC.items()}

    def serve_in_thread(self):
        """Serve from a daemon thread (a notebook, a test) until ``shutdown()``; returns the server."""
        threading.Thread(target=self.serve_forever, name="s2p-draw", daemon=True).start()
        return self

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


class DrawHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a drawing sends a photo request after every stroke
    # Headers and body go out in two writes; with Nagle's algorithm the body waits for the client's delayed ACK
    # (40 ms measured on loopback).
    disable_nagle_algorithm = True
    timeout = 30  # seconds a client may stall mid-request before its connection is dropped
    server_version = "s2p-draw"

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/info":
            model = self.server.model
            info = {"image_size": model.image_size, "color_hints": model.color_hints}
            return self._send(HTTPStatus.OK, json.dumps(info).encode(), "application/json")
        if path not in self.server.static:
            return self.send_error(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        return self._send(HTTPStatus.OK, *self.server.static[path])

    def do_POST(self):
        if urlsplit(self.path).path != "/photo":
            return self._refuse(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {self.path} (use POST /photo)")
        if not self.server.slots.acquire(blocking=False):
            return self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, "busy: too many photo requests at once; try again")
        try:
            self._photo()
        finally:
            self.server.slots.release()

    def _photo(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._refuse(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length (chunked bodies are not read)")
        try:
            length = int(self.headers.get("Content-Length", ""))
            if length < 0:
                raise ValueError(length)
        except ValueError:
            return self._refuse(HTTPStatus.LENGTH_REQUIRED, "a POST /photo needs a valid Content-Length header")
        if length > self.server.max_body:
            return self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                f"body of {length} bytes is over the {self.server.max_body} byte limit")
        body = self.rfile.read(length)
        if len(body) < length:
            return self._refuse(HTTPStatus.BAD_REQUEST, f"body ended after {len(body)} of {length} bytes")
        try:
            fields = parse_form(self.headers.get("Content-Type"), body)
            if "sketch" not in fields:
                raise DataError(f"the form has no 'sketch' file (fields: {', '.join(fields) or 'none'})")
            png = self.server.model.photo_png(fields["sketch"], fields.get("hints"))
        except DataError as error:
            return self.send_error(HTTPStatus.BAD_REQUEST, str(error))
        except Exception as error:  # noqa: BLE001 - a model failure answers 500 and the server goes on
            self.log_message("inference failed: %r", error)
            return self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"inference failed: {type(error).__name__}")
        self._send(HTTPStatus.OK, png, "image/png")

    def _refuse(self, status, message):
        """Answer an error before reading the body, then drop the body and the connection."""
        self.send_error(status, message)
        self.close_connection = True
        try:
            remaining = min(max(int(self.headers.get("Content-Length", "0")), 0), DRAIN_LIMIT)
            while remaining > 0:
                chunk = self.rfile.read1(min(remaining, 2**20))
                if not chunk:
                    break
                remaining -= len(chunk)
        except (OSError, ValueError):
            pass

    def _send(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        """Every error as one ``text/plain`` line (the base class sends an HTML page)."""
        self.log_message("%d %s", int(code), message or "")
        text = f"error {int(code)}: {message or HTTPStatus(code).phrase}\n".encode("utf-8", "replace")
        self._send(code, text, "text/plain; charset=utf-8")

    def log_request(self, code="-", size="-"):
        """Only errors are logged (`send_error`): a drawing makes a request per stroke."""

    def log_error(self, format, *args):
        """Not logged: the base class' connection noise (an idle keep-alive connection timing out)."""

    def log_message(self, format, *args):
        sys.stderr.write(f"s2p draw: {self.address_string()}: {format % args}\n")
