"""How a generator copes with sketches drawn otherwise than its training sketches.

Scores a generator on a data folder's held-out pairs twice: with the folder's own sketches (the training style)
and with XDoG line drawings made from the held-out photos (`keras_s2p.data.sketchify`, what `s2p sketchify` draws),
which is how a user's own drawing differs from the training artist's.

usage: python benchmarks/sketch_styles.py GENERATOR DATA VALIDATION_SPLIT [SEED] [--side-by-side left|right]
"""

import argparse

import numpy as np

from keras_s2p.data import paired_dataset, sketchify
from keras_s2p.evaluation import evaluate_generator
from keras_s2p.model_file import load_generator


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
    # The held-out pairs exactly as training validated on them (same split, resizing and rounding).
    _, val = paired_dataset(args.data, args.image_size, 16, validation_split=split, seed=args.seed,
                            side_by_side=args.side_by_side)
    sketches, photos = (np.concatenate(part) for part in zip(*[(s.numpy(), p.numpy()) for s, p in val]))
    size = args.image_size
    generator = load_generator(args.generator)[0]
    for label, drawn in (("training-style sketches", sketches), ("XDoG sketches of the photos", sketchify(photos))):
        scores = evaluate_generator(generator, paired_dataset((drawn, photos), size, 16, augment=False, shuffle=False))
        print(f"{label:30s} n={scores['count']}  SSIM {scores['ssim']:.4f}  PSNR {scores['psnr']:6.2f}  "
              f"L1 {scores['l1']:.4f}", flush=True)


if __name__ == "__main__":
    main()
