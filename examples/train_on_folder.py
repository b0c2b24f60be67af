"""Train on a folder of sketch/photo pairs from Python: `keras_s2p.train`, which is what `s2p train DATA` runs.

Usage: python examples/train_on_folder.py DATA_FOLDER [--epochs 200] [--image-size 128] [--run-dir DIR]
DATA_FOLDER holds sketches/ and photos/ (paired by name or by a pairs.csv manifest) or side-by-side images.
Every other setting is `s2p train`'s default (batch size 4, a tenth held out for validation, ...; see
`s2p train --help`); pass any of them to `s2p.train` as keyword arguments. The run folder gets config.json,
samples/, checkpoints/, tensorboard/, history.csv, model.keras and generator.keras; rerunning the same command
resumes the run from its last completed epoch. Offline, without the VGG19 weights, training warns and goes on
without the perceptual term, as the command line does.
"""

import argparse
import sys

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("data", metavar="DATA_FOLDER")
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--image-size", type=int, default=128)
parser.add_argument("--run-dir", default="logs/my-folder-run")
args = parser.parse_args()
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

import keras_s2p as s2p  # noqa: E402

try:
    print(f"{len(s2p.data.find_pairs(args.data))} pairs")  # the exact pairs it will train on, checked up front
    if s2p.runs.RunFolder(args.run_dir).is_resumable():
        print(f"resuming {args.run_dir} from its last completed epoch")
    gan, history, run = s2p.train(args.data, run_dir=args.run_dir, epochs=args.epochs, image_size=args.image_size)
except s2p.S2PError as error:  # bad data or settings: one line, as the command line says it
    sys.exit(f"error: {error}")
print(f"trained epochs {history.epoch[0] + 1}-{history.epoch[-1] + 1}; generator: {run.generator_path}")
