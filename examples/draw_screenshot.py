"""The README's ``s2p draw`` screenshot: a built-in dataset sketch the model never trained on, uploaded to the page
in headless Chromium, with a stroke drawn over it.

Usage: python examples/draw_screenshot.py logs/demo/generator.keras docs/draw.png
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))

from draw_browser import draw_page  # noqa: E402
from keras_s2p.data import builtin_pairs, save_image  # noqa: E402
from keras_s2p.draw.inference import DrawModel  # noqa: E402
from keras_s2p.draw.server import DrawServer  # noqa: E402
from keras_s2p.model_file import load_generator  # noqa: E402

generator, size = load_generator(sys.argv[1])
server = DrawServer(("127.0.0.1", 0), DrawModel(generator, size)).serve_in_thread()
with tempfile.TemporaryDirectory() as folder, draw_page(server.url) as page:
    sketch = Path(folder) / "sketch.png"
    save_image(builtin_pairs(1, 256, seed=12345)[0][0], sketch)  # the seed s2p demo holds out
    page.wait_for_photo(0)
    page.page.set_input_files("#upload", sketch)
    page.wait_for_photo(1)
    page.stroke([(0.15, 0.85), (0.3, 0.7), (0.45, 0.85)])
    page.page.locator("body").screenshot(path=sys.argv[2])
server.shutdown()
print(f"wrote {sys.argv[2]}")
