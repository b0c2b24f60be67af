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
import tempfile
from pathlib import Path

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

KEPT = 3  # the variation clicked: the page then draws with its code

if len(sys.argv) != 3:
    sys.exit(__doc__.strip().splitlines()[-2])
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "support"))
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

from draw_browser import draw_page  # noqa: E402
from keras_s2p.data import builtin_pairs, save_image  # noqa: E402
from keras_s2p.draw.inference import DrawModel  # noqa: E402
from keras_s2p.draw.server import DrawServer  # noqa: E402
from keras_s2p.model_file import load_generator  # noqa: E402

generator, size, encoder = load_generator(sys.argv[1], style_encoder=True)
server = DrawServer(("127.0.0.1", 0), DrawModel(generator, size, encoder)).serve_in_thread()
with tempfile.TemporaryDirectory() as folder, draw_page(server.url) as page:
    sketch = Path(folder) / "sketch.png"
    save_image(builtin_pairs(1, 256, seed=12345)[0][0], sketch)  # the seed s2p demo holds out
    page.wait_for_photo(0)
    page.page.set_input_files("#upload", sketch)
    page.wait_for_photo(1)
    page.page.wait_for_function("document.getElementById('variations').dataset.ready === 'true'")
    page.page.click(f"#variations button:nth-child({KEPT + 1})")
    page.wait_for_photo(2)
    page.page.locator("body").screenshot(path=sys.argv[2])
server.shutdown()
print(f"wrote {sys.argv[2]}")
