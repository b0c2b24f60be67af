"""`HistoryCSV`: ``history.csv`` like `keras.callbacks.CSVLogger`, rewritten atomically and trimmed on resume."""

import csv
import io
from pathlib import Path

import keras
import numpy as np

from keras_s2p.atomic import atomic_write_text


def _format(value):
    if isinstance(value, (int, float, np.number)):
        return str(float(value)) if isinstance(value, (float, np.floating)) else str(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return str(float(value))
    return str(value)


class HistoryCSV(keras.callbacks.Callback):
    """One row per epoch (``epoch`` 0-based, then the metrics in sorted order), the CSVLogger layout.

    Unlike `keras.callbacks.CSVLogger` (which appends to an open file):

    * the whole file is rewritten under a temporary name and renamed at each epoch end, so a kill never leaves
      a half-written row;
    * rows of an existing file are kept, except those of epochs at or after the first epoch this run trains:
      a run resumed from its backup repeats the interrupted epoch (or, after a fallback to the previous
      backup, two epochs) and the file still holds each epoch exactly once;
    * metrics missing from some rows (``val_*`` without validation, a term added later) are written ``NA``.

    Args:
        path: the CSV file (``<run>/history.csv``).
    """

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.rows = []
        self._trimmed = False

    def on_train_begin(self, logs=None):
        self.rows, self._trimmed = [], False
        if self.path.is_file():
            with open(self.path, newline="") as f:
                self.rows = [row for row in csv.DictReader(f) if row.get("epoch", "").strip().isdigit()]

    def on_epoch_begin(self, epoch, logs=None):
        if not self._trimmed:
            self.rows = [row for row in self.rows if int(row["epoch"]) < epoch]
            self._trimmed = True

    def on_epoch_end(self, epoch, logs=None):
        self.rows = [row for row in self.rows if int(row["epoch"]) != epoch]
        self.rows.append({"epoch": str(epoch), **{k: _format(v) for k, v in (logs or {}).items()}})
        self.write()

    def write(self):
        """Write the rows recorded so far."""
        keys = sorted({k for row in self.rows for k in row} - {"epoch"})
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["epoch", *keys], restval="NA", lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(self.rows, key=lambda row: int(row["epoch"])))
        atomic_write_text(self.path, out.getvalue())
