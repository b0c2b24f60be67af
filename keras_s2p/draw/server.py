"""The ``s2p draw`` web server: the page, and sketch -> photo over HTTP, on the standard library's HTTP server.

Routes: ``GET /`` (the page; ``/draw.js``, ``/draw.css``, and ``/backend.js``: the page's server backend),
``GET /info`` (JSON: ``image_size``, ``color_hints``, ``style_dim``, ``variations``: the page's style codes,
``style_encoder``: whether ``POST /style`` works), ``POST /photo`` (multipart/form-data with a ``sketch`` image
file; for colour-hint models a ``hints`` RGBA PNG; for a style model a ``style`` field, a JSON array of
``style_dim`` numbers, default zeros; answers the photo as PNG), ``POST /style`` (a ``photo`` image file; answers
JSON ``{"style": [...]}``, its code from the style encoder). Every error is a status code
with a one-line ``text/plain`` body, sent with ``Connection: close``, and the connection is then closed. Bad input
never stops the server. The limits (docs/draw-server.md):

- a request (its line, headers and body) must arrive within ``request_deadline`` seconds of its first byte (408);
- headers: at most `MAX_HEAD` bytes (431); bodies: ``max_body`` bytes (413), and at most `MAX_BODIES` bytes of
  bodies held at once over all connections (503);
- at most ``max_connections`` connections at once (503 to the others);
- a photo slot (``max_pending`` at once, 503 beyond; photos and style codes) is taken only once the whole body has
  arrived, for decoding and the model call; uploads are decoded within bounds (`keras_s2p.draw.upload`).
"""

import io
import json
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.client import HTTPException
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from keras_s2p.draw.form import parse_form
from keras_s2p.errors import DataError

MAX_BODY = 10 * 2**20
MAX_BODIES = 4 * MAX_BODY  # bytes of request bodies held at once, over all connections
MAX_HEAD = 128 * 2**10  # bytes read for a request line and its headers
MAX_PENDING = 4
MAX_CONNECTIONS = 64
REQUEST_DEADLINE = 60.0  # seconds from a request's first byte to its last
IDLE_TIMEOUT = 30.0  # seconds a keep-alive connection may wait for its next request, or a client for a write
LINGER = 5.0  # seconds an erroring connection keeps reading (and dropping) what its client still sends
DRAIN_LIMIT = 64 * 2**20  # ... and at most this many bytes, so the client sees the answer
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATIC = {"/": ("index.html", "text/html"), "/draw.js": ("draw.js", "text/javascript"),
          "/draw.css": ("draw.css", "text/css"), "/backend.js": ("backend-server.js", "text/javascript")}
# Control characters (terminal escapes, line breaks) as \xNN in log lines and error answers.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7f, 0xa0))}


def one_line(text):
    """`text` with control characters escaped: safe to write to a terminal, and one line."""
    return str(text).translate(_CONTROL)


class DrawServer(ThreadingHTTPServer):
    """Serves the draw page and `DrawModel` photos; a thread per connection, photos one at a time.

    Args:
        address: ``(host, port)``; an IPv4 or IPv6 address or a host name; port 0 picks a free one (see ``url``).
        model: a `keras_s2p.draw.inference.DrawModel`.
        max_body: largest request body accepted, bytes.
        max_pending: photo requests decoded or computed at once; more get 503.
        max_connections: connections served at once; more get 503.
        request_deadline: seconds a request may take to arrive, from its first byte; later: 408.

    Raises:
        OSError: the address cannot be resolved or bound.

    Example:
        >>> server = DrawServer(("127.0.0.1", 8080), DrawModel(generator, 128))
        >>> server.serve_forever()
    """

    daemon_threads = True
    request_queue_size = 256  # a burst of connections waits in the backlog instead of being refused

    def __init__(self, address, model, max_body=MAX_BODY, max_pending=MAX_PENDING, max_connections=MAX_CONNECTIONS,
                 request_deadline=REQUEST_DEADLINE):
        host, port = address
        family, _, _, _, sockaddr = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                       flags=socket.AI_PASSIVE)[0]
        self.address_family = family  # IPv6 hosts (::1) need an AF_INET6 socket
        super().__init__(sockaddr, DrawHandler)
        self.model = model
        self.max_body = max_body
        self.request_deadline = request_deadline
        self.slots = threading.BoundedSemaphore(max_pending)
        self.connections = threading.BoundedSemaphore(max_connections)
        self.bodies = _Budget(MAX_BODIES)
        folder = resources.files("keras_s2p.draw") / "static"
        self.static = {path: ((folder / name).read_bytes(), kind) for path, (name, kind) in STATIC.items()}

    def serve_in_thread(self):
        """Serve from a daemon thread (a notebook, a test) until ``shutdown()``; returns the server."""
        threading.Thread(target=self.serve_forever, name="s2p-draw", daemon=True).start()
        return self

    def handle_error(self, request, client_address):
        """One line for a connection that failed (a client resetting it), instead of the base class' traceback."""
        error = sys.exc_info()[1]
        sys.stderr.write(f"s2p draw: {client_address[0]}: connection failed: {one_line(repr(error))}\n")

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _require(fields, name):
    if name not in fields:
        raise DataError(f"the form has no '{name}' file (fields: {', '.join(fields) or 'none'})")


