"""The draw page's style code (issue 25): the server's ``style`` field and ``POST /style``, and in Chromium the
"Variations" strip and "Style from photo"; every photo is the generator's own output for its code."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from draw_browser import decode_png, draw_page
from draw_http import MULTIPART, assert_one_line, form, png_bytes, request, sketch_png
from keras_s2p import SketchToPhotoGAN, build_generator
from keras_s2p.data import builtin_pairs
from keras_s2p.data.images import resize
from keras_s2p.draw.inference import DrawModel
from keras_s2p.models.style import page_variations
from tiny_settings import TINY

SIZE = 32


@pytest.fixture(scope="module")
def gan():
    return SketchToPhotoGAN(**dict(TINY, image_size=SIZE, style_dim=8))  # untrained: its codes change the photo


@pytest.fixture(scope="module")
def server(serve_draw, gan):
    """A style model served with its style encoder (as ``s2p draw --model model.keras``)."""
    return with_model(serve_draw(gan.generator, SIZE), DrawModel(gan.generator, SIZE, gan.style_encoder))


def with_model(server, model):
    server.model = model
    return server


def post(server, path, **fields):
    return request(server, "POST", path, form(**fields), {"Content-Type": MULTIPART})


def photo_png(seed=5, size=48):
    """A built-in dataset photo at an ordinary size, as PNG bytes."""
    return png_bytes(np.round((builtin_pairs(1, size, seed=seed)[1][0] + 1) * 127.5))


def expected_photo(gan, sketch, code):
    """The generator's photo in [0, 1] for a prepared sketch ``(1, S, S, 3)`` and a code (None: zeros)."""
    code = np.zeros(gan.style_dim, np.float32) if code is None else np.asarray(code, np.float32)
    return (gan.generator([np.asarray(sketch), code[None]], training=False)[0].numpy() + 1) / 2


