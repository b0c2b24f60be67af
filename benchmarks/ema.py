"""Exponential moving averages of the generator's weights vs the weights themselves, on one training run.

Trains the default recipe (`keras_s2p.train`, nothing else changed) and keeps, beside it, averages of the
generator's trainable weights for each momentum (what ``keras.optimizers.Adam(use_ema=True, ema_momentum=m)``
keeps). At every epoch end each average is put into the generator, BatchNorm is recalibrated for it (as training
does for the raw weights before validation), the held-out pairs are scored in inference mode, and the raw weights
come back. The averages never feed back into training, so every row of an epoch comes from the same run.

usage: python benchmarks/ema.py DATA RUN_DIR EPOCHS [--side-by-side right] [--validation-split N]
       [--momenta 0.99,0.999] [--score-every N]
"""

import argparse
import os
import time

import keras
import tensorflow as tf

from keras_s2p.data.run_data import calibration_sample, data_loader
from keras_s2p.evaluation import evaluate_generator
from keras_s2p.models.precise_batch_norm import recalibrate
from keras_s2p.training import train


class MovingAverages(keras.callbacks.Callback):
    """Averages of the generator's trainable weights, scored after every epoch."""

    def __init__(self, momenta, val, calibration, score_every):
        super().__init__()
        self.momenta, self.val, self.calibration, self.score_every = momenta, val, calibration, score_every

    def on_train_begin(self, logs=None):
        weights = self.model.generator.trainable_variables
        self.averages = {m: [tf.Variable(w.value, trainable=False) for w in weights] for m in self.momenta}

        @tf.function
        def update():
            for m, averages in self.averages.items():
                for average, w in zip(averages, weights):
                    average.assign(m * average + (1.0 - m) * w)

        self.update = update

    def on_train_batch_end(self, batch, logs=None):
        self.update()

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1:3d} raw        SSIM {logs['val_ssim']:.4f}  PSNR {logs['val_psnr']:6.2f}  "
              f"L1 {logs['val_l1']:.4f}  (CPU minutes / 2 cores so far: {time.process_time() / 120:.1f})",
              flush=True)
        if (epoch + 1) % self.score_every and epoch + 1 != self.params["epochs"]:
            return
        weights = self.model.generator.trainable_variables
        raw = [w.numpy() for w in weights]
        for m, averages in self.averages.items():
            for w, average in zip(weights, averages):
                w.assign(average)
            recalibrate(self.model.generator, self.calibration)
            s = evaluate_generator(self.model.generator, self.val)
            print(f"epoch {epoch + 1:3d} ema {m:<6} SSIM {s['ssim']:.4f}  PSNR {s['psnr']:6.2f}  L1 {s['l1']:.4f}",
                  flush=True)
        for w, value in zip(weights, raw):
            w.assign(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("run_dir")
    parser.add_argument("epochs", type=int)
    parser.add_argument("--side-by-side", choices=("left", "right"))
    parser.add_argument("--validation-split", type=float, default=0.1)
    parser.add_argument("--momenta", default="0.99,0.999")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--score-every", type=int, default=1, help="epochs between scorings of the averages")
    args = parser.parse_args()
    split_value = int(args.validation_split) if args.validation_split >= 1 else args.validation_split
    split = dict(image_size=128, batch_size=args.batch_size, validation_split=split_value, seed=0,
                 drop_remainder=False)
    load = data_loader(args.data, args.side_by_side, None, split)
    (_, val), _ = load(augment=False)
    averages = MovingAverages([float(m) for m in args.momenta.split(",")], val, calibration_sample(load),
                              args.score_every)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    train(args.data, run_dir=args.run_dir, epochs=args.epochs, batch_size=args.batch_size,
          validation_split=split_value, side_by_side=args.side_by_side, callbacks=[averages], verbose=0)


if __name__ == "__main__":
    main()
