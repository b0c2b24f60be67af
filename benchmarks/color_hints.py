"""Colour hints on held-out pairs: quality and colour error with K hints taken from the true photo, and training cost.

For each K (default 0, 1, 4, 16), every held-out photo gives K hint patches (`keras_s2p.hints.hints_from_photo`:
training-sized squares, each the photo's mean colour under it; seeded, so every model sees the same hints), and the
model's inference-mode output is scored: SSIM / PSNR / L1 on RGB in [0, 1] (as ``s2p evaluate``), and the colour
error = mean Euclidean RGB distance (RGB in [0, 1], so 0 to √3; not CIE ΔE) between generated and true pixels, over
the hinted pixels and over the whole image. ``hinted, no hints`` is the same model's error on the same pixels when
given no hints: what the hints changed there. ``steer``: the same K patches taken from the photo with its hue turned
by 180° (`keras_s2p.hints.recolor`), colours the sketch does not suggest; the mean RGB distance between the output
and the hint colour over the hinted pixels, with those hints and with none: how far a user's unusual colour is
followed.

With ``--throughput``, it also times training steps of the model's configuration (fresh weights, the model's
precision, ``train_on_batch`` on the training pairs, batch 4) with and without ``color_hints``, alternating the two;
img/s are medians, per wall clock and per 2 core-seconds of this process's CPU time (``cpu``: what a step reaches
with both cores to itself).

Usage:
    python benchmarks/color_hints.py MODEL.keras DATA [--side-by-side right] [--validation-split 18] [--seed 0]
                                     [--counts 0,1,4,16] [--throughput] [--steps 8]
"""

import argparse
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_s2p as s2p  # noqa: E402
from keras_s2p.cli.options import count_or_fraction  # noqa: E402
from keras_s2p.hints import hints_from_photo, recolor  # noqa: E402
from keras_s2p.metrics import EVAL_METRICS  # noqa: E402
from keras_s2p.models.gan_options import MODEL_DEFAULTS  # noqa: E402

CORES = os.cpu_count() or 1
THROUGHPUT_BATCH = 4


def colour_distance(photo, fake):
    """Per-pixel Euclidean RGB distance, both images in [-1, 1] scored as RGB in [0, 1]."""
    return tf.norm((photo - fake) / 2.0, axis=-1)


def score(predict, dataset, count):
    """Mean scores of ``predict(sketch, hints)`` over `dataset` with `count` hints per image from the true photo."""
    values = {name: [] for name in EVAL_METRICS}
    sums = dict(image=0.0, hinted=0.0, hinted_unhinted=0.0, steer=0.0, steer_unhinted=0.0)
    pixels = dict(image=0.0, hinted=0.0)
    for index, (sketch, photo) in enumerate(dataset):
        hints = hints_from_photo(photo, count, seed=(count, index))
        fake = predict(sketch, hints)
        for name, metric in EVAL_METRICS.items():
            values[name].append(metric.score(photo, fake).numpy())
        distance, mask = colour_distance(photo, fake), hints[..., 3]
        sums["image"] += float(tf.reduce_sum(distance))
        pixels["image"] += float(tf.size(distance))
        if count:
            plain = predict(sketch, tf.zeros_like(hints))
            batch = tf.shape(photo)[0]
            turned = recolor(photo, tf.fill([batch], math.pi), tf.ones([batch]))
            off = hints_from_photo(turned, count, seed=(count, index))  # the same patches, opposite hues
            wanted = off[..., :3] * 2.0 - 1.0
            for name, distance_map in (("hinted", distance), ("hinted_unhinted", colour_distance(photo, plain)),
                                       ("steer", colour_distance(wanted, predict(sketch, off))),
                                       ("steer_unhinted", colour_distance(wanted, plain))):
                sums[name] += float(tf.reduce_sum(distance_map * mask))
            pixels["hinted"] += float(tf.reduce_sum(mask))
    result = {name: float(np.mean(np.concatenate(v))) for name, v in values.items()}
    result["colour_image"] = sums["image"] / pixels["image"]
    if count:
        for name in ("hinted", "hinted_unhinted", "steer", "steer_unhinted"):
            result[f"colour_{name}"] = sums[name] / pixels["hinted"]
    return result


