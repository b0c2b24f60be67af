"""``s2p export --format web``: the draw page running the exported TFLite model in the browser with LiteRT.js,
served by a plain static file server and driven in Debian's headless Chromium (as tests/draw/test_draw_browser.py); the
photo on screen is the Keras generator's output for the pixels the page gave the model, and those pixels are the
server's preprocessing of the canvas.

The runtime comes from the npm registry once, into the user cache, as an export takes it; these browser tests are
skipped only when the registry cannot be reached. The runtime's download, cache and errors are tested offline,
against a fake registry on 127.0.0.1.
"""

import base64
import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import json
import socket
import tarfile
import threading

import keras
import numpy as np
import pytest
from PIL import Image

from draw_browser import draw_page
from keras_s2p import SketchToPhotoGAN, build_generator
from keras_s2p.cli import main
from keras_s2p.data import builtin_pairs, save_image
from keras_s2p.data.images import decode_image, load_image, resize
from keras_s2p.draw import runtime
from keras_s2p.draw.inference import DrawModel
from keras_s2p.export import export_model
from keras_s2p.hints import hints_from_rgba
from keras_s2p.models.style import page_variations
from keras_s2p.pixels import from_pixels, to_uint8
from tiny_settings import TINY, with_random_batch_norm

SIZE = 32
STROKES = [[(0.2, 0.2), (0.8, 0.25), (0.75, 0.8)], [(0.3, 0.5), (0.6, 0.6)]]
# The page's photo against the Keras generator (float32) for the uint8 pixels the page gave the model, in levels of
# 255: TFLite's float arithmetic differs by ~1e-6, which can flip a rounding. Measured: 0 to 1.
LEVELS = 1


@pytest.fixture(scope="module")
def litert():
    """The folder of the pinned LiteRT.js tarballs (the user cache, filled once); skipped if the registry is
    unreachable, and only then."""
    try:
        runtime.tarballs()
    except runtime.RuntimeUnavailable as error:
        pytest.skip(f"the npm registry is unreachable, so LiteRT.js cannot be fetched: {error}")
    return runtime.cache_folder()


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(0)
    return with_random_batch_norm(build_generator(image_size=SIZE, base_filters=8, num_res_blocks=1), seed=4)


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        """Not logged: every file of the page is a request."""


@contextlib.contextmanager
def serving(folder):
    """A static file server for `folder` on 127.0.0.1 (the standard library's, as README.txt suggests); its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietFiles, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def model_inputs(page):
    """The inputs the page gave the model last: uint8 ``images`` (S, S, 3), ``hints`` (S, S, 4) if any, a style
    model's float32 ``style`` (style_dim,)."""
    inputs = page.page.evaluate("Object.fromEntries(Object.entries(window.s2pModelInputs)"
                                ".map(([name, data]) => [name, Array.from(data)]))")
    return {name: np.asarray(data, np.float32) if name == "style"
            else np.asarray(data, np.uint8).reshape(SIZE, SIZE, -1) for name, data in inputs.items()}


def canvas_png(page, canvas):
    """The PNG of the page's canvas `canvas` (``sketch`` or ``hints``), as the server's page would send it."""
    data_url = page.page.evaluate(f"document.getElementById('{canvas}').toDataURL('image/png')")
    return base64.b64decode(data_url.split(",", 1)[1])


def assert_shows_model_output(page, model):
    """The photo on screen is `model`'s output for the page's last model inputs, within `LEVELS`; returns the
    largest difference in levels and the photo."""
    inputs = model_inputs(page)
    sketch = inputs["images"][None].astype("float32") / 127.5 - 1
    if "hints" in inputs:  # as the TFLite model reads them: nearest resize (none here), alpha >= 0.5 a hint
        sketch = [sketch, hints_from_rgba(inputs["hints"][None], SIZE).numpy()]
    photo = model(sketch, training=False)[0].numpy()
    expected = np.clip(np.round((photo + 1) * 127.5), 0, 255)
    shown = page.shown_photo() * 255
    assert shown.shape == expected.shape == (SIZE, SIZE, 3)
    levels = np.abs(shown - expected).max()
    assert levels <= LEVELS, levels
    return levels, shown / 255


