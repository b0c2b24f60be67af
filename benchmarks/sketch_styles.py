"""How a generator copes with sketches drawn otherwise than its training sketches.

Scores a generator on a data folder's held-out pairs twice: with the folder's own sketches (the training style)
and with XDoG line drawings made from the held-out photos (`keras_s2p.data.sketchify`, what `s2p sketchify` draws),
which is how a user's own drawing differs from the training artist's.

usage: python benchmarks/sketch_styles.py GENERATOR DATA VALIDATION_SPLIT [SEED] [--side-by-side left|right]
"""

import argparse

import numpy as np

from keras_s2p.cli.model_file import load_generator
from keras_s2p.data import find_pairs, load_image, paired_dataset, sketchify
from keras_s2p.data.dataset import held_out
from keras_s2p.evaluation import evaluate_generator


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("generator")
    parser.add_argument("data")
    parser.add_argument("validation_split", type=float)
    parser.add_argument("seed", type=int, nargs="?", default=0)
    parser.add_argument("--side-by-side", default=None)
    parser.add_argument("--image-size", type=int, default=128)
    args = parser.parse_args()
    split = int(args.validation_split) if args.validation_split >= 1 else args.validation_split
    pairs = find_pairs(args.data, side_by_side=args.side_by_side)
    held = [pairs[i] for i in held_out(len(pairs), split, args.seed)]
    size = args.image_size
    if args.side_by_side:
        both = np.stack([load_image(p.photo, image_size=None) for p in held])
        half = both.shape[2] // 2
        sketches, photos = (both[:, :, :half], both[:, :, half:]) if args.side_by_side == "left" else \
            (both[:, :, half:], both[:, :, :half])
    else:
        sketches = np.stack([load_image(p.sketch, image_size=size) for p in held])
        photos = np.stack([load_image(p.photo, image_size=size) for p in held])
    generator = load_generator(args.generator)
    for label, drawn in (("training-style sketches", sketches), ("XDoG sketches of the photos", sketchify(photos))):
        scores = evaluate_generator(generator, paired_dataset((drawn, photos), size, 16))
        print(f"{label:30s} n={scores['count']}  SSIM {scores['ssim']:.4f}  PSNR {scores['psnr']:6.2f}  "
              f"L1 {scores['l1']:.4f}", flush=True)


if __name__ == "__main__":
    main()
