import numpy as np
import pytest
from PIL import Image

from keras_s2p.data import IMAGE_EXTENSIONS, load_image, paired_dataset, save_image
from keras_s2p.errors import DataError

GREY = 100  # 100 / 127.5 - 1
EXPECTED = GREY / 127.5 - 1


@pytest.mark.parametrize("name,mode", [("a.jpg", "RGB"), ("a.jpeg", "L"), ("a.png", "RGB"), ("a.png", "L"),
                                       ("a.png", "P"), ("a.bmp", "RGB"), ("a.bmp", "L"), ("a.gif", "RGB")])
def test_formats_and_modes_decode_to_rgb_in_model_range(tmp_path, name, mode):
    path = tmp_path / name
    image = Image.new("RGB", (24, 16), (GREY, GREY, GREY))
    image.convert(mode, palette=Image.Palette.ADAPTIVE).save(path)  # adaptive: no dithering in mode P
    img = load_image(path)
    assert img.shape == (16, 24, 3) and img.dtype == np.float32
    np.testing.assert_allclose(img, EXPECTED, atol=2 / 127.5)  # JPEG may be off by a level or two


def test_png_16_bit(tmp_path):
    ramp = np.linspace(0, 65535, 32 * 32).reshape(32, 32).astype(np.uint16)
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    img = load_image(tmp_path / "deep.png")
    np.testing.assert_allclose(img[..., 0], ramp / 65535 * 2 - 1, atol=1e-4)
    assert img[0, 0, 0] == -1 and img[-1, -1, 0] == 1


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_alpha_is_composited_over_white(tmp_path, mode):
    pixels = np.zeros((8, 8, 4), np.uint8)  # black ...
    pixels[:, :4, 3] = 255  # ... opaque on the left, fully transparent on the right
    Image.fromarray(pixels, "RGBA").convert(mode).save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    np.testing.assert_allclose(img[:, :4], -1.0)
    np.testing.assert_allclose(img[:, 4:], 1.0)


def test_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 255, 255), (0, 0, 0))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    np.testing.assert_allclose(load_image(tmp_path / "anim.gif"), 1.0)


def test_load_resizes_and_save_round_trips(tmp_path):
    img = np.linspace(-1, 1, 20 * 30 * 3).reshape(20, 30, 3).astype(np.float32)
    save_image(img, tmp_path / "sub" / "x.png")
    np.testing.assert_allclose(load_image(tmp_path / "sub" / "x.png"), img, atol=1 / 127.5)
    assert load_image(tmp_path / "sub" / "x.png", image_size=16).shape == (16, 16, 3)
    save_image(img[..., :1], tmp_path / "grey.jpg")
    assert Image.open(tmp_path / "grey.jpg").mode == "L"
    with pytest.raises(DataError, match=r"cannot save .*x\.tiff"):
        save_image(img, tmp_path / "x.tiff")


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"image file not found: .*gone\.png"):
        load_image(tmp_path / "gone.png")
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(DataError, match=r"cannot decode image .*text\.png"):
        load_image(tmp_path / "text.png")


def test_extensions():
    assert set(IMAGE_EXTENSIONS) == {".bmp", ".gif", ".jpeg", ".jpg", ".png"}


def test_corrupt_and_truncated_files_fail_before_training(paired_folder, tmp_path):
    root = paired_folder(["a.jpg", "b.jpg", "c.png"], ["a.jpg", "b.jpg", "c.png"])
    data = (root / "photos" / "a.jpg").read_bytes()
    (root / "photos" / "a.jpg").write_bytes(data[: len(data) // 2])  # truncated JPEG
    (root / "sketches" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataError) as info:
        paired_dataset(root, image_size=32)
    message = str(info.value)
    assert message.startswith("2 unreadable image(s) in ") and "\n" not in message
    assert "photos/a.jpg" in message and "sketches/c.png" in message and "b.jpg" not in message


def test_small_images_warn_with_count_and_example(paired_folder):
    root = paired_folder(["a.png", "b.png"], ["a.png", "b.png"], size=(20, 40))
    with pytest.warns(UserWarning, match=r"4 image\(s\) in .* smaller than 32x32 .*e\.g\. photos/a\.png is 20x40"):
        paired_dataset(root, image_size=32)
