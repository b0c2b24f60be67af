"""Data at scale: peak RSS, seconds to the first step, pipeline and training img/s for memory / streaming / shards.

Writes `--distinct` synthetic side-by-side pairs (512x256 JPEG: photo left, line drawing right; random shapes, no
research data) under `--work`, then N symbolic links to them per dataset size, and runs ``s2p train``'s code
(`keras_s2p.training.train`, the default model, as ``s2p train LINKS --side-by-side right --image-size S
--epochs 1 --steps-per-epoch K --validation-split 16 --cache C``) in a fresh process per measurement, reading the
process's peak resident memory (VmHWM) from /proc. Modes: ``memory`` (--cache memory; refused beyond its budget),
``stream`` (--cache none: files decoded every epoch), ``shards`` (``s2p pack`` first, timed apart; then train on
the pack). Streaming runs twice: the first pays the up-front file check, the second (same data) does not.

usage: python benchmarks/data_scale.py [--pairs 2000 20000] [--sizes 128 256] [--modes memory stream shards]
                                       [--steps 8] [--work /tmp/s2p-data-scale]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def write_distinct(folder, count, seed=0):
    """`count` side-by-side 512x256 JPEGs: a photo of random ellipses (left) and its outline drawing (right)."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        path = folder / f"pair-{i:05d}.jpg"
        if path.exists():
            continue
        photo = Image.new("RGB", (256, 256), tuple(int(v) for v in rng.integers(150, 256, 3)))
        sketch = Image.new("RGB", (256, 256), (255, 255, 255))
        for _ in range(rng.integers(2, 6)):
            x0, y0 = rng.integers(0, 180, 2)
            box = [int(x0), int(y0), int(x0 + rng.integers(30, 76)), int(y0 + rng.integers(30, 76))]
            ImageDraw.Draw(photo).ellipse(box, fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
            ImageDraw.Draw(sketch).ellipse(box, outline=(0, 0, 0), width=2)
        both = Image.new("RGB", (512, 256))
        both.paste(photo, (0, 0))
        both.paste(sketch, (256, 0))
        both.save(path, quality=90)
    return sorted(folder.glob("pair-*.jpg"))


def link(folder, targets, count):
    """`folder` with `count` symbolic links cycling over `targets` (made once)."""
    if folder.is_dir() and len(list(folder.iterdir())) == count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        path = folder / f"link-{i:06d}.jpg"
        if not path.is_symlink():
            path.symlink_to(targets[i % len(targets)])
    return folder


def child(options):
    """In the measured process: train (or only iterate the pipeline) and print one JSON line of timings."""
    start = time.monotonic()
    import keras

    from keras_s2p.training import train

    times = []

    class Steps(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.monotonic() - start)

    if options.get("pipeline"):
        from keras_s2p.data import paired_dataset

        ds, _ = paired_dataset(options["data"], options["image_size"], 4, validation_split=16,
                               side_by_side=options.get("side_by_side"), cache=options["cache"], repeat=True)
        for _ in ds:
            times.append(time.monotonic() - start)
            if len(times) > options["batches"]:
                break
    else:
        train(options["data"], run_dir=options["run_dir"], epochs=1, steps_per_epoch=options["steps"],
              validation_split=16, side_by_side=options.get("side_by_side"), image_size=options["image_size"],
              cache=options["cache"], verbose=0, callbacks=[Steps()])
    later = times[-1] - times[0]
    print(json.dumps({"first_step_s": times[0], "rate": 4 * (len(times) - 1) / later if later > 0 else None}))


def measure(options):
    """Run `child(options)` in a new process; its JSON plus peak RSS (GB) and wall seconds."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(options)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            peak = max(peak, int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))))
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode:
        last = [line for line in err.strip().splitlines() if line.strip()][-1:] or ["?"]
        return {"error": last[0][:200], "peak_rss_gb": peak / 2**20, "wall_s": time.monotonic() - start}
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "peak_rss_gb": peak / 2**20, "wall_s": time.monotonic() - start}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--modes", nargs="+", default=["memory", "stream", "shards"],
                        choices=["memory", "stream", "shards"])
    parser.add_argument("--steps", type=int, default=8, help="training steps measured (the first is start-up)")
    parser.add_argument("--distinct", type=int, default=500, help="distinct generated images the links cycle over")
    parser.add_argument("--work", type=Path, default=Path("/tmp/s2p-data-scale"))
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child))
    os.environ.setdefault("XDG_CACHE_HOME", str(args.work / "cache"))  # the check memo and disk caches
    targets = write_distinct(args.work / "distinct", args.distinct)
    print(f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}; default model, batch 4")
    print("pairs  size  mode          peak RSS  first step  pipeline img/s  train img/s  note")
    for count in args.pairs:
        links = link(args.work / f"links-{count}", targets, count)
        for size in args.sizes:
            for mode in args.modes:
                data, note, runs = links, "", 1
                if mode == "shards":
                    packed = args.work / f"pack-{count}-{size}"
                    start = time.monotonic()
                    subprocess.run([sys.executable, "-m", "keras_s2p", "pack", str(links), str(packed),
                                    "--image-size", str(size), "--side-by-side", "right"], check=True,
                                   capture_output=True)
                    data, note = packed, f"pack {time.monotonic() - start:.0f} s"
                if mode == "stream":
                    runs = 2
                cache = {"memory": "memory", "stream": "none", "shards": "none"}[mode]
                options = dict(data=str(data), image_size=size, cache=cache, steps=args.steps,
                               side_by_side=None if mode == "shards" else "right")
                for run in range(runs):
                    options["run_dir"] = str(args.work / "runs" / f"{count}-{size}-{mode}-{run}-{time.time_ns()}")
                    r = measure(options)
                    if not run:
                        pipe = measure({**options, "pipeline": True, "batches": 50})
                    label = f"{mode}{' (2nd)' if run else ''}"
                    if "error" in r:
                        print(f"{count:>6} {size:>4}  {label:<12} {r['peak_rss_gb']:6.2f} GB  error: {r['error']}")
                        continue
                    pipe_rate = f"{pipe['rate']:.0f}" if pipe.get("rate") else "-"
                    print(f"{count:>6} {size:>4}  {label:<12} {r['peak_rss_gb']:6.2f} GB  {r['first_step_s']:8.1f} s"
                          f"  {pipe_rate:>14}  {r['rate'] or 0:11.1f}  {note}", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
