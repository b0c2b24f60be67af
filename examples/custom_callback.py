"""Plug your own Keras callback into training: here, stop as soon as validation SSIM reaches a target.

Any `keras.callbacks.Callback` works with `SketchToPhotoGAN.fit` and with `keras_s2p.train(callbacks=[...])`.
Usage: python examples/custom_callback.py [--target 0.35] [--epochs 30] [--image-size 64] [--pairs 256]
On the built-in shapes the defaults reach the target before the last epoch (the example says at which one).
"""

import argparse

from keras_s2p.cli.quiet_tensorflow import import_tensorflow

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--target", type=float, default=0.35, help="validation SSIM to stop at")
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--image-size", type=int, default=64)
parser.add_argument("--pairs", type=int, default=256, help="built-in pairs (a tenth held out)")
args = parser.parse_args()
import_tensorflow()  # TensorFlow without its start-up log lines, as the s2p command does

import keras  # noqa: E402

import keras_s2p as s2p  # noqa: E402


class StopAtSSIM(keras.callbacks.Callback):
    """Stop training at the end of the first epoch whose validation SSIM reaches `target`."""

    def __init__(self, target):
        super().__init__()
        self.target = target
        self.reached = None  # (epoch, val_ssim) once reached

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_ssim"] >= self.target:
            self.reached = (epoch + 1, logs["val_ssim"])
            self.model.stop_training = True

    def on_train_end(self, logs=None):  # after the progress bar's last line, so this one stands on its own
        if self.reached:
            print(f"StopAtSSIM: val_ssim {self.reached[1]:.3f} >= {self.target} at epoch {self.reached[0]}; stopped")
        else:
            print(f"StopAtSSIM: val_ssim never reached {self.target}")


keras.utils.set_random_seed(0)  # the same run every time
train_ds, val_ds = s2p.data.builtin_dataset(image_size=args.image_size, batch_size=16, num_pairs=args.pairs,
                                            validation_split=0.1)
gan = s2p.SketchToPhotoGAN(image_size=args.image_size, base_filters=16, num_res_blocks=2, skip_connections=True,
                           critic_steps=2, perceptual_weight=0)
gan.compile()
history = gan.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=2, callbacks=[StopAtSSIM(args.target)])
print(f"trained {len(history.epoch)} of {args.epochs} epochs")
