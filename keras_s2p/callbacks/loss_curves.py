"""`LossCurves`: a ``loss_curves.png`` of the training metrics, redrawn as training goes."""

import csv
import math
from pathlib import Path

import keras
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from keras_s2p.atomic import atomic_path
from keras_s2p.callbacks._optimizers import LEARNING_RATES
from keras_s2p.errors import ConfigError
from keras_s2p.metrics import EVAL_METRICS, TRAIN_METRICS, validation_name


def _groups():
    """(title, metrics on the left axis, metrics on the right axis) per panel declared in `keras_s2p.metrics`,
    then the learning rates."""
    panels = {}
    declared = [*TRAIN_METRICS.items(), *((validation_name(name), m) for name, m in EVAL_METRICS.items())]
    for name, metric in declared:
        left, right = panels.setdefault(metric.panel, ([], []))
        (right if metric.right_axis else left).append(name)
    return (*((title, tuple(left), tuple(right)) for title, (left, right) in panels.items()),
            ("learning rate", LEARNING_RATES, ()))


GROUPS = _groups()


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):  # CSVLogger writes "NA" for metrics not logged (val_* without validation)
        return float("nan")


class LossCurves(keras.callbacks.Callback):
    """Redraws a matplotlib figure of the epoch metrics every `every` epochs and at the end of training.

    One subplot per panel of `keras_s2p.metrics` (critic, generator, validation; metrics of another scale on the
    right axis) and, when logged, the learning rates. Panels with no logged metric are left out. Drawn with the
    Agg canvas (no display, no pyplot state) and written atomically.

    Args:
        path: the PNG to write (``<run>/loss_curves.png``).
        every: epochs between redraws.
        history_csv: a `CSVLogger` file of the same run; its rows are plotted too, so a resumed run's figure
            covers the epochs before the interruption.

    Example:
        >>> gan.fit(ds, epochs=100, callbacks=[LossCurves("logs/run/loss_curves.png")])
    """

    def __init__(self, path, every=1, history_csv=None):
        super().__init__()
        if every < 1:
            raise ConfigError(f"LossCurves every={every!r} must be >= 1")
        self.path = Path(path)
        self.every = int(every)
        self.history_csv = Path(history_csv) if history_csv is not None else None
        self.epochs = {}  # 1-based epoch -> {metric: value}

    def on_train_begin(self, logs=None):
        self.epochs = {}
        if self.history_csv is not None and self.history_csv.is_file():
            with open(self.history_csv, newline="") as f:
                for row in csv.DictReader(f):
                    epoch = int(row.pop("epoch")) + 1
                    values = {k: _float(v) for k, v in row.items()}
                    self.epochs[epoch] = {k: v for k, v in values.items() if not math.isnan(v)}

    def on_epoch_end(self, epoch, logs=None):
        self.epochs[epoch + 1] = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float))}
        if (epoch + 1) % self.every == 0:
            self.draw()

    def on_train_end(self, logs=None):
        if self.epochs:
            self.draw()

    def draw(self):
        """Write the figure for the epochs recorded so far."""
        epochs = sorted(self.epochs)
        logged = set().union(*self.epochs.values())
        groups = [g for g in GROUPS if logged & {*g[1], *g[2]}]
        fig = Figure(figsize=(6, 2.6 * max(len(groups), 1)), layout="constrained")
        FigureCanvasAgg(fig)
        for i, (title, left, right) in enumerate(groups):
            ax = fig.add_subplot(len(groups), 1, i + 1)
            ax.set_title(title)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes = [(ax, left, "-")]
            if logged & set(right):
                axes.append((ax.twinx(), right, "--"))
            lines = []
            for axis, names, style in axes:
                for name in names:
                    if name in logged:
                        xs = [e for e in epochs if name in self.epochs[e]]
                        lines += axis.plot(xs, [self.epochs[e][name] for e in xs], style, label=name,
                                           color=f"C{(left + right).index(name)}")
            ax.legend(lines, [line.get_label() for line in lines], fontsize="small")
        with atomic_path(self.path) as tmp:
            fig.savefig(tmp, format="png", dpi=80)
