"""Throughput of the paired data pipeline, with and without augmentation.

Training consumes about 20 pairs/s at 128x128 on a CPU; the pipeline should feed at least 10x that.
The first epoch decodes the files (cold); later epochs read the in-memory cache (warm).

usage: python benchmarks/data_pipeline.py [--data FOLDER] [--side-by-side left|right] [--pairs 128]
                                          [--image-size 128] [--batch-size 16] [--epochs 3]
Without --data, `--pairs` built-in pairs are written as 256x256 JPEGs to a temporary folder.
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_s2p.data import builtin_pairs, paired_dataset, save_image  # noqa: E402


def write_builtin(folder, count):
    sketches, photos = builtin_pairs(count, image_size=256)
    for i, (sketch, photo) in enumerate(zip(sketches, photos)):
        save_image(sketch, folder / "sketches" / f"{i:05d}.jpg")
        save_image(photo, folder / "photos" / f"{i:05d}.jpg")


def measure(source, args, augment):
    start = time.perf_counter()
    ds = paired_dataset(source, args.image_size, args.batch_size, augment=augment, side_by_side=args.side_by_side)
    print(f"  build (pairing + validation pass): {time.perf_counter() - start:.2f} s")
    for epoch in range(args.epochs):
        start, count = time.perf_counter(), 0
        for sketches, _ in ds:
            count += int(sketches.shape[0])
        rate = count / (time.perf_counter() - start)
        print(f"  epoch {epoch + 1} ({'cold' if epoch == 0 else 'cached'}): {rate:8.0f} pairs/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--side-by-side", choices=["left", "right"])
    parser.add_argument("--pairs", type=int, default=128)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.data
        if source is None:
            source = Path(tmp)
            write_builtin(source, args.pairs)
        print(f"data: {source if args.data else f'{args.pairs} built-in pairs (256x256 JPEG)'}, "
              f"{args.image_size}x{args.image_size}, batch {args.batch_size}, {os.cpu_count()} CPU(s)")
        for augment in (False, True):
            print(f"augment={augment}")
            measure(source, args, augment)


if __name__ == "__main__":
    main()
