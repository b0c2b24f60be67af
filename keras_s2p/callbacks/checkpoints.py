"""Checkpoint wiring: periodic and best-by-metric weight files, and the `BackupAndRestore` backup."""

import json
from pathlib import Path

import keras

from keras_s2p.atomic import atomic_path, atomic_write_text
from keras_s2p.errors import ConfigError
from keras_s2p.runs import RunFolder


class EpochModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`keras.callbacks.ModelCheckpoint` that saves every `every` epochs and writes atomically.

    ModelCheckpoint's integer ``save_freq`` counts batches, not epochs; this saves at the end of the epochs that
    are multiples of `every` (1-based). Files are written under a temporary name and moved into place, so an
    interrupted save never leaves a truncated checkpoint. With ``save_best_only=True`` the best value is kept in
    a ``.json`` next to the weights (``best.weights.h5`` -> ``best.json``) and read back when training starts,
    so a resumed run does not overwrite the best checkpoint with a worse one.

    Args:
        filepath: as for ModelCheckpoint (``{epoch:04d}`` etc. are filled in; 1-based epoch).
        every: epochs between saves.
        **kwargs: passed to ModelCheckpoint (``monitor``, ``mode``, ``save_best_only``, ``save_weights_only``...).
    """

    def __init__(self, filepath, every=1, **kwargs):
        if kwargs.get("save_freq", "epoch") != "epoch":
            raise ConfigError("EpochModelCheckpoint saves per epoch: use every=, not save_freq=")
        if every < 1:
            raise ConfigError(f"EpochModelCheckpoint every={every!r} must be >= 1")
        super().__init__(filepath, **kwargs)
        self.every = int(every)
        self.best_path = Path(self.filepath.removesuffix(".weights.h5").removesuffix(".keras") + ".json")

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.save_best_only and self.best_path.is_file():
            self.best = json.loads(self.best_path.read_text())[self.monitor]

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            super().on_epoch_end(epoch, logs)

    # Overrides ModelCheckpoint's private `_save_model` (Keras 3.x) to save through `atomic_path`.
    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, batch, logs, filepath):
            return
        with atomic_path(filepath) as tmp:
            if self.save_weights_only:
                self.model.save_weights(tmp, overwrite=True)
            else:
                self.model.save(tmp, overwrite=True)
        if self.save_best_only and self.best is not None:
            atomic_write_text(self.best_path, json.dumps({self.monitor: float(self.best), "epoch": epoch + 1}))


def checkpoint_callbacks(run_dir, every=10, best_monitor="val_ssim", best_mode="max"):
    """Weight checkpoints under ``<run_dir>/checkpoints``.

    Args:
        run_dir: a `RunFolder` or its path.
        every: epochs between ``epoch_XXXX.weights.h5`` files (1-based epoch numbers).
        best_monitor: the metric for ``best.weights.h5``; ``None`` for no best checkpoint (e.g. no
            validation data: Keras would otherwise warn and save every epoch).
        best_mode: ``"max"`` or ``"min"``.

    Returns:
        list of `EpochModelCheckpoint`: the periodic one, then the best one.

    Example:
        >>> gan.load_weights("logs/run/checkpoints/best.weights.h5")  # restores both networks and optimizers
    """
    checkpoints = RunFolder(run_dir).checkpoints_dir
    callbacks = [EpochModelCheckpoint(checkpoints / "epoch_{epoch:04d}.weights.h5", every=every,
                                      save_weights_only=True)]
    if best_monitor is not None:
        callbacks.append(EpochModelCheckpoint(checkpoints / "best.weights.h5", monitor=best_monitor, mode=best_mode,
                                              save_best_only=True, save_weights_only=True))
    return callbacks


def backup_and_restore(run_dir, double_checkpoint=True, delete_checkpoint=False):
    """`keras.callbacks.BackupAndRestore` on ``<run_dir>/backup``: rerunning ``fit`` resumes the run.

    The backup holds the weights of both networks, both optimizers' state (built in
    `SketchToPhotoGAN.compile`, so nothing is dropped on restore) and the epoch. It is kept when ``fit``
    completes (unlike Keras' default), so rerunning a finished run with more epochs continues it rather than
    starting over. `double_checkpoint` keeps the previous backup too, in case the process dies mid-save.

    Args:
        run_dir: a `RunFolder` or its path.
        double_checkpoint: passed to BackupAndRestore.
        delete_checkpoint: passed to BackupAndRestore: delete the backup when training completes.
    """
    return keras.callbacks.BackupAndRestore(str(RunFolder(run_dir).backup_dir), double_checkpoint=double_checkpoint,
                                            delete_checkpoint=delete_checkpoint)
