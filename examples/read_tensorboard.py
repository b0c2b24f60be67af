"""Read a run's TensorBoard logs without the TensorBoard UI: print the last value of every scalar.

In a browser: `tensorboard --logdir logs` and open http://localhost:6006 (scalars: d_loss, g_loss, gp,
w_distance, l1, perceptual, feature_matching, val_*, g_lr, d_lr; images: the sample grids).
Usage: python examples/read_tensorboard.py logs/RUN
"""

import sys
from pathlib import Path

import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

for folder in sorted(p for p in (Path(sys.argv[1]) / "tensorboard").iterdir() if p.is_dir()):
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0, "images": 0})
    events.Reload()
    for tag in sorted(events.Tags()["tensors"]):
        last = events.Tensors(tag)[-1]
        value = tf.make_ndarray(last.tensor_proto)
        shown = f"{float(value):.4g}" if value.ndim == 0 else f"{len(events.Tensors(tag))} image(s)"  # TF2 images
        print(f"{folder.name:10} {tag:36} step {last.step:5d}: {shown}")