def assert_prepared_as_the_server_does(page):
    """The page's uint8 sketch is the server's preprocessing of the canvas (`DrawModel.sketch`), rounded."""
    expected = (resize(decode_image(canvas_png(page, "sketch")), SIZE).numpy() + 1) * 127.5
    assert np.abs(model_inputs(page)["images"] - expected).max() <= 0.5 + 1e-3


def assert_clean(page, url):
    assert not page.errors
    outside = [request for request in page.requested if not request.startswith((url, f"blob:{url}", "data:"))]
    assert not outside  # nothing loaded from anywhere else


def test_web_page_runs_the_model_in_the_browser(browser, litert, generator, tmp_path, capsys):
    folder = export_model(generator, tmp_path / "web", format="web", image_size=SIZE, web_runtime=litert)
    assert {path.relative_to(folder).as_posix() for path in folder.rglob("*")} >= {
        "index.html", "draw.js", "draw.css", "backend.js", "model.tflite", "model.json", "README.txt",
        "runtime/litert.js", "runtime/wasm-utils.js", "runtime/litert_wasm_internal.wasm"}
    assert json.loads((folder / "model.json").read_text()) == {"image_size": SIZE, "color_hints": False}
    assert not (folder / "style_encoder.tflite").exists()  # a model without a style code: the files it always had
    with serving(folder) as url, draw_page(url) as page:
        page.wait_for_photo(0, timeout=120)  # the blank canvas' photo, after the runtime compiled
        info = page.page.evaluate("window.s2pBackend.describe()")
        assert (info["style_dim"], info["variations"]) == (0, [])
        assert page_error(page, "window.s2pBackend.photo(document.getElementById('sketch'), null, [1, 2])") == (
            "This model has no style code.")
        assert model_inputs(page)["images"].min() == 255
        differences = [int(assert_shows_model_output(page, generator)[0])]
        blank = page.shown_photo()
        page.page.evaluate("document.getElementById('width').value = 12")  # lines that survive the resize to 32²
        for points in STROKES:
            page.stroke(points)
            assert_prepared_as_the_server_does(page)
            differences.append(int(assert_shows_model_output(page, generator)[0]))
        assert model_inputs(page)["images"].min() < 128
        assert np.abs(page.shown_photo() - blank).max() > 2 / 255  # the strokes changed the photo (beyond rounding)

        upload = tmp_path / "upload.png"
        save_image(builtin_pairs(1, 48, seed=11)[0][0], upload)
        before = page.photos_shown()
        page.page.set_input_files("#upload", upload)
        page.wait_for_photo(before)
        assert_prepared_as_the_server_does(page)
        level, drawn = assert_shows_model_output(page, generator)
        differences.append(int(level))

        screenshot = np.asarray(Image.open(io.BytesIO(page.page.screenshot())).convert("RGB"), np.float32) / 255
        x, y, w, h = (round(v) for v in page.box("#photo"))
        assert w >= 256 and h >= 256
        on_screen = screenshot[y:y + h, x:x + w]
        assert on_screen.std() > 0.02  # not blank
        expected = np.asarray(Image.fromarray(np.uint8(np.round(drawn * 255))).resize((w, h), Image.BILINEAR)) / 255
        assert np.abs(on_screen - expected).mean() < 0.05  # the photo, beside the canvas
        assert_clean(page, url)
    with capsys.disabled():
        print(f"\nweb page photo vs Keras, largest difference per photo (levels of 255): {differences}")


