"""The ``s2p draw`` page in a real browser (Debian's Chromium, headless, driven by Playwright): draw, upload,
undo, erase, clear, download, colour hints; the photo on screen is the model's own output for the PNG sent."""

import os

import numpy as np
import pytest
from PIL import Image

from draw_browser import decode_png, draw_page
from keras_s2p import build_generator
from keras_s2p.data import builtin_pairs, save_image
from tiny_settings import hint_generator, with_random_batch_norm

SIZE = 32
STROKES = [[(0.2, 0.2), (0.8, 0.25), (0.75, 0.8)], [(0.3, 0.5), (0.6, 0.6)], [(0.15, 0.9), (0.85, 0.1)]]


@pytest.fixture(scope="module")
def generator():
    return with_random_batch_norm(build_generator(image_size=SIZE, base_filters=8, num_res_blocks=1), seed=4)


def assert_shows_model_output(page, server, model):
    """The photo on screen equals `model`'s output for the last form the page sent, within 1/255."""
    fields = page.sent()
    inputs = server.model.sketch(fields["sketch"])
    if server.model.color_hints:
        inputs = [inputs, server.model.hints(fields.get("hints"))]
    expected = (model(inputs, training=False)[0].numpy() + 1) / 2
    shown = page.shown_photo()
    assert shown.shape == expected.shape
    assert np.abs(shown - expected).max() <= 1 / 255 + 1e-6
    return shown


def sent_sketch(page, index=-1):
    """The `index`-th sketch PNG the page sent, RGB (the canvas is opaque)."""
    sketch = decode_png(page.sent(index)["sketch"])
    assert sketch.shape[-1] == 4 and sketch[..., 3].min() == 1.0
    return sketch[..., :3]


def board_pixel(sketch, fx, fy):
    return sketch[int(fy * sketch.shape[0]), int(fx * sketch.shape[1])]


def test_draw_upload_undo_erase_clear_download(browser, serve_draw, generator, tmp_path, capsys):
    server = serve_draw(generator, SIZE)
    with draw_page(server.url) as page:
        page.wait_for_photo(0)  # the blank canvas' photo
        blank_photo = page.shown_photo()
        assert sent_sketch(page).min() == 1.0
        page.page.evaluate("document.getElementById('width').value = 12")  # lines that survive the resize to 32²
        latencies = [page.stroke(points) for points in STROKES]
        sketch = sent_sketch(page)
        assert sketch.shape == (256, 256, 3)  # the canvas: a multiple of the model's size, >= 256
        assert board_pixel(sketch, 0.5, 0.225).max() < 0.5 and board_pixel(sketch, 0.9, 0.9).min() == 1.0
        drawn = assert_shows_model_output(page, server, generator)
        assert np.abs(drawn - blank_photo).max() > 0.02  # the strokes changed the photo

        upload = tmp_path / "upload.png"
        save_image(builtin_pairs(1, 48, seed=11)[0][0], upload)
        before = page.photos_shown()
        page.page.set_input_files("#upload", upload)
        page.wait_for_photo(before)
        uploaded = server.model.sketch(page.sent()["sketch"])[0].numpy()
        expected = server.model.sketch(upload.read_bytes())[0].numpy()
        assert np.abs(uploaded - expected).mean() < 0.1
        assert_shows_model_output(page, server, generator)

        before = page.photos_shown()
        page.page.click("#undo")
        page.wait_for_photo(before)
        np.testing.assert_array_equal(sent_sketch(page), sketch)  # back to the strokes, exactly
        assert_shows_model_output(page, server, generator)

        screenshot = np.asarray(Image.open(page.page.screenshot(path=tmp_path / "draw.png") and
                                           tmp_path / "draw.png").convert("RGB"), np.float32) / 255
        x, y, w, h = (round(v) for v in page.box("#board"))
        board = screenshot[y:y + h, x:x + w]
        assert w >= 256 and h >= 256 and 0.005 < (board < 0.5).all(-1).mean() < 0.5  # strokes on white
        x, y, w, h = (round(v) for v in page.box("#photo"))
        assert w >= 256 and h >= 256
        on_screen = np.asarray(Image.fromarray(np.uint8(drawn * 255)).resize((w, h), Image.BILINEAR)) / 255
        assert np.abs(screenshot[y:y + h, x:x + w] - on_screen).mean() < 0.05  # the photo, beside the canvas

        page.page.click("#eraser")
        page.page.evaluate("document.getElementById('width').value = 30")
        page.stroke([(0.45, 0.225), (0.55, 0.225)])
        erased = sent_sketch(page)
        assert board_pixel(erased, 0.5, 0.225).min() == 1.0 and board_pixel(erased, 0.75, 0.8).max() < 0.5

        with page.page.expect_download() as download:
            page.page.click("#download")
        shown = assert_shows_model_output(page, server, generator)
        np.testing.assert_array_equal(decode_png(open(download.value.path(), "rb").read()), shown)

        before = page.photos_shown()
        page.page.click("#clear")
        page.wait_for_photo(before)
        assert sent_sketch(page).min() == 1.0
        np.testing.assert_allclose(assert_shows_model_output(page, server, generator), blank_photo, atol=1 / 255)

        assert not page.errors
        outside = [url for url in page.requested if not url.startswith((server.url, f"blob:{server.url}"))]
        assert not outside  # nothing loaded from anywhere else
    with capsys.disabled():
        print(f"\nstroke end -> photo on screen ({SIZE}² model, 256² canvas): "
              f"{', '.join(f'{ms:.0f}' for ms in latencies)} ms; load average {os.getloadavg()[0]:.2f}")


def test_colour_hint_brush_sends_the_hint_layer(browser, serve_draw):
    model = hint_generator()
    server = serve_draw(model, SIZE)
    with draw_page(server.url) as page:
        page.wait_for_photo(0)
        assert page.page.is_visible("#hint") and len(page.sent()) == 2
        page.stroke([(0.2, 0.2), (0.8, 0.2)])  # a pencil line, then a colour hint across it
        page.page.click("#hint")
        page.page.fill("#hint-color", "#3050e0")
        page.stroke([(0.5, 0.1), (0.5, 0.9)])
        hints = decode_png(page.sent()["hints"])
        assert hints.shape == (256, 256, 4)
        np.testing.assert_array_equal(np.round(board_pixel(hints, 0.5, 0.5) * 255), [48, 80, 224, 255])
        assert board_pixel(hints, 0.2, 0.5)[3] == 0.0  # no hint where none was drawn
        assert board_pixel(sent_sketch(page), 0.5, 0.5).min() == 1.0  # the hint is not in the sketch
        assert_shows_model_output(page, server, model)
        assert not page.errors


def test_single_input_model_has_no_colour_brush(browser, serve_draw, generator):
    with draw_page(serve_draw(generator, SIZE).url) as page:
        page.wait_for_photo(0)
        assert not page.page.is_visible("#hint") and list(page.sent()) == ["sketch"]
