import csv
import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_s2p import ConfigError, SketchToPhotoGAN
from keras_s2p.callbacks import (
    LearningRateLogger,
    LossCurves,
    SampleGrid,
    TerminateOnNaN,
    TrainingDivergedError,
    backup_and_restore,
    checkpoint_callbacks,
    default_callbacks,
)
from keras_s2p.runs import RunFolder
from tiny_settings import TINY


def _gan(tiny_kwargs, **compile_kwargs):
    gan = SketchToPhotoGAN(**tiny_kwargs)
    gan.compile(**compile_kwargs)
    return gan


def _predict(gan, x):
    return gan.generator(x, training=False).numpy()


@pytest.fixture(scope="module")
def _shared_gan():
    # Tracing the WGAN-GP train step dominates test time; tests that need no fresh model share this one.
    return _gan(TINY)


@pytest.fixture
def gan(_shared_gan):
    for optimizer in (_shared_gan.g_optimizer, _shared_gan.d_optimizer):
        optimizer.learning_rate = 1e-4
    return _shared_gan


@pytest.fixture
def one_batch(pair_arrays):
    return tf.data.Dataset.from_tensor_slices(pair_arrays).batch(8)  # one step per epoch


def _tags(folder):
    tags = set()
    for path in glob.glob(str(folder / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags.update(value.tag for value in event.summary.value)
    return tags


def test_sample_grid_and_periodic_checkpoints_every_10_epochs(gan, pair_arrays, one_batch, tmp_path):
    sketches, photos = pair_arrays[0][:3], pair_arrays[1][:3]
    grid = SampleGrid(sketches, photos, tmp_path, every=10, tensorboard_dir=tmp_path / "tensorboard")
    checkpoints = checkpoint_callbacks(tmp_path, every=10, best_monitor=None)
    gan.fit(one_batch, epochs=20, callbacks=[grid, *checkpoints], verbose=0)
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["epoch_0010.png", "epoch_0020.png"]
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["epoch_0010.weights.h5",
                                                                             "epoch_0020.weights.h5"]
    png = tf.io.decode_png(tf.io.read_file(str(tmp_path / "samples" / "epoch_0020.png"))).numpy()
    assert png.shape == (3 * 32, 3 * 32, 3)
    # columns: sketch | generated in inference mode | real photo
    expected = np.clip(np.round((_predict(gan, sketches) + 1) * 127.5), 0, 255)
    np.testing.assert_allclose(png[:32, 32:64], expected[0], atol=1)
    np.testing.assert_array_equal(png[64:, :32], np.round((sketches[2] + 1) * 127.5).astype("uint8"))
    np.testing.assert_array_equal(png[32:64, 64:], np.round((photos[1] + 1) * 127.5).astype("uint8"))
    assert "samples" in _tags(tmp_path / "tensorboard" / "samples")


def test_sample_grid_rejects_mismatched_data(pair_arrays, tmp_path):
    with pytest.raises(ConfigError, match="matching"):
        SampleGrid(pair_arrays[0][:3], pair_arrays[1][:2], tmp_path)


def test_default_callbacks_with_standard_keras_callbacks(gan, pair_arrays, one_batch, tmp_path):
    run = RunFolder(tmp_path / "run")
    callbacks = default_callbacks(run, (pair_arrays[0][:2], pair_arrays[1][:2]), sample_every=2,
                                  checkpoint_every=2)
    # min_delta=1 cannot be met by SSIM: stops after epoch 2 only if it reads val_ssim
    early = keras.callbacks.EarlyStopping(monitor="val_ssim", mode="max", patience=0, min_delta=1.0)
    d_steps = int(gan.d_optimizer.iterations)
    history = gan.fit(one_batch, epochs=5, validation_data=one_batch, verbose=0,
                      callbacks=[*callbacks, early, keras.callbacks.ProgbarLogger()]).history
    assert len(history["val_ssim"]) == 2
    assert history["g_lr"] == history["d_lr"] == pytest.approx([1e-4, 1e-4])

    train_tags, val_tags = _tags(run.tensorboard_dir / "train"), _tags(run.tensorboard_dir / "validation")
    assert {"epoch_d_loss", "epoch_g_loss", "epoch_g_lr", "epoch_d_lr"} <= train_tags
    assert {"epoch_ssim", "epoch_psnr"} <= val_tags  # TensorBoard logs val_ssim as "epoch_ssim" under validation/
    with open(run.history_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1"] and {"g_lr", "d_lr", "val_ssim", "d_loss"} <= set(rows[0])
    assert run.loss_curves_png.stat().st_size > 0
    assert [p.name for p in run.samples_dir.iterdir()] == ["epoch_0002.png"]
    assert sorted(p.name for p in run.checkpoints_dir.iterdir()) == ["best.json", "best.weights.h5",
                                                                      "epoch_0002.weights.h5"]
    assert run.is_resumable()  # the backup is kept when fit completes: rerunning with more epochs continues

    reloaded = SketchToPhotoGAN(**TINY)
    reloaded.compile()
    reloaded.load_weights(run.checkpoints_dir / "epoch_0002.weights.h5")
    np.testing.assert_allclose(_predict(reloaded, pair_arrays[0]), _predict(gan, pair_arrays[0]), atol=1e-6)
    assert int(reloaded.d_optimizer.iterations) == int(gan.d_optimizer.iterations) == d_steps + 4


def test_best_checkpoint_survives_a_resumed_run(gan, one_batch, tmp_path):
    best = checkpoint_callbacks(tmp_path, every=100, best_monitor="g_loss", best_mode="min")[1]
    gan.fit(one_batch, epochs=1, verbose=0, callbacks=[best])
    (tmp_path / "checkpoints" / "best.json").write_text('{"g_loss": -1.0, "epoch": 1}')  # unbeatable
    weights = (tmp_path / "checkpoints" / "best.weights.h5").read_bytes()
    best = checkpoint_callbacks(tmp_path, every=100, best_monitor="g_loss", best_mode="min")[1]
    gan.fit(one_batch, epochs=1, verbose=0, callbacks=[best])
    assert (tmp_path / "checkpoints" / "best.weights.h5").read_bytes() == weights


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise RuntimeError("interrupted")


class _RecordStart(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self, "first_epoch"):
            self.first_epoch = epoch
            self.state = _optimizer_state(self.model)


def _optimizer_state(gan):
    return {name: [v.numpy().copy() for v in getattr(gan, name).variables] for name in ("g_optimizer", "d_optimizer")}


def _decaying_adam():
    return keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=1, decay_rate=0.5))


def test_interrupted_run_resumes_with_both_optimizers(one_batch, tmp_path):
    # Learning-rate schedule objects on both optimizers, checked through the interruption too.
    run = RunFolder(tmp_path / "run")
    run.ensure_writable(min_free_bytes=0)

    def callbacks():
        return [LearningRateLogger(), LossCurves(run.loss_curves_png, history_csv=run.history_csv),
                backup_and_restore(run), keras.callbacks.CSVLogger(str(run.history_csv), append=True)]

    gan = _gan(TINY, g_optimizer=_decaying_adam(), d_optimizer=_decaying_adam())
    with pytest.raises(RuntimeError, match="interrupted"):
        gan.fit(one_batch, epochs=4, verbose=0, callbacks=[*callbacks(), _Interrupt(epoch=2)])
    assert run.is_resumable()
    saved = _optimizer_state(gan)
    assert int(gan.g_optimizer.iterations) == 2 and int(gan.d_optimizer.iterations) == 4

    resumed, start = _gan(TINY, g_optimizer=_decaying_adam(), d_optimizer=_decaying_adam()), _RecordStart()
    curves = callbacks()
    history = resumed.fit(one_batch, epochs=4, verbose=0, callbacks=[*curves, start])
    assert start.first_epoch == 2 and history.epoch == [2, 3]
    for name, variables in saved.items():
        assert len(start.state[name]) == len(variables) > 3  # iterations and the Adam moments
        for before, after in zip(variables, start.state[name]):
            np.testing.assert_array_equal(before, after)
    assert int(resumed.g_optimizer.iterations) == 4 and int(resumed.d_optimizer.iterations) == 8
    # each schedule follows its own optimizer's step count: critic_steps=2 critic steps per generator step
    assert history.history["g_lr"] == pytest.approx([1e-3 / 2**3, 1e-3 / 2**4])
    assert history.history["d_lr"] == pytest.approx([1e-3 / 2**6, 1e-3 / 2**8])
    with open(run.history_csv, newline="") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1", "2", "3"]
    assert sorted(curves[1].epochs) == [1, 2, 3, 4]  # loss curves span the interruption
    assert run.is_resumable()  # kept after completion, so a rerun with more epochs continues

    # Keras' epoch-wise schedulers refuse optimizers that already follow a LearningRateSchedule, both unchanged.
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr)
    schedule.set_model(resumed)
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        schedule.on_epoch_begin(0)


@pytest.mark.compat_smoke
def test_terminate_on_nan_reads_gan_losses(gan):
    stop = TerminateOnNaN()
    stop.set_model(gan)
    stop.on_epoch_begin(2)
    stop.on_batch_end(0, {"d_loss": 1.0, "g_loss": 2.0})
    with pytest.raises(TrainingDivergedError, match="g_loss became inf in epoch 3, batch 5"):
        stop.on_batch_end(4, {"d_loss": 1.0, "g_loss": float("inf")})
    graceful = TerminateOnNaN(raise_error=False)
    graceful.set_model(gan)
    graceful.on_batch_end(0, {"d_loss": float("nan")})
    assert gan.stop_training
    gan.stop_training = False
