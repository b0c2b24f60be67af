"""Checkpoint wiring: periodic and best-by-metric weight files, and the `BackupAndRestore` backup."""

import json
import os
import shutil
import warnings
from pathlib import Path

import keras

from keras_s2p.atomic import _fsync, _temp_sibling, atomic_path, atomic_write_text
from keras_s2p.compat.saving_skipset import ensure_skipset_cache
from keras_s2p.errors import ConfigError, S2PError, first_line
from keras_s2p.metrics import BEST_MONITOR
from keras_s2p.runs import RunFolder

EPOCH_ATTR = "keras_s2p_epoch"  # the epoch a backup ends, stored inside the weights file itself


class BackupError(S2PError):
    """No usable backup to resume from (damaged, truncated or missing files)."""


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
        ensure_skipset_cache()  # Keras 3.15 leaks native memory per save without it (keras_s2p.compat)
        with atomic_path(filepath) as tmp:
            if self.save_weights_only:
                self.model.save_weights(tmp, overwrite=True)
            else:
                self.model.save(tmp, overwrite=True)
        if self.save_best_only and self.best is not None:
            atomic_write_text(self.best_path, json.dumps({self.monitor: float(self.best), "epoch": epoch + 1}))


def checkpoint_callbacks(run_dir, every=10, best_monitor=BEST_MONITOR, best_mode="auto"):
    """Weight checkpoints under ``<run_dir>/checkpoints``.

    Args:
        run_dir: a `RunFolder` or its path.
        every: epochs between ``epoch_XXXX.weights.h5`` files (1-based epoch numbers).
        best_monitor: the metric for ``best.weights.h5``; ``None`` for no best checkpoint (e.g. no
            validation data: Keras would otherwise warn and save every epoch).
        best_mode: ``"auto"`` (the metric's declared direction, `keras_s2p.metrics`), ``"max"`` or ``"min"``.

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


class SafeBackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that survives a kill at any moment, and says what it restores.

    Keras' version writes ``latest.weights.h5`` and ``training_metadata.json`` in place, one after the other:
    a kill during the weights write leaves a truncated file, and a kill between the two files pairs new weights
    with the old epoch (the epoch is then trained twice and the optimizers' step counts drift). Here:

    * the weights go to a temporary name, get the epoch written into the file (an HDF5 attribute), are
      fsynced, and only then renamed to ``latest.weights.h5``, so weights and epoch change together, atomically;
    * with `double_checkpoint`, the previous ``latest`` is first renamed (not copied) to
      ``latest.weights.h5.bkp``;
    * ``training_metadata.json`` is still written (atomically) for Keras and for people, but the epoch is
      read from the weights file.

    On resume the latest backup is loaded; if it is missing, truncated or unreadable, the previous one is
    loaded with a warning naming the damaged file (kept as ``latest.weights.h5.damaged``); if neither loads,
    `BackupError` names the files.
    ``restored_epoch`` is the epoch training continues from (``None`` on a fresh start).
    """

    restored_epoch = None

    def on_train_begin(self, logs=None):
        self.restored_epoch = None
        latest, previous = Path(self._weights_path), Path(self._prev_weights_path)
        metas = {latest: Path(self._training_metadata_path), previous: Path(self._prev_training_metadata_path)}
        if not latest.exists() and not previous.exists():
            return
        if not self.model.built:
            super()._load_model()  # raises Keras' "model must be built" error
        problems = []
        for path in (latest, previous):
            if not path.exists():
                problems.append(f"{path} is missing")
                continue
            try:
                epoch = self._read_epoch(path, metas[path])
                if path == previous:  # Keras only loads "*.weights.h5" names: the previous becomes the latest
                    if latest.exists():
                        os.replace(latest, latest.with_name(latest.name + ".damaged"))  # kept for inspection
                    with atomic_path(latest) as tmp:
                        shutil.copyfile(previous, tmp)
                    path = latest
                self.model.load_weights(path)
            except Exception as error:  # h5py/Keras raise OSError, ValueError, KeyError... for damaged files
                problems.append(f"{path} is damaged or partial ({type(error).__name__}: {first_line(error, 160)})")
                continue
            if problems:
                warnings.warn(f"{'; '.join(problems)}: resuming from the previous backup {previous} (epoch {epoch})",
                              stacklevel=2)
            self.model._initial_epoch = epoch
            self.restored_epoch = epoch
            return
        raise BackupError(f"cannot resume: {'; '.join(problems)}; delete {self.backup_dir} to start the run over")

    @staticmethod
    def _read_epoch(weights_path, metadata_path):
        import h5py

        with h5py.File(weights_path, "r") as f:
            epoch = f.attrs.get(EPOCH_ATTR)
        if epoch is not None:
            return int(epoch)
        # A backup written by Keras' own BackupAndRestore: the epoch is only in the metadata file.
        return int(json.loads(Path(metadata_path).read_text())["epoch"])

    def _save_model(self):
        import h5py

        backup = Path(self.backup_dir)
        backup.mkdir(parents=True, exist_ok=True)
        latest, previous = Path(self._weights_path), Path(self._prev_weights_path)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        tmp = _temp_sibling(latest)
        ensure_skipset_cache()  # Keras 3.15 leaks native memory per save without it (keras_s2p.compat)
        try:
            self.model.save_weights(tmp, overwrite=True)
            with h5py.File(tmp, "a") as f:
                f.attrs[EPOCH_ATTR] = self._current_epoch
            _fsync(tmp)
            if self.double_checkpoint and latest.exists():
                os.replace(latest, previous)
                meta = Path(self._training_metadata_path)
                if meta.exists():
                    os.replace(meta, self._prev_training_metadata_path)
            os.replace(tmp, latest)
        finally:
            tmp.unlink(missing_ok=True)
        atomic_write_text(self._training_metadata_path, json.dumps(metadata))


def backup_and_restore(run_dir, double_checkpoint=True, delete_checkpoint=False):
    """`SafeBackupAndRestore` on ``<run_dir>/backup``: rerunning ``fit`` resumes the run.

    The backup holds the weights of both networks, both optimizers' state (built in
    `SketchToPhotoGAN.compile`, so nothing is dropped on restore) and the epoch. It is kept when ``fit``
    completes (unlike Keras' default), so rerunning a finished run with more epochs continues it rather than
    starting over. `double_checkpoint` keeps the previous backup too, used when the latest one is damaged.
    Every backup file is written atomically (see `SafeBackupAndRestore`).

    Args:
        run_dir: a `RunFolder` or its path.
        double_checkpoint: keep ``latest.weights.h5.bkp``, the backup before the latest.
        delete_checkpoint: delete the backup when training completes.
    """
    return SafeBackupAndRestore(str(RunFolder(run_dir).backup_dir), double_checkpoint=double_checkpoint,
                                delete_checkpoint=delete_checkpoint)
