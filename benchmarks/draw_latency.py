"""Latency of ``s2p draw``: the generator at batch 1, the server's photo request, and a finished stroke to the photo
on screen in a real browser.

Prints, for the default generator (``SketchToPhotoGAN`` defaults: 32 base filters, 6 residual blocks, U-Net skips,
BatchNorm) at 128²: batch-1 latency unfolded and with BatchNorm folded into the convolutions
(`keras_s2p.models.fold_batch_norm`), each in float32 and mixed bfloat16; the server's whole photo path
(``DrawModel.photo_png``: PNG decode, resize, folded float32 generator, PNG encode) for the page's 256² canvas PNG;
one HTTP POST /photo from Python; and in Debian's headless Chromium (driven as in ``tests/support/draw_browser.py``) the
time from a finished mouse stroke to the new photo on screen, as the page itself measures it. Then the CPU and the
load average before and after: on a shared machine every wall-clock time rises with the load.

Usage:
    python benchmarks/draw_latency.py [--image-size 128] [--repeats 30] [--strokes 10]
"""

import argparse
import http.client
import io
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image  # noqa: E402
from train_throughput import _median_times, device_name, load  # noqa: E402

from keras_s2p import SketchToPhotoGAN  # noqa: E402
from keras_s2p.data import builtin_pairs  # noqa: E402
from keras_s2p.draw.inference import DrawModel  # noqa: E402
from keras_s2p.draw.server import DrawServer  # noqa: E402
from keras_s2p.models.fold_batch_norm import fold_batch_norm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
from draw_browser import draw_page  # noqa: E402

CANVAS = 256


def canvas_png(image_size):
    """A built-in dataset sketch as the page sends it: RGBA PNG at the canvas size."""
    sketch = builtin_pairs(1, CANVAS, seed=99)[0][0]
    buffer = io.BytesIO()
    Image.fromarray(np.uint8(np.round((sketch + 1) * 127.5))).convert("RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def batch1_ms(model, size, repeats):
    predict = tf.function(lambda x: model(x, training=False))
    sketch = tf.random.uniform((1, size, size, 3), -1.0, 1.0)
    return _median_times(lambda: predict(sketch).numpy(), repeats)[0] * 1000


def post_ms(server, png, repeats):
    boundary = "benchmark"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="sketch"; filename="s.png"\r\n\r\n'.encode()
            + png + f"\r\n--{boundary}--\r\n".encode())
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=60)

    def post():
        connection.request("POST", "/photo", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        response = connection.getresponse()
        assert response.status == 200, response.read()
        response.read()

    return _median_times(post, repeats)[0] * 1000


def browser_ms(server, strokes):
    rng = np.random.default_rng(0)
    with draw_page(server.url) as page:
        page.wait_for_photo(0)
        return [page.stroke(rng.uniform(0.1, 0.9, (4, 2)).tolist()) for _ in range(strokes)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--strokes", type=int, default=10)
    args = parser.parse_args()
    size, before = args.image_size, load()

    print(f"batch-1 generator latency at {size}² (median of {args.repeats}, ms):")
    for precision in ("float32", "mixed_bfloat16"):
        generator = SketchToPhotoGAN(image_size=size, precision=precision).generator
        unfolded = batch1_ms(generator, size, args.repeats)
        folded = batch1_ms(fold_batch_norm(generator, dtype=precision), size, args.repeats)
        print(f"  {precision:15s} unfolded {unfolded:6.1f}   BatchNorm folded {folded:6.1f}   "
              f"({unfolded / folded:.2f}x)")

    model = DrawModel(SketchToPhotoGAN(image_size=size).generator, size)
    png = canvas_png(size)
    path = _median_times(lambda: model.photo_png(png), args.repeats)[0] * 1000
    print(f"server photo path ({CANVAS}² canvas PNG -> {size}² photo PNG, folded float32): {path:.1f} ms")
    server = DrawServer(("127.0.0.1", 0), model).serve_in_thread()
    try:
        print(f"HTTP POST /photo from Python (keep-alive): {post_ms(server, png, args.repeats):.1f} ms")
        times = browser_ms(server, args.strokes)
    finally:
        server.shutdown()
        server.server_close()
    print(f"headless Chromium, stroke end -> photo on screen ({args.strokes} strokes, ms): median "
          f"{np.median(times):.0f}, min {min(times):.0f}, max {max(times):.0f}")
    print(f"{device_name()}; load average before {before}, after {load()}")


if __name__ == "__main__":
    main()
