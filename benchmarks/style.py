"""Style codes (issue 25) on held-out pairs: one recipe trained with and without a style code, side by side.

Both models (``style_dim`` 0 and N, otherwise the same configuration and seed) train epoch by epoch in turn on
the same training pairs, then every held-out pair is scored (RGB in [0, 1], inference mode):

(a) fidelity: SSIM / PSNR / L1 of the model without style, and of the style model with the true photo's code
    (``encode_style``) and with the prior's mean code (zeros: no reference at all);
(b) random codes (8 per sketch, ``sample_styles(8, seed=index)``): SSIM of the best of 8 to the true photo, the
    mean pairwise L1 among the 8 (diversity), and edge agreement with the sketch: the correlation between the
    Sobel gradient magnitudes of the output's and the sketch's grey levels (the true photo's is printed alongside);
(c) another photo's code (held-out pair i takes the code of pair i+1): distance between the output's colour
    statistics (per-channel RGB mean and standard deviation) and the reference photo's, with the reference's
    code vs the prior's mean code;
(d) training img/s of both models (median epoch, after the first), per wall clock, with the load average.

Usage:
    python benchmarks/style.py DATA [--side-by-side right] [--validation-split 18] [--seed 0] [--epochs 10]
                               [--image-size 64] [--style-dim 8]
"""

import argparse
import itertools
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_s2p as s2p  # noqa: E402
from keras_s2p.cli.options import count_or_fraction  # noqa: E402
from keras_s2p.metrics import EVAL_METRICS  # noqa: E402

VARIATIONS = 8


def scores(photo, fake):
    return {name: metric.score(photo, fake).numpy() for name, metric in EVAL_METRICS.items()}


def edge_agreement(image, sketch):
    """Per image: correlation of the Sobel gradient magnitudes of two images' grey levels (inputs in [-1, 1])."""
    def magnitude(x):
        grey = tf.image.rgb_to_grayscale((x + 1.0) / 2.0)
        return tf.reshape(tf.norm(tf.image.sobel_edges(grey), axis=-1), [tf.shape(x)[0], -1])

    a, b = magnitude(image), magnitude(sketch)
    a, b = a - tf.reduce_mean(a, 1, keepdims=True), b - tf.reduce_mean(b, 1, keepdims=True)
    return (tf.reduce_sum(a * b, 1) / (tf.norm(a, axis=1) * tf.norm(b, axis=1) + 1e-8)).numpy()


def colour_stats(images):
    """Per image: per-channel mean and standard deviation of RGB in [0, 1], ``(B, 6)``."""
    rgb = (np.asarray(images) + 1.0) / 2.0
    return np.concatenate([rgb.mean(axis=(1, 2)), rgb.std(axis=(1, 2))], axis=-1)


def train(models, train_ds, epochs):
    """Train `models` epoch by epoch in turn; returns {name: [seconds per epoch]}."""
    seconds = {name: [] for name in models}
    for epoch in range(epochs):
        for name, gan in models.items():
            start = time.perf_counter()
            logs = gan.fit(train_ds, initial_epoch=epoch, epochs=epoch + 1, verbose=0).history
            seconds[name].append(time.perf_counter() - start)
            shown = ", ".join(f"{k} {v[-1]:.3f}" for k, v in logs.items() if k in ("l1", "kl", "latent"))
            print(f"  epoch {epoch + 1} {name}: {seconds[name][-1]:.0f} s, {shown}", flush=True)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="a paired data folder")
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None)
    parser.add_argument("--validation-split", type=count_or_fraction, default=18)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--style-dim", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=4)
    args = parser.parse_args()

    config = dict(image_size=args.image_size, base_filters=16, num_res_blocks=3, critic_filters=32,
                  perceptual_weight=0.0, precision="float32")
    data = dict(image_size=args.image_size, side_by_side=args.side_by_side, validation_split=args.validation_split,
                seed=args.seed)
    train_ds, _ = s2p.data.paired_dataset(args.data, batch_size=args.batch_size, **data)
    _, val_ds = s2p.data.paired_dataset(args.data, batch_size=64, augment=False, shuffle=False, **data)
    sketch, photo = (np.concatenate(parts) for parts in zip(*[(s.numpy(), p.numpy()) for s, p in val_ds]))
    train_count = sum(int(tf.shape(s)[0]) for s, _ in train_ds)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.data}: {train_count} training pairs, {len(sketch)} held out "
          f"(seed {args.seed}); {args.image_size}², {args.epochs} epochs, batch {args.batch_size}; {config}")
    models = {}
    for dim in (0, args.style_dim):
        keras.utils.set_random_seed(args.seed)
        models[dim] = s2p.SketchToPhotoGAN(**config, style_dim=dim)
        models[dim].compile()
    start = time.perf_counter()
    seconds = train({f"style_dim={dim}": gan for dim, gan in models.items()}, train_ds, args.epochs)
    print(f"trained in {(time.perf_counter() - start) / 60:.1f} min; load average {os.getloadavg()[0]:.1f}")
    plain, styled = models[0], models[args.style_dim]

    print("\n(a) fidelity         SSIM    PSNR      L1")
    own = styled.encode_style(photo)
    for label, fake in (("no style model", plain.predict(sketch, verbose=0)),
                        ("true photo's code", styled.predict(sketch, style=own, verbose=0)),
                        ("prior mean code", styled.predict(sketch, verbose=0))):
        s = scores(photo, fake)
        print(f"  {label:18} {s['ssim'].mean():.4f} {s['psnr'].mean():7.2f} {s['l1'].mean():.4f}")

    best, diversity, edges = [], [], []
    for index in range(len(sketch)):
        repeated = np.repeat(sketch[index:index + 1], VARIATIONS, 0)
        fakes = styled.predict(repeated, style=styled.sample_styles(VARIATIONS, seed=index), verbose=0)
        best.append(scores(np.repeat(photo[index:index + 1], VARIATIONS, 0), fakes)["ssim"].max())
        diversity.append(np.mean([np.abs(fakes[i] - fakes[j]).mean() / 2.0
                                  for i, j in itertools.combinations(range(VARIATIONS), 2)]))
        edges.append(edge_agreement(fakes, repeated).mean())
    print(f"\n(b) random codes, {VARIATIONS} per sketch: best-of-{VARIATIONS} SSIM {np.mean(best):.4f}; mean pairwise "
          f"L1 {np.mean(diversity):.4f}; edge agreement with the sketch {np.mean(edges):.3f} "
          f"(no-style model {edge_agreement(plain.predict(sketch, verbose=0), sketch).mean():.3f}, true photos "
          f"{edge_agreement(photo, sketch).mean():.3f})")

    reference = np.roll(photo, -1, axis=0)
    target = colour_stats(reference)
    with_reference = styled.predict(sketch, style=styled.encode_style(reference), verbose=0)
    distances = {label: np.linalg.norm(colour_stats(fake) - target, axis=-1).mean()
                 for label, fake in (("reference's code", with_reference), ("prior mean code", styled.predict(
                     sketch, verbose=0)), ("own photo's code", styled.predict(sketch, style=own, verbose=0)))}
    print("\n(c) colour statistics (RGB mean and sd) distance to another held-out photo: "
          + "; ".join(f"{label} {value:.4f}" for label, value in distances.items()))

    images = train_count
    rates = {name: images / np.median(times[1:] or times) for name, times in seconds.items()}
    print("\n(d) training img/s (median epoch after the first, wall, models alternating): "
          + "; ".join(f"{name} {rate:.2f}" for name, rate in rates.items()))
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