def encoded(gan, png):
    """The style code of a photo file, prepared here as the page's uploads are (decoded, resized to the model)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), np.float32) / 255
    return gan.encode_style(resize(pixels, SIZE)[None].numpy())[0]


def test_info_lists_the_pages_variations(server, serve_draw, gan):
    info = json.loads(request(server, "GET", "/info")[1])
    assert info == {"image_size": SIZE, "color_hints": False, "style_dim": 8, "variations": page_variations(8),
                    "style_encoder": True}
    np.testing.assert_array_equal(info["variations"], gan.sample_styles(8, seed=0))  # s2p generate's --seed 0
    generator_file = serve_draw(gan.generator, SIZE)  # a generator.keras: no encoder
    assert json.loads(request(generator_file, "GET", "/info")[1])["style_encoder"] is False


@pytest.mark.parametrize("code", [page_variations(8)[2], None, [3, -2, 0, 1, 0.5, -0.25, 2, -1]],
                         ids=["variation", "none", "integers"])
def test_photo_for_a_style_is_the_generators_output_for_that_code(server, gan, code):
    png = sketch_png()
    fields = dict(sketch=png) if code is None else dict(sketch=png, style=json.dumps(code).encode())
    status, photo = post(server, "/photo", **fields)
    assert status == 200, photo
    np.testing.assert_allclose(decode_png(photo), expected_photo(gan, server.model.sketch(png), code), atol=1 / 255)


def test_the_code_changes_the_photo(server):
    photos = [post(server, "/photo", sketch=sketch_png(), style=json.dumps(code).encode())[1]
              for code in page_variations(8)[:2]]
    assert np.abs(decode_png(photos[0]) - decode_png(photos[1])).mean() > 0.01


@pytest.mark.parametrize(
    "style, needle",
    [
        (b"not json", "not a JSON array of 8 finite numbers"),
        (b"[1, 2]", "must be a JSON array of 8 finite numbers, got [1, 2]"),
        (b'["a", 0, 0, 0, 0, 0, 0, 0]', "must be"),
        (b"[true, 0, 0, 0, 0, 0, 0, 0]", "must be"),
        (b"[[0], 0, 0, 0, 0, 0, 0, 0]", "must be"),
        (b'{"style": [0, 0, 0, 0, 0, 0, 0, 0]}', "must be"),
        (b"[NaN, 0, 0, 0, 0, 0, 0, 0]", "NaN is not a finite number"),
        (b"[Infinity, 0, 0, 0, 0, 0, 0, 0]", "Infinity is not a finite number"),
        (b"[1e39, 0, 0, 0, 0, 0, 0, 0]", "must be"),  # finite in JSON, not in float32
        (b"[" + b"9" * 200 + b", 0, 0, 0, 0, 0, 0, 0]", "must be"),  # an int over a float's range
        (b"[" * 100_000, "too long"),
        (b"\xff\xfe\x00", "not a JSON array"),
        (b"", "not a JSON array"),
    ],
    ids=["not-json", "too-few", "string", "bool", "nested", "object", "nan", "infinity", "over-float32", "huge-int",
         "deep", "not-utf8", "empty"],
)
def test_bad_style_fields_get_a_one_line_400(server, style, needle):
    assert_one_line(*post(server, "/photo", sketch=sketch_png(), style=style), 400, "the 'style' field", needle)
    assert post(server, "/photo", sketch=sketch_png())[0] == 200  # and the server goes on


def test_a_style_field_for_a_model_without_style_gets_a_400(serve_draw):
    server = serve_draw(build_generator(image_size=SIZE, base_filters=4, num_res_blocks=1), SIZE)
    assert_one_line(*post(server, "/photo", sketch=sketch_png(), style=b"[0]"), 400, "the 'style' field",
                    "style_dim=0")
    assert_one_line(*post(server, "/style", photo=photo_png()), 400, "no style code")


def test_style_from_a_photo_is_the_encoders_code(server, gan):
    png = photo_png()
    status, answer = post(server, "/style", photo=png)
    assert status == 200, answer
    code = json.loads(answer)["style"]
    assert len(code) == 8
    np.testing.assert_allclose(code, encoded(gan, png), atol=1e-5)
    assert np.abs(np.subtract(code, encoded(gan, photo_png(seed=6)))).max() > 1e-3  # another photo, another code


@pytest.mark.parametrize(
    "fields, needles",
    [
        (dict(photo=b"this is not an image"), ["the style photo is not an image"]),
        (dict(photo=photo_png()[:300]), ["cannot decode the style photo", "truncated"]),
        (dict(photo=png_bytes(np.zeros((1, 1), np.uint8))), ["the style photo is 1x1 pixels, too small"]),
        (dict(sketch=photo_png()), ["no 'photo' file", "sketch"]),
    ],
    ids=["not-an-image", "truncated", "1x1", "no-photo-field"],
)
def test_bad_style_photos_get_a_one_line_400(server, fields, needles):
    assert_one_line(*post(server, "/style", **fields), 400, *needles)
    assert post(server, "/style", photo=photo_png())[0] == 200  # and the server goes on


def test_style_requests_keep_the_servers_limits(serve_draw, gan):
    server = with_model(serve_draw(gan.generator, SIZE, max_body=2**20),
                        DrawModel(gan.generator, SIZE, gan.style_encoder))
    status, body = request(server, "POST", "/style", b"\0" * (2 * 2**20), {"Content-Type": MULTIPART})
    assert_one_line(status, body, 413, "over the 1048576 byte limit")
    status, body = request(server, "POST", "/style", b"0\r\n\r\n", {"Transfer-Encoding": "chunked"})
    assert_one_line(status, body, 411, "chunked")
    parts = form(**{f"photo{i}": b"x" for i in range(9)})
    assert_one_line(*request(server, "POST", "/style", parts, {"Content-Type": MULTIPART}), 400, "more than 8 parts")


def test_a_generator_file_has_no_style_from_a_photo(serve_draw, gan):
    server = serve_draw(gan.generator, SIZE)
    assert_one_line(*post(server, "/style", photo=photo_png()), 400, "no style encoder", "model.keras")


# ------------------------------------------------------------------------------------------------------ Chromium
def pressed(page):
    """The style choices whose aria-pressed is true, by label."""
    return page.page.eval_on_selector_all(".style-choice[aria-pressed='true']",
                                          "buttons => buttons.map(b => b.getAttribute('aria-label') || b.id)")


def assert_photo_for(page, server, gan, code):
    sketch = server.model.sketch(page.sent()["sketch"])  # every form of one drawing sends the same sketch
    np.testing.assert_allclose(page.shown_photo(), expected_photo(gan, sketch, code), atol=1 / 255 + 1e-6)


def test_variations_strip_and_style_from_photo(browser, server, gan, tmp_path):
    codes = page_variations(8)
    with draw_page(server.url) as page:
        page.wait_for_photo(0)
        assert page.page.is_visible("#variations") and pressed(page) == ["style-default"]
        page.page.evaluate("document.getElementById('width').value = 12")
        page.stroke([(0.2, 0.2), (0.8, 0.3), (0.6, 0.8)])
        page.wait_for_variations()
        assert page.page.locator("#variations button").count() == 8
        sketch = server.model.sketch(page.sent()["sketch"])
        thumbnails = [page.shown_photo(f"#variations button:nth-child({i + 1}) img") for i in range(8)]
        for thumbnail, code in zip(thumbnails, codes):
            np.testing.assert_allclose(thumbnail, expected_photo(gan, sketch, code), atol=1 / 255 + 1e-6)
        assert min(np.abs(a - b).mean() for i, a in enumerate(thumbnails) for b in thumbnails[i + 1:]) > 0.005
        assert_photo_for(page, server, gan, None)  # the main photo: the default code

        before = page.photos_shown()
        page.page.click("#variations button:nth-child(4)")
        page.wait_for_photo(before)
        assert pressed(page) == ["variation 4"] and json.loads(page.sent()["style"]) == codes[3]
        assert_photo_for(page, server, gan, codes[3])
        page.stroke([(0.3, 0.7), (0.7, 0.6)])  # drawing on keeps the style
        assert_photo_for(page, server, gan, codes[3])
        page.wait_for_variations()

        style_photo = tmp_path / "style.png"
        style_photo.write_bytes(photo_png())
        before = page.photos_shown()
        page.page.set_input_files("#style-upload", style_photo)
        page.wait_for_photo(before)
        assert pressed(page) == ["the style photo"] and page.page.is_visible("#style-photo")
        assert_photo_for(page, server, gan, encoded(gan, style_photo.read_bytes()))

        not_an_image = tmp_path / "notes.png"
        not_an_image.write_bytes(b"not an image")
        page.page.set_input_files("#style-upload", not_an_image)
        page.page.wait_for_function("document.getElementById('status').classList.contains('error')")
        assert page.page.text_content("#status") == ("error 400: the style photo is not an image "
                                                     "(send a PNG, JPEG, BMP or GIF)")
        assert pressed(page) == ["the style photo"]  # the kept style stays

        before = page.photos_shown()
        page.page.click("#style-default")
        page.wait_for_photo(before)
        assert pressed(page) == ["style-default"] and "style" not in page.sent()
        assert_photo_for(page, server, gan, None)
        assert not page.errors


def test_a_page_without_style_has_no_strip(browser, serve_draw, gan):
    plain = serve_draw(build_generator(image_size=SIZE, base_filters=4, num_res_blocks=1), SIZE)
    with draw_page(plain.url) as page:
        page.wait_for_photo(0)
        page.stroke([(0.2, 0.2), (0.8, 0.8)])
        assert not page.page.is_visible("#style-tools") and page.page.locator("#variations button").count() == 0
        assert page.sent_count() == page.photos_requested() and list(page.sent()) == ["sketch"]
        generator_file = serve_draw(gan.generator, SIZE)  # a style model without its encoder
        page.page.goto(generator_file.url)
        page.wait_for_photo(0)
        assert page.page.is_visible("#variations") and page.page.is_disabled("#style-upload")
        assert "model.keras" in page.page.get_attribute("label:has(#style-upload)", "title")
