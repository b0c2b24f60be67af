"""Read a run's TensorBoard logs without the TensorBoard UI: print the last value of every scalar.

In a browser: `tensorboard --logdir logs` and open http://localhost:6006. A run folder's ``tensorboard/`` holds
``train/`` (``epoch_d_loss``, ``epoch_g_loss``, ``epoch_gp``, ``epoch_w_distance``, ``epoch_l1``,
``epoch_perceptual``, ``epoch_feature_matching``, ``epoch_loss``, ``epoch_g_lr``, ``epoch_d_lr``),
``validation/`` (``epoch_l1``, ``epoch_psnr``, ``epoch_ssim``, and the same against optimizer steps:
``evaluation_*_vs_iterations``) and ``samples/`` (image ``samples``: the sample grids).

Usage: python examples/read_tensorboard.py logs/RUN
"""

import sys
from pathlib import Path

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

if len(sys.argv) != 2:
    sys.exit(__doc__.strip().splitlines()[-1])
logs = Path(sys.argv[1]) / "tensorboard"
if not logs.is_dir():
    sys.exit(f"error: no TensorBoard logs in {sys.argv[1]} (expected {logs}/ of an s2p run folder)")

import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does
import tensorflow as tf  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

for folder in sorted(p for p in logs.iterdir() if p.is_dir()):
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    events.Reload()
    for tag in sorted(events.Tags()["tensors"]):
        last = events.Tensors(tag)[-1]
        value = tf.make_ndarray(last.tensor_proto)
        shown = f"{float(value):.4g}" if value.ndim == 0 else "image"  # TF2 writes images as tensors too
        print(f"{folder.name:10} {tag:36} step {last.step:5d}: {shown}")
