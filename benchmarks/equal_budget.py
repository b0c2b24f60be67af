"""Train variants of the default recipe for the same CPU time on one data split, and score each on its held-out
pairs: quality at equal cost when a full epoch is more than the comparison can afford.

Each call trains one variant with `keras_s2p.train` (the split, augmentation and seeding of ``s2p train``;
constant learning rates) until this process has used ``--minutes`` of CPU time per 2 cores, then validates as
``s2p train`` does at an epoch's end and writes the run folder (``history.csv`` holds the scores). Run the variants
one at a time, so they share the machine alike.

Usage:
    python benchmarks/equal_budget.py DATA --side-by-side right --image-size 256 --minutes 6 \\
        --run-dir /work/runs/q256_default [--set critic_scales=2] [--set attention=true]
"""

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from keras_s2p import train  # noqa: E402

CORES = 2  # minutes are CPU time per this many cores, as in benchmarks/QUALITY.md


class CpuBudget(keras.callbacks.Callback):
    """Stops training once the process has used `minutes` of CPU time per `CORES` cores; counts the steps."""

    def __init__(self, minutes):
        super().__init__()
        self.seconds, self.steps = minutes * 60 * CORES, 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if time.process_time() >= self.seconds:
            self.model.stop_training = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="?", default=None, help="paired data folder (default: the built-in dataset)")
    parser.add_argument("--side-by-side", default=None)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--minutes", type=float, required=True, help="CPU minutes per 2 cores, start-up included")
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="a model option of the variant, value as JSON (repeatable)")
    args = parser.parse_args()
    variant = {name: json.loads(value) for name, value in (s.split("=", 1) for s in args.set)}
    budget = CpuBudget(args.minutes)
    # Epochs only bound the run: the budget ends it, and Keras validates the epoch it stops in.
    _, history, _ = train(args.data, side_by_side=args.side_by_side, image_size=args.image_size, epochs=1000,
                          lr_decay_epochs=0, validation_split=0.1, seed=0, run_dir=args.run_dir,
                          callbacks=[budget], verbose=2, **variant)
    scores = {name: round(values[-1], 4) for name, values in history.history.items() if name.startswith("val_")}
    print(json.dumps(dict(variant=variant, steps=budget.steps, cpu_minutes=round(time.process_time() / 60 / CORES,
                                                                                    2), **scores)))


if __name__ == "__main__":
    main()