def throughput(config, train_ds, steps, repeats=3):
    """{color_hints: (wall img/s, cpu img/s)}: medians over `repeats` alternating runs of `steps` steps each."""
    batches = list(train_ds.unbatch().batch(THROUGHPUT_BATCH, drop_remainder=True).take(steps))
    models = {}
    for hints in (False, True):
        keras.utils.set_random_seed(0)
        models[hints] = s2p.SketchToPhotoGAN(**{**config, "color_hints": hints})
        models[hints].compile()
        for sketch, photo in batches[:2]:  # trace and warm up
            models[hints].train_on_batch(sketch, photo)
    times = {False: [], True: []}
    for _ in range(repeats):
        for hints, gan in models.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for sketch, photo in batches:
                gan.train_on_batch(sketch, photo)
            times[hints].append((time.perf_counter() - wall, time.process_time() - cpu))
            print(f"  color_hints={hints}: {steps} steps in {times[hints][-1][0]:.1f} s wall, "
                  f"{times[hints][-1][1]:.1f} s CPU", flush=True)
    images = steps * THROUGHPUT_BATCH
    return {hints: (images / np.median([w for w, _ in t]), images / np.median([c for _, c in t]) * CORES)
            for hints, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="model.keras of a run trained with --color-hints")
    parser.add_argument("data", help="the paired data folder the run trained on")
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None)
    parser.add_argument("--validation-split", type=count_or_fraction, default=18)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--counts", default="0,1,4,16", help="hint counts K (comma-separated)")
    parser.add_argument("--throughput", action="store_true", help="also time training with and without hints")
    parser.add_argument("--steps", type=int, default=8, help="timed training steps per repeat")
    args = parser.parse_args()

    gan = keras.saving.load_model(args.model)
    if not gan.color_hints:
        parser.error(f"{args.model} was trained without --color-hints")
    train_ds, val_ds = s2p.data.paired_dataset(
        args.data, image_size=gan.image_size, batch_size=16, augment=False, shuffle=False,
        side_by_side=args.side_by_side, validation_split=args.validation_split, seed=args.seed)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.model}; held out: {args.validation_split}, seed {args.seed}")
    print(f"{'K':>3} {'SSIM':>7} {'PSNR':>7} {'L1':>7} {'colour image':>13} {'colour hinted':>14} "
          f"{'hinted, no hints':>17} {'steer':>7} {'steer, no hints':>16}   (colour: mean RGB distance, RGB in [0, 1])")
    predict = tf.function(lambda sketch, hints: gan.generator([sketch, hints], training=False),
                          reduce_retracing=True)
    for count in (int(k) for k in args.counts.split(",")):
        r = score(predict, val_ds, count)
        hinted = (f"{r['colour_hinted']:14.4f} {r['colour_hinted_unhinted']:17.4f} {r['colour_steer']:7.4f} "
                  f"{r['colour_steer_unhinted']:16.4f}" if count else f"{'–':>14} {'–':>17} {'–':>7} {'–':>16}")
        print(f"{count:3d} {r['ssim']:7.4f} {r['psnr']:7.2f} {r['l1']:7.4f} {r['colour_image']:13.4f} {hinted}")
    if args.throughput:
        config = {k: v for k, v in gan.get_config().items() if k in MODEL_DEFAULTS}
        for hints, (wall, cpu) in throughput(config, train_ds, args.steps).items():
            print(f"train img/s {'with' if hints else 'without'} hints: {wall:.2f} wall, {cpu:.2f} cpu "
                  f"(batch {THROUGHPUT_BATCH}, medians of 3 x {args.steps} steps)")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
