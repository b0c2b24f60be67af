"""Keras' own callbacks do with the GAN what a Keras user expects (tiny model, one step per epoch)."""

import csv
import glob

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from keras_s2p import SketchToPhotoGAN
from keras_s2p.callbacks import LearningRateLogger
from tiny_settings import TINY, random_pairs

RATES = (1e-4, 4e-4)  # generator, critic: a 1:4 ratio to keep


def _gan(**optimizer_options):
    gan = SketchToPhotoGAN(**TINY)
    gan.compile(g_optimizer=keras.optimizers.Adam(RATES[0], **optimizer_options),
                d_optimizer=keras.optimizers.Adam(RATES[1], **optimizer_options))
    return gan


@pytest.fixture(scope="module")
def shared():
    return _gan()  # tracing dominates test time: tests that need no fresh model share this one


@pytest.fixture
def gan(shared):
    shared.g_optimizer.learning_rate, shared.d_optimizer.learning_rate = RATES
    shared.stop_training = False
    return shared


@pytest.fixture(scope="module")
def data():
    return tf.data.Dataset.from_tensor_slices(random_pairs(8)).batch(8)  # one step per epoch


@pytest.mark.parametrize("callback", [keras.callbacks.EarlyStopping, keras.callbacks.ReduceLROnPlateau,
                                      keras.callbacks.ModelCheckpoint])
@pytest.mark.parametrize("monitor, op", [("val_l1", ops.less), ("val_psnr", ops.greater), ("val_ssim", ops.greater),
                                         ("g_loss", ops.less), ("loss", ops.less)])
def test_auto_mode_knows_every_metric_direction(gan, callback, monitor, op, tmp_path):
    instance = callback(str(tmp_path / "m.keras"), monitor=monitor) if callback is keras.callbacks.ModelCheckpoint \
        else callback(monitor=monitor)
    instance.set_model(gan)
    instance._set_monitor_op()  # what Keras does at the first epoch end
    assert instance.monitor_op is op


def test_auto_mode_refuses_a_metric_without_direction(gan):
    stop = keras.callbacks.EarlyStopping(monitor="w_distance")  # the critic raises it, the generator lowers it
    stop.set_model(gan)
    with pytest.raises(ValueError, match="maximized or minimized"):
        stop._set_monitor_op()


def test_early_stopping_and_best_checkpoint_in_auto_mode(gan, data, tmp_path):
    best = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="val_ssim", save_best_only=True)
    stop = keras.callbacks.EarlyStopping(monitor="val_ssim", patience=0, min_delta=1.0)  # SSIM cannot gain 1
    history = gan.fit(data, epochs=5, validation_data=data, verbose=0, callbacks=[best, stop])
    assert history.epoch == [0, 1]
    assert best.best == pytest.approx(max(history.history["val_ssim"]))
    assert keras.saving.load_model(tmp_path / "best.keras").image_size == TINY["image_size"]


def test_learning_rate_scheduler_moves_both_rates_keeping_their_ratio(gan, data):
    history = gan.fit(data, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9), LearningRateLogger()]).history
    expected = [RATES[0] * 0.9 ** k for k in (1, 2, 3)]
    assert history["g_lr"] == pytest.approx(expected, rel=1e-5)
    assert history["d_lr"] == pytest.approx([4 * rate for rate in expected], rel=1e-5)
    assert history["learning_rate"] == pytest.approx(history["g_lr"])  # model.optimizer's rate: the generator's
    # A schedule of the epoch alone sets the generator's rate; the critic keeps its ratio to it.
    gan.fit(data, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3)])
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-3)


def test_reduce_lr_on_plateau_moves_both_rates(gan, data):
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="val_l1", factor=0.5, patience=0, min_delta=10.0)
    history = gan.fit(data, epochs=3, validation_data=data, verbose=0, callbacks=[reduce, LearningRateLogger()])
    # No improvement of 10 after epoch 1: halved at the end of epochs 2 and 3 (the logger runs after the reduction).
    assert history.history["g_lr"] == pytest.approx([RATES[0], RATES[0] / 2, RATES[0] / 4])
    assert history.history["d_lr"] == pytest.approx([RATES[1], RATES[1] / 2, RATES[1] / 4])
    # Keras logs the rate each epoch trained with: the generator's (the critic's is 4 times that).
    assert history.history["learning_rate"] == pytest.approx([RATES[0], RATES[0], RATES[0] / 2])


def _state(gan):
    """Both networks' weights and both optimizers' variables (iterations, Adam moments), as numpy arrays."""
    return [v.numpy().copy() for v in (*gan.weights, *gan.g_optimizer.variables, *gan.d_optimizer.variables)]


