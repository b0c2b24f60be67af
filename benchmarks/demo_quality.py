"""Score the ``s2p demo`` recipe: CPU time, and the generator on built-in pairs it never trained on.

Trains exactly as ``s2p demo`` does (``train(None, **preset("demo"))``) with optional ``KEY=VALUE`` overrides
(Python literals), in this process, then scores the generator with SSIM / PSNR / L1 on 64 built-in pairs drawn
from a seed outside the training data. CPU time is the process' user + system time (all threads), so it means
the same on a busy machine; the load average is printed beside it.

Usage: python benchmarks/demo_quality.py RUN_DIR [critic_steps=1 epochs=30 ...]
"""

import ast
import os
import resource
import sys
import time

HELD_OUT_SEED, HELD_OUT_PAIRS = 777, 64


def main(run_dir, overrides):
    from keras_s2p.data import builtin_pairs
    from keras_s2p.image_metrics import l1_per_image, psnr_per_image, ssim_per_image
    from keras_s2p.presets import preset
    from keras_s2p.training import train

    recipe = dict(preset("demo"), **overrides)
    load_before, start = os.getloadavg()[0], time.monotonic()
    gan, _, _ = train(None, run_dir=run_dir, verbose=0, **recipe)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = usage.ru_utime + usage.ru_stime, time.monotonic() - start

    size = recipe["image_size"]
    sketches, photos = builtin_pairs(HELD_OUT_PAIRS, size, seed=HELD_OUT_SEED)
    fakes = gan.generator.predict(sketches, batch_size=16, verbose=0)
    ssim, psnr, l1 = (float(f(photos, fakes).numpy().mean()) for f in (ssim_per_image, psnr_per_image, l1_per_image))
    changes = " ".join(f"{k}={v!r}" for k, v in overrides.items()) or "(the preset)"
    print(f"demo {changes}: {size}px, CPU {cpu:.0f} s (process, incl. start-up), wall {wall:.0f} s, load average "
          f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}, peak RSS {usage.ru_maxrss / 2**20:.2f} GiB; held-out "
          f"{HELD_OUT_PAIRS} pairs (seed {HELD_OUT_SEED}): SSIM {ssim:.3f} / PSNR {psnr:.2f} dB / L1 {l1:.3f}")


if __name__ == "__main__":
    pairs = (arg.split("=", 1) for arg in sys.argv[2:])
    main(sys.argv[1], {key: ast.literal_eval(value) for key, value in pairs})
