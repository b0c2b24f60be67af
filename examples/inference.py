"""Sketch in, photo out, in ten lines. Usage: python examples/inference.py GENERATOR.keras SKETCH.png PHOTO.png"""

import sys

import keras

from keras_s2p.data import load_image, save_image

generator = keras.saving.load_model(sys.argv[1])                 # generator.keras from a run folder
sketch = load_image(sys.argv[2], image_size=128)                 # [-1, 1], resized to the training size
photo = generator.predict(sketch[None], verbose=0)[0]            # batch of one
save_image(photo, sys.argv[3])
