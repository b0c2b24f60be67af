"""Inference-mode quality of a run's checkpoint with its BatchNorm moving averages vs precise BatchNorm.

Rebuilds the run's model from its config.json, loads a checkpoint, scores the held-out pairs in inference mode as
training left it, then after `SketchToPhotoGAN.recalibrate` on the run's calibration sample (what training does
before every validation and save when the generator has BatchNorm), and in training mode (batch statistics).

usage: python benchmarks/recalibration.py RUN_DIR CHECKPOINT [BATCHES]
"""

import inspect
import json
import sys
import time

from keras_s2p.data.run_data import calibration_sample, data_loader
from keras_s2p.evaluation import evaluate_generator
from keras_s2p.models.gan import SketchToPhotoGAN


def main(run_dir, checkpoint, batches=50):
    settings = json.load(open(f"{run_dir}/config.json"))["hyperparameters"]
    accepted = inspect.signature(SketchToPhotoGAN).parameters
    gan = SketchToPhotoGAN(**{k: v for k, v in settings.items() if k in accepted})
    gan.compile()
    gan.load_weights(checkpoint)
    split = dict(image_size=settings["image_size"], batch_size=settings["batch_size"],
                 validation_split=settings["validation_split"], seed=settings["seed"], drop_remainder=False)
    data = None if settings["data"] == "builtin" else settings["data"]
    load = data_loader(data, settings["side_by_side"], settings.get("builtin_pairs", 512), split)
    (_, val), _ = load(augment=False)

    def report(label, generator):
        s = evaluate_generator(generator, val)
        print(f"{label:44s} SSIM {s['ssim']:.4f}  PSNR {s['psnr']:6.2f}  L1 {s['l1']:.4f}", flush=True)

    report("inference, moving averages", gan.generator)
    report("training mode (batch statistics)", lambda sketch, training: gan.generator(sketch, training=True))
    start = time.perf_counter()
    images = gan.recalibrate(calibration_sample(load), batches=batches)
    seconds = time.perf_counter() - start
    report(f"inference, recalibrated ({images} images, {seconds:.1f} s)", gan.generator)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:]))
