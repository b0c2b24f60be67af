"""Soak test: train many epochs on the built-in dataset at a tiny size and watch resident memory.

Runs `keras_s2p.training.train` exactly as ``s2p train`` does (every default callback: samples, loss curves,
TensorBoard, checkpoints, backup, history), records the process's resident set size (VmRSS from
/proc/self/status) at the end of every epoch, prints a table, and the growth of RSS from the end of the warm-up
epochs to the end of the run:

    growth % = 100 * (RSS at the last epoch - RSS after `--warmup` epochs) / RSS after `--warmup` epochs

(also given for the peak RSS after warm-up). Exits 1 when the growth exceeds `--max-growth` (default 5 %).

Usage:
    python benchmarks/soak.py [--epochs 200] [--warmup 10] [--builtin-pairs 40] [--run-dir DIR] [--json OUT]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def rss_mib():
    """Resident set size of this process in MiB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10, help="epochs before the baseline RSS is taken")
    parser.add_argument("--builtin-pairs", type=int, default=40)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--run-dir", default=None, help="default: a temporary folder, removed afterwards")
    parser.add_argument("--every", type=int, default=10, help="table rows every N epochs")
    parser.add_argument("--max-growth", type=float, default=5.0, help="percent; exit 1 above it")
    parser.add_argument("--json", default=None, help="write the per-epoch RSS and the figures here")
    args = parser.parse_args(argv)
    if not 0 < args.warmup < args.epochs:
        parser.error("--warmup must be between 1 and --epochs - 1")

    import keras

    from keras_s2p.training import train

    samples = []  # (epoch 1-based, seconds since start, RSS MiB)
    start = time.monotonic()

    class RecordRSS(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            samples.append((epoch + 1, time.monotonic() - start, rss_mib()))

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(args.run_dir) if args.run_dir else Path(tmp) / "soak"
        train(run_dir=run_dir, epochs=args.epochs, builtin_pairs=args.builtin_pairs, validation_split=8,
              batch_size=8, image_size=args.image_size, base_filters=4, num_res_blocks=1, critic_filters=4,
              critic_steps=1, perceptual_weight=0.0, precision="float32", sample_every=10, verbose=0,
              callbacks=[RecordRSS()])

    rss_at = {epoch: rss for epoch, _, rss in samples}
    base, last = rss_at[args.warmup], samples[-1][2]
    peak = max(rss for epoch, _, rss in samples if epoch >= args.warmup)
    growth, peak_growth = 100 * (last - base) / base, 100 * (peak - base) / base
    print(f"{'epoch':>6} {'time s':>8} {'RSS MiB':>9}")
    for epoch, seconds, rss in samples:
        if epoch == 1 or epoch % args.every == 0 or epoch == args.epochs:
            print(f"{epoch:6d} {seconds:8.1f} {rss:9.1f}")
    print(f"RSS after epoch {args.warmup}: {base:.1f} MiB; at epoch {samples[-1][0]}: {last:.1f} MiB "
          f"(growth {growth:+.2f} %); peak after warm-up {peak:.1f} MiB ({peak_growth:+.2f} %)")
    if args.json:
        Path(args.json).write_text(json.dumps({"samples": samples, "baseline_epoch": args.warmup,
                                               "growth_percent": growth, "peak_growth_percent": peak_growth}, indent=1))
    if growth > args.max_growth:
        print(f"FAIL: resident memory grew {growth:.2f} % (> {args.max_growth} %) after epoch {args.warmup}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
