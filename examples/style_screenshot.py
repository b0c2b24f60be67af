"""docs/style.md's picture of the draw page with a style model: a built-in dataset sketch the model never trained
on, uploaded to the page in headless Chromium, its "Variations" strip, and one variation kept.

The model: a style model trained on the built-in shapes only (about 3 minutes on 2 CPU cores):
    s2p train --preset demo --style-dim 8 --epochs 5 --run-dir logs/styled-shapes
Needs: a clone of this repository (the page is driven by its tests/support/draw_browser.py), Playwright for Python
(``pip install -e ".[dev]"``) and Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``; never
``playwright install``).
Usage: python examples/style_screenshot.py logs/styled-shapes/model.keras style_draw.png
(docs/style.md's picture is docs/style_draw.png: give that path to refresh it).
"""

import sys
from pathlib import Path

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

KEPT = 3  # the variation clicked: the page then draws with its code

if len(sys.argv) != 3:
    sys.exit(__doc__.strip().splitlines()[-2])
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

from draw_browser import held_out_sketch_page  # noqa: E402

with held_out_sketch_page(sys.argv[1]) as page:
    page.wait_for_variations()
    page.page.click(f"#variations button:nth-child({KEPT + 1})")
    page.wait_for_photo(2)
    page.page.locator("body").screenshot(path=sys.argv[2])
print(f"wrote {sys.argv[2]}")
