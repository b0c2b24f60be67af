"""Plug your own Keras callback into training: here, stop once validation SSIM passes a target.

Any `keras.callbacks.Callback` works with `SketchToPhotoGAN.fit` and with `keras_s2p.train(callbacks=[...])`.
Usage: python examples/custom_callback.py
"""

import keras

import keras_s2p as s2p


class StopAtSSIM(keras.callbacks.Callback):
    def __init__(self, target):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        print(f"epoch {epoch + 1}: val_ssim={logs['val_ssim']:.3f}, critic steps so far "
              f"{int(self.model.d_optimizer.iterations)}")
        if logs["val_ssim"] >= self.target:
            self.model.stop_training = True


train_ds, val_ds = s2p.data.builtin_dataset(image_size=64, batch_size=16, num_pairs=256, validation_split=0.1)
gan = s2p.SketchToPhotoGAN(image_size=64, base_filters=16, num_res_blocks=2, skip_connections=True,
                           critic_steps=2, perceptual_weight=0)
gan.compile()
gan.fit(train_ds, validation_data=val_ds, epochs=30,
        callbacks=[StopAtSSIM(0.8), keras.callbacks.EarlyStopping(monitor="val_ssim", mode="max", patience=5)])