class _Budget:
    """A count of bytes held, refused beyond a limit."""

    def __init__(self, limit):
        self.limit, self.held, self._lock = limit, 0, threading.Lock()

    def take(self, count):
        with self._lock:
            if self.held + count > self.limit:
                return False
            self.held += count
            return True

    def give(self, count):
        with self._lock:
            self.held -= count


class _Stream(io.RawIOBase):
    """A connection's socket as a file: reads bounded by the request's deadline and head size, writes by
    `IDLE_TIMEOUT`. The per-read timeout alone never fires on a client sending a byte now and then."""

    def __init__(self, sock, deadline):
        self.sock, self.limit = sock, deadline
        self.next_request()

    def next_request(self):
        """Wait (`IDLE_TIMEOUT`) for a request; its deadline starts with its first byte."""
        self.deadline, self.head_bytes, self.in_head, self.timed_out = None, 0, True, False

    def head_done(self):
        self.in_head = False

    def readable(self):
        return True

    def writable(self):
        return True

    def readinto(self, buffer):
        left = IDLE_TIMEOUT if self.deadline is None else min(IDLE_TIMEOUT, self.deadline - time.monotonic())
        if left <= 0:
            self.timed_out = True
            raise TimeoutError("request deadline passed")
        self.sock.settimeout(left)
        try:
            count = self.sock.recv_into(buffer)
        except TimeoutError:
            self.timed_out = self.deadline is not None
            raise
        if self.deadline is None and count:
            self.deadline = time.monotonic() + self.limit
        if self.in_head:
            self.head_bytes += count
            if self.head_bytes > MAX_HEAD:  # the standard library answers this with 431 (its header-count error)
                raise HTTPException(f"request line and headers over {MAX_HEAD} bytes")
        return count

    def write(self, data):
        self.sock.settimeout(IDLE_TIMEOUT)
        self.sock.sendall(data)
        return len(data)


class DrawHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a drawing sends a photo request after every stroke
    server_version = "s2p-draw"
    # Answers always have a status line: to a request line without a version, and to a connection answered before
    # its request line was read (408, 503).
    default_request_version = "HTTP/1.1"

    def setup(self):
        self.connection = self.request
        # Headers and body go out in two writes; with Nagle's algorithm the body waits for the client's delayed ACK
        # (40 ms measured on loopback).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        self.stream = _Stream(self.connection, self.server.request_deadline)
        self.rfile = io.BufferedReader(self.stream)
        self.wfile = self.stream
        self.linger = False

    def handle(self):
        if not self.server.connections.acquire(blocking=False):
            self.request_version = self.default_request_version
            return self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "busy: too many connections at once; try again")
        try:
            super().handle()
        finally:
            self.server.connections.release()

    def handle_one_request(self):
        self.stream.next_request()
        self.request_version = self.default_request_version
        super().handle_one_request()  # closes the connection on a timeout, unanswered
        if self.stream.timed_out:
            self.send_error(HTTPStatus.REQUEST_TIMEOUT,
                            f"the request did not arrive within {self.server.request_deadline:g} s")

    def parse_request(self):
        parsed = super().parse_request()
        self.stream.head_done()
        return parsed

    def finish(self):
        """After an error answer, read and drop what the client still sends (bounded), then close: closing with
        unread data would reset the connection, and the client could lose the answer."""
        if self.linger:
            try:
                self.connection.shutdown(socket.SHUT_WR)
                end, dropped = time.monotonic() + LINGER, 0
                while dropped < DRAIN_LIMIT and (left := end - time.monotonic()) > 0:
                    self.connection.settimeout(left)
                    chunk = self.connection.recv(2**16)
                    if not chunk:
                        break
                    dropped += len(chunk)
            except OSError:
                pass
        self.rfile.close()

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/info":
            model = self.server.model
            info = {"image_size": model.image_size, "color_hints": model.color_hints, "style_dim": model.style_dim,
                    "variations": model.variations, "style_encoder": model.style_encoder is not None}
            return self._send(HTTPStatus.OK, json.dumps(info).encode(), "application/json")
        if path not in self.server.static:
            return self.send_error(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        return self._send(HTTPStatus.OK, *self.server.static[path])

    def do_POST(self):
        answer = {"/photo": self._photo, "/style": self._style}.get(urlsplit(self.path).path)
        if answer is None:
            return self.send_error(HTTPStatus.NOT_FOUND,
                                   f"no such endpoint: POST {self.path} (use POST /photo or POST /style)")
        length = self._body_length()
        if not isinstance(length, int):
            return self.send_error(*length)
        body = bytearray()
        try:
            if self._read_body(body, length):
                self._compute(body, answer)
        finally:
            self.server.bodies.give(len(body))

    def _body_length(self):
        """The request's Content-Length, or the (status, message) refusing it."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return HTTPStatus.LENGTH_REQUIRED, "send a Content-Length (chunked bodies are not read)"
        lengths = {value.strip() for value in self.headers.get_all("Content-Length", ())}
        if len(lengths) != 1 or not re.fullmatch(r"[0-9]{1,15}", next(iter(lengths))):
            return HTTPStatus.LENGTH_REQUIRED, "a POST needs one valid Content-Length header"
        length = int(lengths.pop())
        if length > self.server.max_body:
            return (HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"body of {length} bytes is over the {self.server.max_body} byte limit")
        return length

    def handle_expect_100(self):
        """``Expect: 100-continue``: the client waits for a go-ahead, sent only for a body that will be read."""
        if self.command == "POST" and isinstance(self._body_length(), int):
            return super().handle_expect_100()
        return True  # do_POST answers the error, without the client sending the body first

    def _read_body(self, body, length):
        """Read the body into `body`, counted against the server's budget; whether it all arrived (answered if
        not). A deadline passing raises `TimeoutError` (answered 408 by `handle_one_request`)."""
        while len(body) < length:
            chunk = self.rfile.read1(min(length - len(body), 2**16))
            if not chunk:
                self.send_error(HTTPStatus.BAD_REQUEST, f"body ended after {len(body)} of {length} bytes")
                return False
            if not self.server.bodies.take(len(chunk)):
                self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "busy: too many uploads at once; try again")
                return False
            body += chunk
        return True

    def _compute(self, body, answer):
        """Answer `answer(form fields)`'s ``(body, content type)`` in a photo slot; bad input answers 400."""
        if not self.server.slots.acquire(blocking=False):
            return self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "busy: too many photo requests at once; try again")
        try:
            result = answer(parse_form(self.headers.get("Content-Type"), body))
        except DataError as error:
            return self.send_error(HTTPStatus.BAD_REQUEST, str(error))
        except Exception as error:  # noqa: BLE001 - a model failure answers 500 and the server goes on
            self.log_message("inference failed: %r", error)
            return self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR, f"inference failed: {type(error).__name__}")
        finally:
            self.server.slots.release()
        self._send(HTTPStatus.OK, *result)

    def _photo(self, fields):
        _require(fields, "sketch")
        return self.server.model.photo_png(fields["sketch"], fields.get("hints"), fields.get("style")), "image/png"

    def _style(self, fields):
        _require(fields, "photo")
        code = self.server.model.encode_style(fields["photo"])
        return json.dumps({"style": code}).encode(), "application/json"

    def _send(self, status, body, kind, close=False):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if close:
            self.send_header("Connection", "close")  # also sets close_connection
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        """Every error as one ``text/plain`` line (the base class sends an HTML page); the connection then closes
        (what follows an error, such as the rest of an over-long header, is never read as a request)."""
        if code == HTTPStatus.NOT_IMPLEMENTED:  # the base class' answer to a method without a do_ method
            code, message, explain = HTTPStatus.METHOD_NOT_ALLOWED, f"method {one_line(self.command)} is not served", ""
        message = one_line(f"{message}: {explain}" if message and explain else message or HTTPStatus(code).phrase)
        self.log_message("%d %s", int(code), message)
        self.linger = True
        try:
            self._send(code, f"error {int(code)}: {message}\n".encode("utf-8", "replace"), "text/plain; charset=utf-8",
                       close=True)
        except OSError:  # the client is gone
            self.close_connection = True

    def log_request(self, code="-", size="-"):
        """Only errors are logged (`send_error`): a drawing makes a request per stroke."""

    def log_error(self, format, *args):
        """Not logged: the base class' connection noise (an idle keep-alive connection timing out)."""

    def log_message(self, format, *args):
        sys.stderr.write(f"s2p draw: {self.address_string()}: {one_line(format % args)}\n")
