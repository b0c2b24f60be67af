"""Driving the ``s2p draw`` page in Debian's headless Chromium with Playwright (tests and benchmarks/draw_latency.py):
the server's page, and the ``s2p export --format web`` page that runs the model itself.

Never a browser of Playwright's own (``playwright install``): the Chromium is ``$S2P_CHROMIUM`` when set (macOS,
other Linux distributions), else Debian's ``/usr/bin/chromium`` (``apt-get install chromium``; CI installs it).
"""

import contextlib
import importlib.util
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

CHROMIUM_ENV, DEBIAN_CHROMIUM = "S2P_CHROMIUM", "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync"]
_SHOWN_PIXELS = """(selector) => {
  const img = document.querySelector(selector), canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return [canvas.width, canvas.height, Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data)];
}"""


# Playwright's request events carry no body for a FormData of blobs, so the page's fetch keeps a copy of each form.
_KEEP_FORMS = """
window.s2pSentForms = [];
const pageFetch = window.fetch;
window.fetch = function (resource, options) {
  if (options && options.body instanceof FormData) {
    window.s2pSentForms.push(Promise.all([...options.body.entries()].map(
      async ([name, value]) => [name, Array.from(typeof value === "string" ? new TextEncoder().encode(value)
                                                 : new Uint8Array(await value.arrayBuffer()))])));
  }
  return pageFetch.apply(this, arguments);
};
"""


class DrawPage:
    """The page in a browser tab: ``sent_count()`` photo requests sent to a server, ``sent(i)`` the form fields of
    one; ``photos_requested()`` and ``photos_shown()`` whoever computes them."""

    def __init__(self, page, url):
        self.page, self.url = page, url
        self.requested, self.errors = [], []
        page.on("request", lambda request: self.requested.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.add_init_script(_KEEP_FORMS)
        page.goto(url)

    def sent_count(self):
        return int(self.page.evaluate("window.s2pSentForms.length"))

    def sent(self, index=-1):
        """The fields of the `index`-th form the page sent, name -> bytes (the last one by default)."""
        fields = self.page.evaluate("async (i) => Object.fromEntries(await window.s2pSentForms.at(i))", index)
        return {name: bytes(data) for name, data in fields.items()}

    def photos_shown(self):
        return int(self.page.evaluate("document.getElementById('photo').dataset.photos || 0"))

    def photos_requested(self):
        return int(self.page.evaluate("document.getElementById('photo').dataset.requested || 0"))

    def wait_for_photo(self, before, timeout=60):
        """Wait until a photo after the `before`-th is on screen and every photo requested has been shown."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.photos_shown()
            if shown > before and shown == self.photos_requested():
                return shown
            self.page.wait_for_timeout(10)
        status = self.page.text_content("#status")
        raise TimeoutError(f"no new photo in {timeout} s ({self.photos_shown()} shown, {self.photos_requested()} "
                           f"requested; status: {status!r}; page errors: {self.errors})")

    def box(self, selector):
        box = self.page.locator(selector).bounding_box()
        return box["x"], box["y"], box["width"], box["height"]

    def stroke(self, points):
        """Draw one stroke through `points` (fractions of the board's width and height) with the mouse; wait for
        its photo and return the page's stroke-end -> photo-on-screen time in ms."""
        x, y, w, h = self.box("#board")
        before = self.photos_shown()
        self.page.evaluate("delete document.getElementById('photo').dataset.strokeToPhotoMs")
        mouse = self.page.mouse
        mouse.move(x + points[0][0] * w, y + points[0][1] * h)
        mouse.down()
        for px, py in points[1:]:
            mouse.move(x + px * w, y + py * h, steps=8)
        mouse.up()
        self.page.wait_for_function("'strokeToPhotoMs' in document.getElementById('photo').dataset", timeout=60000)
        self.wait_for_photo(before)  # the stroke's photo is the last one requested
        return float(self.page.evaluate("document.getElementById('photo').dataset.strokeToPhotoMs"))

    def wait_for_variations(self, timeout=60):
        """Wait until every thumbnail of a style model's "Variations" strip shows the current drawing."""
        self.page.wait_for_function("document.getElementById('variations').dataset.ready === 'true'",
                                    timeout=timeout * 1000)

    def shown_photo(self, selector="#photo"):
        """The photo on screen (or another image: `selector`) as float32 HxWx3 in [0, 1], read back from the page."""
        width, height, rgba = self.page.evaluate(_SHOWN_PIXELS, selector)
        return np.asarray(rgba, np.float32).reshape(height, width, 4)[..., :3] / 255.0


def chromium_path():
    """The Chromium executable the browser tests drive: ``$S2P_CHROMIUM``, else Debian's ``/usr/bin/chromium``."""
    return os.environ.get(CHROMIUM_ENV) or DEBIAN_CHROMIUM


def missing_browser():
    """``None`` when Playwright and a Chromium are there, else one line saying what is missing and how to get it."""
    if importlib.util.find_spec("playwright") is None:
        return 'browser tests need Playwright for Python: pip install -e ".[dev]"'
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return (f"no Chromium at {path}: `apt-get install chromium`, or point {CHROMIUM_ENV}=PATH at a Chromium "
                f"or Chrome executable")
    return None


def require_browser():
    """Skip the calling test when `missing_browser()` says why, but fail it under CI (``CI=true``): there a
    missing browser is a broken setup, never a reason to test less."""
    import pytest

    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI={os.environ['CI']}: {reason}", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def draw_page(url):
    """A `DrawPage` for the page at `url` in a fresh headless Chromium (`chromium_path()`), closed on exit.

    Raises:
        RuntimeError: no Playwright or no Chromium (`missing_browser()`).
    """
    reason = missing_browser()
    if reason is not None:
        raise RuntimeError(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 720}, accept_downloads=True)
            yield DrawPage(page, url)
        finally:
            browser.close()


@contextlib.contextmanager
def held_out_sketch_page(model_path):
    """The docs' screenshots: `model_path` served by `s2p draw`'s server (with its style encoder, if it holds one)
    on 127.0.0.1, its page in `draw_page`, the built-in sketch ``s2p demo`` holds out uploaded and its photo shown.

    Yields:
        the `DrawPage`; the server stops on exit.
    """
    from keras_s2p.data import builtin_pairs, save_image
    from keras_s2p.draw.inference import DrawModel
    from keras_s2p.draw.server import DrawServer
    from keras_s2p.model_file import load_generator

    generator, size, encoder = load_generator(model_path, style_encoder=True)
    server = DrawServer(("127.0.0.1", 0), DrawModel(generator, size, encoder)).serve_in_thread()
    try:
        with tempfile.TemporaryDirectory() as folder, draw_page(server.url) as page:
            sketch = Path(folder) / "sketch.png"
            save_image(builtin_pairs(1, 256, seed=12345)[0][0], sketch)  # the seed s2p demo holds out
            page.wait_for_photo(0)
            page.page.set_input_files("#upload", sketch)
            page.wait_for_photo(1)
            yield page
    finally:
        server.shutdown()


def decode_png(data):
    """PNG bytes -> float32 array in [0, 1] (HxWx3, or HxWx4 with alpha)."""
    return np.asarray(Image.open(io.BytesIO(data)), np.float32) / 255.0
