"""The README's ``s2p draw`` screenshot: a built-in dataset sketch the model never trained on, uploaded to the page
in headless Chromium, and a circle drawn beside it with the mouse (the model paints it as a red ball). The circle's
radius, 0.14 of the side, is mid-range for the data's smaller objects; at the range's bottom (0.11) the ball gets
a dark smear.

Needs: a clone of this repository (the page is driven by its tests/support/draw_browser.py), Playwright for Python
(``pip install -e ".[dev]"``) and Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``; never
``playwright install``).
Usage: python examples/draw_screenshot.py logs/demo/generator.keras draw.png
(the README's picture is docs/draw.png: give that path to refresh it).
"""

import math
import sys
import tempfile
from pathlib import Path

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

if len(sys.argv) != 3:
    sys.exit(__doc__.strip().splitlines()[-2])
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

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
    turns = [a * math.pi / 12 for a in range(25)]
    page.stroke([(0.78 + 0.14 * math.cos(t), 0.22 + 0.14 * math.sin(t)) for t in turns])
    page.page.locator("body").screenshot(path=sys.argv[2])
server.shutdown()
print(f"wrote {sys.argv[2]}")