def test_web_page_with_colour_hints(browser, litert, tmp_path):
    model = build_generator(image_size=SIZE, base_filters=8, num_res_blocks=1, color_hints=True)
    folder = export_model(model, tmp_path / "web", format="web", image_size=SIZE, web_runtime=litert)
    with serving(folder) as url, draw_page(url) as page:
        page.wait_for_photo(0, timeout=120)
        assert page.page.is_visible("#hint")
        page.page.click("#hint")
        page.page.fill("#hint-color", "#3050e0")
        page.page.evaluate("document.getElementById('width').value = 24")
        page.stroke([(0.5, 0.1), (0.5, 0.9)])
        hints = model_inputs(page)["hints"]
        np.testing.assert_array_equal(hints[SIZE // 2, SIZE // 2], [48, 80, 224, 255])
        assert hints[SIZE // 2, 2, 3] == 0  # no hint where none was drawn
        server_hints = DrawModel(model, SIZE).hints(canvas_png(page, "hints"))
        assert np.abs(hints / 255 - server_hints.numpy()[0]).max() <= 0.5 / 255 + 1e-3
        assert_shows_model_output(page, model)
        assert_clean(page, url)


def test_quantised_web_page(browser, litert, generator, tmp_path):
    """int8 dynamic-range weights (hybrid kernels) run in LiteRT.js too, within test_export's int8 bound."""
    folder = export_model(generator, tmp_path / "web", format="web", image_size=SIZE, quantize="int8",
                          web_runtime=litert)
    with serving(folder) as url, draw_page(url) as page:
        page.wait_for_photo(0, timeout=120)
        page.page.evaluate("document.getElementById('width').value = 12")
        page.stroke(STROKES[0])
        sketch = model_inputs(page)["images"][None].astype("float32") / 127.5 - 1
        expected = np.clip(np.round((generator(sketch, training=False)[0].numpy() + 1) * 127.5), 0, 255)
        difference = np.abs(page.shown_photo() * 255 - expected)
        assert difference.max() <= 16 and difference.mean() <= 2.0, (difference.max(), difference.mean())
        assert_clean(page, url)


def page_error(page, expression):
    """The message of the Error the promise `expression` rejects with (None if it resolves)."""
    return page.page.evaluate(f"{expression}.then(() => null, (error) => error.message)")


_PHOTO_PIXELS = """async (code) => {
  const blob = await window.s2pBackend.photo(document.getElementById("sketch"), document.getElementById("hints"), code);
  const image = await createImageBitmap(blob), canvas = new OffscreenCanvas(image.width, image.height);
  canvas.getContext("2d").drawImage(image, 0, 0);
  return Array.from(canvas.getContext("2d").getImageData(0, 0, image.width, image.height).data);
}"""


def test_web_page_of_a_style_model(browser, litert, tmp_path, capsys):
    """model.tflite takes the code, style_encoder.tflite gives a photo's; the backend (window.s2pBackend) describes
    the variations, draws with a given code (zeros when none) and encodes an uploaded photo as Python does."""
    keras.utils.set_random_seed(0)
    gan = SketchToPhotoGAN(**TINY, color_hints=True, style_dim=4)
    with_random_batch_norm(gan.generator, seed=2)
    folder = export_model(gan, tmp_path / "web", format="web", web_runtime=litert)
    assert (folder / "style_encoder.tflite").is_file()
    assert json.loads((folder / "model.json").read_text()) == {
        "image_size": SIZE, "color_hints": True, "style_dim": 4, "variations": page_variations(4)}

    def keras_photo(inputs, code):
        sketch, hints = from_pixels(inputs["images"][None]), hints_from_rgba(inputs["hints"][None], SIZE).numpy()
        return to_uint8(gan.generator([sketch, hints, np.float32(code)[None]], training=False)[0].numpy())

    photo = builtin_pairs(1, 48, seed=3)[1][0]
    rgba = np.concatenate([np.uint8(np.round((photo[:, :40] + 1) * 127.5)), np.full((48, 40, 1), 255, np.uint8)], -1)
    rgba[:12, :12, 3] = 0  # a transparent corner: white, as Python reads it
    upload = tmp_path / "style.png"
    Image.fromarray(rgba).save(upload)
    with serving(folder) as url, draw_page(url) as page:
        page.wait_for_photo(0, timeout=120)
        page.wait_for_variations(timeout=120)  # the strip's requests are done: the backend is ours alone
        info = page.page.evaluate("window.s2pBackend.describe()")
        assert (info["image_size"], info["color_hints"], info["style_dim"]) == (SIZE, True, 4)
        np.testing.assert_allclose(info["variations"], page_variations(4), rtol=1e-6)
        inputs = model_inputs(page)
        np.testing.assert_allclose(inputs["style"], info["variations"][-1], rtol=1e-6)  # the strip's last thumbnail
        # The main photo (drawn first, the same sketch and hints) with the prior's mean code.
        differences = [int(np.abs(page.shown_photo() * 255 - keras_photo(inputs, np.zeros(4))).max())]

        page.page.evaluate("document.getElementById('width').value = 12")
        page.stroke(STROKES[0])
        page.wait_for_variations(timeout=120)
        photos = []
        for code in info["variations"][:2]:
            shown = np.asarray(page.page.evaluate(_PHOTO_PIXELS, code), np.float32).reshape(SIZE, SIZE, 4)[..., :3]
            np.testing.assert_allclose(model_inputs(page)["style"], code, rtol=1e-6)
            differences.append(int(np.abs(shown - keras_photo(model_inputs(page), code)).max()))
            photos.append(shown)
        assert max(differences) <= LEVELS, differences
        assert np.abs(photos[0] - photos[1]).max() > 8  # two variations differ

        code = page.page.evaluate("async (bytes) => window.s2pBackend.encodeStyle(new Blob([new Uint8Array(bytes)], "
                                  "{type: 'image/png'}))", list(upload.read_bytes()))
        given = np.asarray(page.page.evaluate("Array.from(window.s2pStyleInputs)"), np.uint8).reshape(SIZE, SIZE, 3)
        expected = load_image(upload, SIZE)  # as s2p generate --style-from reads a photo: [-1, 1]
        prepared = np.abs(given - (expected + 1) * 127.5).max()
        assert prepared <= 1, prepared  # the browser composites the transparency in 8 bits
        np.testing.assert_allclose(code, gan.encode_style(from_pixels(given)[None])[0], atol=1e-5)
        # The uint8 rounding of the resized photo moves the code a little (measured 2.4e-4).
        python = np.abs(np.asarray(code) - gan.encode_style(expected[None])[0]).max()
        assert python <= 1e-3, python

        assert page_error(page, "window.s2pBackend.photo(document.getElementById('sketch'), null, [1, 2])") == (
            "A style code has 4 numbers, got 2.")
        assert page_error(page, "window.s2pBackend.encodeStyle(new Blob(['not an image']))") == (
            "Cannot read the file as an image.")
        assert_clean(page, url)
    with capsys.disabled():
        print(f"\nstyle web page vs Keras, largest difference per photo (levels of 255): {differences}; its code "
              f"for a PNG vs gan.encode_style of the file: {python:.2e}")


def test_cli_export_web_and_its_one_line_errors(litert, generator, tmp_path, capsys):
    model_file = tmp_path / "generator.keras"
    generator.save(model_file)
    out = tmp_path / "page"
    assert main(["export", "--model", str(model_file), "--image-size", str(SIZE), "--format", "web",
                 "--output", str(out), "--web-runtime", str(litert)]) == 0
    assert f"python -m http.server -d {out}" in capsys.readouterr().out
    assert (out / "model.tflite").is_file() and "http.server" in (out / "README.txt").read_text()

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", "--model", str(model_file), "--format", "web", "--output", str(tmp_path / "x"),
                 "--web-runtime", str(empty)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"--web-runtime {empty} has no litertjs-core-" in error
    assert runtime.pack_command() in error

    for package in runtime.PACKAGES:
        (empty / runtime.tarball_name(package)).write_bytes(b"not the package")
    assert main(["export", "--model", str(model_file), "--format", "web", "--output", str(tmp_path / "x"),
                 "--web-runtime", str(empty)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "sha512 differs from the pinned one" in error
    assert not (tmp_path / "x").exists()


# The runtime's download, cache and errors, offline: a fake package set served by a fake registry.

def _tarball(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _integrity(data):
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def fake_registry(tmp_path, monkeypatch):
    """Pins replaced by two small fake tarballs, served at ``/@litertjs/NAME/-/NAME-VERSION.tgz`` on 127.0.0.1;
    the cache in `tmp_path`. Yields (registry URL, tarballs by package, request log)."""
    core = _tarball({"package/dist/index.js": b'import { x } from "@litertjs/wasm-utils";\n',
                     **{f"package/wasm/{name}": name.encode() for (_, path), name in runtime.FILES.items()
                        if path.startswith("package/wasm/")}})
    packages = {"@litertjs/core": core, "@litertjs/wasm-utils": _tarball({"package/dist/index.js": b"export {};"})}
    monkeypatch.setattr(runtime, "PACKAGES", {name: _integrity(data) for name, data in packages.items()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    served, log = dict(packages), []

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            log.append(self.path)
            name = next((package for package in served
                         if self.path == f"/{package}/-/{package.split('/')[1]}-{runtime.VERSION}.tgz"), None)
            body = served.get(name)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format, *args):
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served, log
    server.shutdown()
    server.server_close()


def test_runtime_is_downloaded_once_verified_and_cached(fake_registry):
    registry, served, log = fake_registry
    packages = runtime.tarballs(registry=registry)
    assert packages == served and len(log) == 2
    cached = runtime.cache_folder() / runtime.tarball_name("@litertjs/core")
    assert cached.read_bytes() == served["@litertjs/core"]
    assert runtime.tarballs(registry=registry) == served and len(log) == 2  # from the cache
    cached.write_bytes(b"truncated")
    assert runtime.tarballs(registry=registry) == served and len(log) == 3  # a corrupt cache is fetched again
    files = runtime.runtime_files(packages)
    assert set(files) == set(runtime.FILES.values())
    assert files["litert.js"] == b'import { x } from "./wasm-utils.js";\n'  # the import made relative


def test_runtime_download_errors_are_one_line(fake_registry, unused_port):
    registry, served, _ = fake_registry
    served["@litertjs/core"] = b"another file"
    with pytest.raises(runtime.S2PError, match=r"core-2\.5\.3\.tgz is not @litertjs/core@2\.5\.3: its sha512 "
                                               r"differs") as error:
        runtime.tarballs(registry=registry)
    assert "\n" not in str(error.value) and not isinstance(error.value, runtime.RuntimeUnavailable)
    del served["@litertjs/core"]
    with pytest.raises(runtime.S2PError, match="answered HTTP 404"):
        runtime.tarballs(registry=registry)
    with pytest.raises(runtime.RuntimeUnavailable, match="--web-runtime") as error:
        runtime.tarballs(registry=f"http://127.0.0.1:{unused_port}")
    assert "\n" not in str(error.value) and runtime.pack_command() in str(error.value)


def test_bad_runtime_tarballs_are_one_line_errors(fake_registry):
    _, served, _ = fake_registry
    with pytest.raises(runtime.S2PError, match="tarball is not a gzip tar archive"):
        runtime.runtime_files({**served, "@litertjs/core": gzip.compress(b"not a tar file")})
    with pytest.raises(runtime.S2PError, match="tarball has no file package/dist/index.js"):
        runtime.runtime_files({**served, "@litertjs/wasm-utils": _tarball({"package/README.md": b""})})


@pytest.fixture
def unused_port():
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