class _Interrupt(keras.callbacks.Callback):
    """Raises at the end of epoch 1, after BackupAndRestore (earlier in the list) saved it; keeps the state then."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            self.state = _state(self.model)
            raise RuntimeError("interrupted")


class _StateAtStart(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):  # after BackupAndRestore's (earlier in the list) restore
        self.state = _state(self.model)


def test_backup_and_restore_resumes_both_networks_and_optimizers(data, tmp_path):
    first, interrupt = _gan(), _Interrupt()
    initial = first.get_weights()
    with pytest.raises(RuntimeError, match="interrupted"):
        first.fit(data, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path)), interrupt])
    resumed, restored = _gan(), _StateAtStart()
    history = resumed.fit(data, epochs=3, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path)), restored])
    assert history.epoch == [2]  # epochs 0 and 1 were backed up
    # Restored exactly: every weight and both optimizers' iterations and moments as they were at the interruption.
    assert len(restored.state) == len(interrupt.state) and any(np.abs(v).sum() > 0 for v in interrupt.state[-4:])
    for now, then in zip(restored.state, interrupt.state):
        np.testing.assert_array_equal(now, then)
    assert int(resumed.g_optimizer.iterations) == 3 and int(resumed.d_optimizer.iterations) == 3 * TINY["critic_steps"]
    # And trained on as if never stopped: the step's random draws (gradient-penalty weights) come from the restored
    # step counts, so the last epoch ends where an uninterrupted run from the same weights ends.
    uninterrupted = _gan()
    uninterrupted.set_weights(initial)
    uninterrupted.fit(data, epochs=3, verbose=0)
    # Measured equal bitwise; draws seeded otherwise than by the restored step counts moved weights by 2e-6-2e-5.
    for now, then in zip(_state(resumed), _state(uninterrupted)):
        np.testing.assert_allclose(now, then, rtol=1e-6, atol=1e-7)


def test_csv_logger_lambda_callback_and_tensorboard(gan, data, tmp_path):
    seen = []
    tensorboard = keras.callbacks.TensorBoard(str(tmp_path / "tb"), histogram_freq=1, write_images=True)
    gan.fit(data, epochs=2, validation_data=data, verbose=0, callbacks=[
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")), tensorboard,
        keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(sorted(logs)))])
    with open(tmp_path / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["epoch"] for row in rows] == ["0", "1"] and {"d_loss", "g_loss", "loss", "val_ssim"} <= set(rows[0])
    assert len(seen) == 2 and {"d_loss", "val_psnr"} <= set(seen[0])
    tags = set()
    for path in glob.glob(str(tmp_path / "tb" / "train" / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags.update(value.tag for value in event.summary.value)
    assert any("histogram" in tag and "out_conv" in tag for tag in tags), sorted(tags)[:20]  # generator weights
    assert any("out_conv" in tag and tag.endswith("/image") for tag in tags), sorted(tags)[:20]


def test_keras_terminate_on_nan_stops_on_a_nan_loss(gan, data):
    bad = tf.data.Dataset.from_tensor_slices(tuple(np.full((8, 32, 32, 3), np.nan, "float32") for _ in "xy")).batch(8)
    state = [v.numpy() for v in (*gan.weights, *gan.g_optimizer.variables, *gan.d_optimizer.variables)]
    history = gan.fit(bad, epochs=3, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.epoch) == 1 and np.isnan(history.history["loss"][0])  # stopped in the first epoch
    for variable, value in zip((*gan.weights, *gan.g_optimizer.variables, *gan.d_optimizer.variables), state):
        variable.assign(value)  # the shared model, as it was


class _RawAfterLastStep(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.raw = [v.numpy().copy() for v in self.model.generator.weights]


def test_swap_ema_weights_with_ema_optimizers(data):
    gan, raw = _gan(use_ema=True, ema_momentum=0.5), _RawAfterLastStep()
    history = gan.fit(data, epochs=2, validation_data=data, verbose=0,
                      callbacks=[raw, keras.callbacks.SwapEMAWeights(swap_on_epoch=True)])
    # After fit each network holds its optimizer's averages (Keras does that for one optimizer; here for both).
    for optimizer, network in ((gan.g_optimizer, gan.generator), (gan.d_optimizer, gan.critic)):
        for variable, average in zip(network.trainable_variables, optimizer._model_variables_moving_average):
            np.testing.assert_array_equal(variable.numpy(), average.numpy())
    # Validation during fit ran on the averages (what the generator holds now), not on the raw weights.
    on_averages = gan.evaluate(data, verbose=0, return_dict=True)["l1"]
    for variable, value in zip(gan.generator.weights, raw.raw):
        variable.assign(value)
    on_raw = gan.evaluate(data, verbose=0, return_dict=True)["l1"]
    during_fit = history.history["val_l1"][-1]
    print(f"val_l1 during fit {during_fit:.6f}, on the averages {on_averages:.6f}, on the raw weights {on_raw:.6f}")
    # Measured 0.337494 / 0.337498 / 0.336596: float noise against the averages, 15 to 200 times that against the raw.
    assert abs(during_fit - on_averages) * 5 < abs(during_fit - on_raw), (during_fit, on_averages, on_raw)
