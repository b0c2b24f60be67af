"""Sketch in, photo out, in a few lines: the photo `s2p generate --model MODEL SKETCH --output PHOTO` writes.

Usage: python examples/inference.py GENERATOR.keras SKETCH.png PHOTO.png
"""

import sys

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

if len(sys.argv) != 4:
    sys.exit(__doc__.strip().splitlines()[-1])
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

from keras_s2p.data import load_image, save_image  # noqa: E402
from keras_s2p.model_file import load_generator  # noqa: E402

generator, size = load_generator(sys.argv[1])                    # generator.keras or model.keras, and its size
sketch = load_image(sys.argv[2], image_size=size)                # [-1, 1], resized to the training size
photo = generator.predict(sketch[None], verbose=0)[0]            # batch of one
save_image(photo, sys.argv[3])
print(f"wrote {sys.argv[3]} ({size}x{size})")
