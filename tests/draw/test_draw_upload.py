"""`keras_s2p.draw.upload`: every accepted decoder's output is bounded and as the page means it."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from draw_http import image_bytes, png_bytes
from keras_s2p.data.images import decode_image, resize
from keras_s2p.draw.upload import MAX_SIDE, decode_upload
from keras_s2p.errors import DataError


def decoded(data, size=32):
    return decode_upload(data, "the sketch", size)


def test_an_ordinary_canvas_decodes_as_the_training_decoder_does():
    """The draw page's PNGs (RGBA, a few times the model's size) give the pixels TensorFlow's decoder gives."""
    rgba = np.random.default_rng(0).integers(0, 256, (128, 128, 4), dtype=np.uint8)
    data = png_bytes(rgba, "RGBA")
    pixels = decoded(data).astype(np.float32) / 255
    ours = resize(pixels[..., :3] * pixels[..., 3:] + (1 - pixels[..., 3:]), 32)
    np.testing.assert_allclose(ours, resize(decode_image(data), 32), atol=1 / 255)


def test_16_bit_grey_keeps_its_values():
    grey = np.full((32, 32), 4096, np.uint16)  # 1/16 of white; Pillow's own conversion clips it to white
    assert decoded(image_bytes(Image.fromarray(grey), "PNG"))[0, 0].tolist() == [16, 16, 16]


def test_a_transparent_palette_colour_becomes_alpha():
    image = Image.new("P", (32, 32), 1)
    image.putpalette([0, 0, 0, 255, 0, 0])
    pixels = decoded(image_bytes(image, "PNG", transparency=1))
    assert pixels.shape == (32, 32, 4) and pixels[0, 0].tolist() == [255, 0, 0, 0]


def test_cmyk_jpeg_as_tensorflow_reads_it():
    data = image_bytes(Image.new("CMYK", (32, 32), (0, 255, 0, 0)), "JPEG")
    np.testing.assert_allclose(decoded(data).astype(int), tf.io.decode_image(data, 3).numpy().astype(int), atol=2)


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    assert decoded(image_bytes(Image.new("RGB", (64, 32)), "JPEG", exif=exif)).shape == (64, 32, 3)


def test_1_bit_bmp():
    assert decoded(image_bytes(Image.new("1", (40, 20), 1), "BMP"))[0, 0].tolist() == [255, 255, 255]


def test_an_animated_png_gives_its_first_frame():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "blue")]
    data = image_bytes(frames[0], "PNG", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert decoded(data)[0, 0].tolist() == [255, 0, 0]


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    data = image_bytes(Image.new("RGB", (4096, 4096), "white"), "JPEG")
    assert max(decoded(data).shape[:2]) == 4096 // 8  # the DCT at 1/8: 512² decoded, not 4096²


def test_a_large_png_is_box_reduced():
    assert decoded(png_bytes(np.zeros((2048, 1024, 3))), 32).shape == (2048 // 8, 1024 // 8, 3)


@pytest.mark.parametrize(
    "data, needle",
    [
        (image_bytes(Image.new("RGB", (32, 32)), "WEBP"), "a WEBP image, which is not accepted"),
        (image_bytes(Image.new("RGB", (32, 32)), "TIFF"), "a TIFF image, which is not accepted"),
        (b"GIF89a" + b"\0" * 20, "not an image"),
        (png_bytes(np.random.default_rng(0).integers(0, 256, (64, 64, 3)))[:2000], "cannot decode the sketch"),
        (image_bytes(Image.new("1", (MAX_SIDE + 1, 16)), "PNG"), f"too large: {MAX_SIDE + 1}x16 pixels"),
        (image_bytes(Image.new("L", (16, 15)), "BMP"), "16x15 pixels, too small"),
    ],
    ids=["webp", "tiff", "broken-gif", "truncated-png", "too-wide", "too-small"],
)
def test_refused_uploads_name_the_reason(data, needle):
    with pytest.raises(DataError, match="the sketch ") as error:
        decoded(data)
    assert needle in str(error.value)
