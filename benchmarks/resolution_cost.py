"""What one training step and one inference cost at 128², 256² and 512², and how that grows per doubling.

For each row: train img/s at the default recipe (batch 4, bf16 where the CPU has it, VGG19 perceptual on with
random weights: same FLOPs as ImageNet's, no download), FLOPs per step counted by TensorFlow's profiler on the
traced ``train_step`` (``executed``: only the ops the step's outputs and updates depend on; see
`train_throughput.executed_flops`), achieved FLOP/s as a share of this machine's bf16 conv peak (measured in the
same run), batch-1 inference latency of the generator, and the peak RSS of a process that ran only that row. Each
row runs in its own process (so its peak RSS is its own); the cost ratio is taken against the row at half the size.
Rates are wall clock and per CPU time (``cpu``: per 2 core-seconds of the row's CPU time, what it reaches with the
cores to itself; see `train_throughput`).

Usage:
    python benchmarks/resolution_cost.py [--rows 128,256,512,256:critic_scales=2] [--steps 3]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from train_throughput import _median_times, device_name, load, peak_flops, train_throughput  # noqa: E402

BATCH = 4  # the default recipe's
DEFAULT_ROWS = "128,256,512,256:num_downsamples=2,256:critic_scales=2,256:attention=True"


def parse_row(text):
    """``"256:critic_scales=2"`` -> ``{"image_size": 256, "critic_scales": 2}``."""
    size, *settings = text.split(":")
    config = {"image_size": int(size)}
    for setting in settings:
        name, value = setting.split("=")
        config[name] = json.loads(value.lower())
    return config


def measure(config, steps):
    """One row, in this process: a dict of the measurements."""
    import tensorflow as tf

    (rate_wall, rate_cpu), (_, flops), (achieved_wall, achieved_cpu), gan = train_throughput(
        config, "auto", "float32", steps, batch=BATCH)
    size = config["image_size"]
    predict = tf.function(lambda images: gan.generator(images, training=False))
    latency_wall, latency_cpu = _median_times(lambda: predict(tf.zeros((1, size, size, 3))).numpy(), 5)
    return dict(rate_wall=rate_wall, rate_cpu=rate_cpu, flops=flops, achieved_wall=achieved_wall,
                achieved_cpu=achieved_cpu, latency_wall=latency_wall * 1000, latency_cpu=latency_cpu * 1000 / 2,
                rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default=DEFAULT_ROWS, help="comma-separated SIZE[:option=value...]")
    parser.add_argument("--steps", type=int, default=3, help="timed training steps per row (median), after 2")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # one row, run in a child process
    args = parser.parse_args()
    if args.row:
        print(json.dumps(measure(parse_row(args.row), args.steps)))
        return

    import tensorflow as tf

    print(f"device: {device_name()}; batch {BATCH}, precision auto, VGG19 perceptual float32 (random weights)")
    print(f"load average before: {load()}")
    _, (conv_wall, conv_cpu) = peak_flops(tf.bfloat16)
    print(f"bf16 conv peak: {conv_wall / 1e9:.0f} / {conv_cpu / 1e9:.0f} GFLOP/s (wall / cpu)")
    print(f"{'row':28} {'train img/s':>13} {'GFLOP/step':>10} {'x per 2x':>8} {'% bf16 conv peak':>16} "
          f"{'b1 ms':>13} {'peak RSS':>9}")
    print(f"{'':28} {'wall / cpu':>13} {'executed':>10} {'flop/time':>8} {'wall / cpu':>16} {'wall / cpu':>13} "
          f"{'MiB':>9}")
    done = {}
    for row in args.rows.split(","):
        child = subprocess.run([sys.executable, __file__, "--row", row, "--steps", str(args.steps)],
                               capture_output=True, text=True)
        if child.returncode:
            print(f"{row:28} failed: {child.stderr.strip().splitlines()[-1]}", flush=True)
            continue
        r = done[row] = json.loads(child.stdout.strip().splitlines()[-1])
        config = parse_row(row)
        half = ":".join([str(config["image_size"] // 2), *row.split(":")[1:]])
        ratio = (f"{r['flops'] / done[half]['flops']:4.1f}/{done[half]['rate_cpu'] / r['rate_cpu']:3.1f}"
                 if half in done else "")
        print(f"{row:28} {r['rate_wall']:6.2f}/{r['rate_cpu']:6.2f} {r['flops'] / 1e9:10.0f} {ratio:>8} "
              f"{100 * r['achieved_wall'] / conv_wall:7.0f}/{100 * r['achieved_cpu'] / conv_cpu:<8.0f} "
              f"{r['latency_wall']:6.0f}/{r['latency_cpu']:6.0f} {r['rss']:9.0f}", flush=True)
    print(f"load average after: {load()}")
    print(os.popen("uptime").read().strip())


if __name__ == "__main__":
    main()
