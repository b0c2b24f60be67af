"""VGG19 perceptual term in bfloat16 vs float32: the loss value, its gradient and the time, side by side.

The ImageNet weights cannot be downloaded on the machine these numbers were measured on, so VGG19 runs with a
weights file given on the command line, or random (He-initialised) weights; the comparison is of arithmetic,
not of what the features mean. Images: the built-in dataset's photos as "real", blurred and noised as "generated".

usage: python benchmarks/perceptual_precision.py [WEIGHTS_FILE] [--batch 4] [--size 128]
"""

import argparse
import os
import time

import numpy as np
import tensorflow as tf

from keras_s2p.data import builtin_pairs
from keras_s2p.losses import PerceptualLoss


def measure(loss, real, fake, repeats=5):
    fake = tf.Variable(fake)
    step = tf.function(lambda: _value_and_gradient(loss, real, fake))
    value, gradient = step()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return float(value), gradient.numpy().ravel(), (time.perf_counter() - start) / repeats


def _value_and_gradient(loss, real, fake):
    with tf.GradientTape() as tape:
        value = loss(real, fake)
    return value, tape.gradient(value, fake)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("weights", nargs="?", default=None)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    _, photos = builtin_pairs(args.batch, args.size, seed=1)
    real = tf.constant(photos)
    rng = np.random.default_rng(0)
    fake = np.clip(tf.nn.avg_pool2d(real, 3, 1, "SAME").numpy() + rng.normal(0, 0.1, real.shape), -1, 1)
    fake = fake.astype("float32")
    print(f"VGG19 weights: {args.weights or 'random'}; batch {args.batch} at {args.size}px; "
          f"load average {os.getloadavg()[0]:.2f}")
    results = {dtype: measure(PerceptualLoss(args.weights, dtype=dtype), real, fake)
               for dtype in ("float32", "mixed_bfloat16")}
    (v32, g32, t32), (v16, g16, t16) = results["float32"], results["mixed_bfloat16"]
    cosine = float(g32 @ g16 / (np.linalg.norm(g32) * np.linalg.norm(g16)))
    print(f"loss      float32 {v32:.6g}   bfloat16 {v16:.6g}   relative difference {abs(v16 - v32) / abs(v32):.2%}")
    ratio = np.linalg.norm(g16) / np.linalg.norm(g32)
    print(f"gradient  cosine similarity {cosine:.5f}   norm ratio bf16/f32 {ratio:.4f}")
    print(f"time per loss+gradient  float32 {t32 * 1e3:.0f} ms   bfloat16 {t16 * 1e3:.0f} ms   "
          f"speed-up {t32 / t16:.2f}x")


if __name__ == "__main__":
    main()
