"""Run folders: one ``logs/<run-name>/`` per training run, holding everything that run writes.

Layout::

    logs/20240131-142501/
        config.json         hyperparameters, package versions, data fingerprint, created/resumed times
        history.csv         per-epoch metrics (CSVLogger, appended on resume)
        loss_curves.png     training curves (LossCurves)
        samples/            epoch_0010.png, ... (SampleGrid)
        tensorboard/        train/, validation/, samples/ event files
        checkpoints/        epoch_0010.weights.h5, ..., best.weights.h5
        backup/             BackupAndRestore state; present only while a run is unfinished
        model.keras         the full GAN (both networks and optimizers)
        generator.keras     the generator alone, for inference

Rerunning the same command on a run folder whose ``backup/`` exists resumes that run (`RunFolder.is_resumable`).
"""

import datetime
import json
import platform
import shutil
from importlib import metadata
from pathlib import Path

from keras_s2p.atomic import atomic_write_text, existing_folder
from keras_s2p.errors import ConfigError, OutputError, S2PError

RUN_NAME_FORMAT = "%Y%m%d-%H%M%S"
MIN_FREE_BYTES = 100 * 2**20  # room for a few checkpoints of a default-size model


class RunFolderError(S2PError, OSError):
    """The run folder cannot be created or written (permissions, a file in the way, disk full)."""


def _now():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def package_versions():
    """Versions of python, tensorflow, keras, numpy and keras_s2p (``None`` for a missing package)."""
    versions = {"python": platform.python_version()}
    for name, dist in (("tensorflow", "tensorflow"), ("keras", "keras"), ("numpy", "numpy"),
                       ("keras_s2p", "keras-s2p")):
        try:
            versions[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


class RunFolder:
    """The folder of one training run and the paths inside it.

    Args:
        path: the run folder (need not exist yet).

    Example:
        >>> run = RunFolder.create("logs")           # logs/20240131-142501
        >>> run.ensure_writable()
        >>> run.write_config({"epochs": 200, "image_size": 128}, data_fingerprint="sha1:...")
        >>> gan.fit(..., callbacks=default_callbacks(run, (sketches, photos)))
    """

    def __init__(self, path):
        self.path = Path(path)

    @classmethod
    def create(cls, root="logs", name=None):
        """A run folder ``<root>/<name>``; `name` defaults to the current date and time (``%Y%m%d-%H%M%S``).

        The folder is not created here: `ensure_writable` does that, reporting problems as `RunFolderError`.
        """
        return cls(Path(root) / (name or datetime.datetime.now().strftime(RUN_NAME_FORMAT)))

    def __repr__(self):
        return f"RunFolder({str(self.path)!r})"

    def __fspath__(self):
        return str(self.path)

    # Paths inside the run folder.
    tensorboard_dir = property(lambda self: self.path / "tensorboard")
    samples_dir = property(lambda self: self.path / "samples")
    checkpoints_dir = property(lambda self: self.path / "checkpoints")
    backup_dir = property(lambda self: self.path / "backup")
    config_path = property(lambda self: self.path / "config.json")
    history_csv = property(lambda self: self.path / "history.csv")
    loss_curves_png = property(lambda self: self.path / "loss_curves.png")
    model_path = property(lambda self: self.path / "model.keras")
    generator_path = property(lambda self: self.path / "generator.keras")

    def is_resumable(self):
        """Whether an interrupted run left a `BackupAndRestore` backup here (``fit`` would resume it)."""
        return (self.backup_dir / "latest.weights.h5").is_file()

    def ensure_writable(self, min_free_bytes=MIN_FREE_BYTES, create=True):
        """Check the folder can be written, so a bad path fails before training, not after.

        Args:
            min_free_bytes: fail when the disk has less free space than this.
            create: create the folder; ``False`` leaves that to its first file, so a run that fails before
                writing one (bad data) leaves no empty folder behind (`keras_s2p.training.train`).

        Raises:
            RunFolderError: the folder cannot be created or written, or the disk is (nearly) full.
        """
        try:
            folder = existing_folder(self.config_path)
            if create:
                self.path.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(folder).free
        except OutputError as e:
            raise RunFolderError(f"run folder {self.path} is not writable: {e.reason}") from None
        except OSError as e:
            raise RunFolderError(f"run folder {self.path} is not writable: {e.strerror or e}") from None
        if free < min_free_bytes:
            raise RunFolderError(
                f"run folder {self.path} is on a disk with only {free / 2**20:.0f} MiB free "
                f"(need {min_free_bytes / 2**20:.0f} MiB)"
            )

    def check_resume(self, settings, keys):
        """Check that resuming this run with `settings` keeps the values of `keys` it was started with.

        Args:
            settings: the new run's settings (as written by `write_config`).
            keys: the settings that decide what the run's backup holds (architecture, optimizer variables).

        Raises:
            ConfigError: a key whose value differs from the recorded one (each one named, old -> new).
        """
        previous = self.read_config()
        if previous is None:
            return
        before = previous.get("hyperparameters", {})
        changed = [f"{key} {before.get(key)!r} -> {settings.get(key)!r}" for key in keys
                   if key in before and key in settings and before[key] != settings[key]]
        if changed:
            raise ConfigError(f"run folder {self.path} was started with other settings ({'; '.join(changed)}); "
                              f"use the same settings to resume it or another --run-dir")

    def read_config(self):
        """The ``config.json`` contents, or ``None`` when there is none yet."""
        if not self.config_path.is_file():
            return None
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    def write_config(self, hyperparameters, data_fingerprint=None):
        """Write ``config.json``: hyperparameters, package versions, data fingerprint and timestamps.

        On the first call ``created`` is set; every later call (a resumed run) appends to ``resumed``. The
        hyperparameters and versions recorded are the latest ones.

        Args:
            hyperparameters: dict of every setting the run was started with; values that are not JSON types
                are written as strings.
            data_fingerprint: a string identifying the training data, computed by the caller.

        Returns:
            dict: the configuration as written (non-JSON values as strings).
        """
        previous = self.read_config() or {}
        now = _now()
        config = {
            "hyperparameters": dict(hyperparameters),
            "data_fingerprint": data_fingerprint,
            "versions": package_versions(),
            "created": previous.get("created", now),
            "resumed": previous.get("resumed", []) + ([now] if previous else []),
        }
        text = json.dumps(config, indent=2, default=str)
        atomic_write_text(self.config_path, text + "\n")
        return json.loads(text)
