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
from pathlib import Path

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

if len(sys.argv) != 3:
    sys.exit(__doc__.strip().splitlines()[-2])
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

from draw_browser import held_out_sketch_page  # noqa: E402

with held_out_sketch_page(sys.argv[1]) as page:
    turns = [a * math.pi / 12 for a in range(25)]
    page.stroke([(0.78 + 0.14 * math.cos(t), 0.22 + 0.14 * math.sin(t)) for t in turns])
    page.page.locator("body").screenshot(path=sys.argv[2])
print(f"wrote {sys.argv[2]}")
