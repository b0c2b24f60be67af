"""Reliability, item 5: random, truncated, empty, huge, odd-mode, misnamed and unpaired files fed to the data loader
(hypothesis) and to ``s2p generate`` (one subprocess, many files). Every case ends in a DataError naming a bad
file, or in a documented skip (non-image extensions, dot-files, unpaired names with strict=False); valid pairs are
never dropped."""

import io
import struct
import warnings
import zlib

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cli_runner import assert_one_line_error, s2p
from keras_s2p.data import paired_dataset
from keras_s2p.data.images import IMAGE_EXTENSIONS
from keras_s2p.errors import DataError

VALID_PAIRS = 3


def png_bytes(mode="RGB", size=(12, 10), fmt="PNG"):
    image = Image.new("RGB", size, (200, 30, 90))
    image = image.convert(mode) if mode != "RGB" else image
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def huge_png(width, height):
    """A small file whose header declares a huge image (a decompression bomb)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\0" + b"\x80" * 300 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


VALID = {f"{mode}-{fmt}": png_bytes(mode, fmt=fmt) for mode, fmt in
         [("RGB", "PNG"), ("L", "PNG"), ("1", "PNG"), ("P", "PNG"), ("LA", "PNG"), ("RGBA", "PNG"),
          ("I;16", "PNG"), ("RGB", "JPEG"), ("L", "JPEG"), ("RGB", "BMP"), ("P", "GIF")]}

contents = st.one_of(
    st.binary(max_size=300).map(lambda b: ("random", b)),
    st.just(("empty", b"")),
    st.tuples(st.sampled_from(sorted(VALID)), st.floats(0.05, 0.9)).map(
        lambda t: ("truncated", VALID[t[0]][: max(1, int(len(VALID[t[0]]) * t[1]))])),
    st.sampled_from(sorted(VALID)).map(lambda k: ("valid " + k, VALID[k])),
    st.tuples(st.integers(9000, 2**20), st.integers(9000, 2**20)).map(lambda wh: ("huge", huge_png(*wh))),
)
extensions = st.sampled_from([*IMAGE_EXTENSIONS, ".PNG", ".txt", ".h5", ""])
junk = st.lists(st.tuples(contents, extensions, st.sampled_from(["sketch", "photo", "both"]), st.booleans()),
                min_size=1, max_size=3)


def write_valid_pairs(root):
    for i in range(VALID_PAIRS):
        for side in ("sketches", "photos"):
            (root / side).mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (20, 16), (i * 40, 100, 50)).save(root / side / f"valid{i}.png")


def decodable(data):
    import tensorflow as tf

    try:
        tf.io.decode_image(data, expand_animations=False)
        return True
    except (tf.errors.OpError, ValueError):
        return False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=junk, strict=st.booleans())
def test_loader_never_crashes_and_never_drops_valid_pairs(tmp_path_factory, junk, strict):
    root = tmp_path_factory.mktemp("fuzz")
    write_valid_pairs(root)
    bad_names, images = set(), {"sketches": set(), "photos": set()}
    for i, ((kind, data), ext, where, hidden) in enumerate(junk):
        name = f"{'.' if hidden else ''}junk{i}{ext}"
        for side in {"sketch": ["sketches"], "photo": ["photos"], "both": ["sketches", "photos"]}[where]:
            (root / side / name).write_bytes(data)
            if not hidden and ext.lower() in IMAGE_EXTENSIONS:
                images[side].add(name)
                if kind == "huge" or not decodable(data):
                    bad_names.add(name)
    paired = {f"valid{i}.png" for i in range(VALID_PAIRS)} | (images["sketches"] & images["photos"])
    unpaired = images["sketches"] ^ images["photos"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = paired_dataset(root, image_size=16, batch_size=4, augment=False, strict=strict)
        count = sum(int(sketch.shape[0]) for sketch, _ in ds)
    except DataError as error:
        message = str(error)
        assert "\n" not in message
        # the error names an offending file: undecodable/huge, or unpaired under strict pairing
        offending = bad_names | (unpaired if strict else set())
        named = {n for n in offending if n in message or n.rsplit(".", 1)[0] in message}
        assert named, (message, bad_names, unpaired)
        return
    # success: nothing bad was used, and every pair (valid ones included) is in the dataset
    assert not (bad_names & paired), bad_names
    assert not (unpaired and strict)
    assert count == len(paired)


def test_generate_skips_bad_inputs_writes_the_rest(tmp_path):
    import keras

    from keras_s2p.models.generator import build_generator

    generator = build_generator(32, 4, 2, 1, "resize", False, "batch")
    generator.save(tmp_path / "generator.keras")
    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    good, bad = [], []
    for i, (name, data) in enumerate(sorted(VALID.items())):
        ext = ".jpg" if i % 3 == 0 else ".png"  # some valid files carry another format's extension
        (inputs / f"ok_{name}{ext}").write_bytes(data)
        good.append(f"ok_{name}")
    cases = [b"", rng.bytes(200), VALID["RGB-PNG"][:40], VALID["RGB-JPEG"][:30], huge_png(100000, 100000)]
    for i, data in enumerate(cases):
        (inputs / f"bad{i}.png").write_bytes(data)
        bad.append(f"bad{i}")
    (inputs / "notes.txt").write_text("not an image")  # skipped with a warning: not an image extension
    out = tmp_path / "out"
    model = str(tmp_path / "generator.keras")
    result = s2p("generate", "--model", model, inputs, "--output", out, "--batch-size", "4")
    error = assert_one_line_error(result, f"skipped {len(bad)} unreadable input(s)")
    assert all(name in error for name in bad)
    for name in bad:
        assert sum(name in line for line in result.stderr.splitlines() if "warning:" in line) == 1
    assert "megapixel limit" in result.stderr and "notes.txt" in result.stderr
    assert sorted(p.stem for p in out.iterdir()) == sorted(good)  # every valid input was written
    for p in out.iterdir():
        assert keras.utils.load_img(p).size == (128, 128)  # a bare generator file: the default size
