"""The GAN's metrics, each declared once: its name, the direction it should move, and where its curve is drawn.

`SketchToPhotoGAN` builds its metric trackers from `TRAIN_METRICS` and `EVAL_METRICS`; Keras' callbacks in
``mode="auto"`` (`EarlyStopping`, `ReduceLROnPlateau`, `ModelCheckpoint`) read the directions through
``model.metrics``; `LossCurves`, `TerminateOnNaN` and ``s2p evaluate`` read the names from here.

Example:
    >>> keras.callbacks.EarlyStopping(monitor="val_ssim", patience=10)   # mode "auto" knows SSIM goes up
"""

from typing import NamedTuple

import keras

from keras_s2p.compat.metric_directions import MetricsList, set_direction
from keras_s2p.image_metrics import l1_per_image, psnr_per_image, ssim_per_image


class Metric(NamedTuple):
    """How a metric should move and where `LossCurves` draws it.

    Attributes:
        direction: ``"down"`` (lower is better), ``"up"``, or ``None`` (neither).
        panel: the `LossCurves` subplot.
        right_axis: drawn on the subplot's right axis (another scale).
        score: for evaluation metrics, the per-image score function ``score(real, fake) -> (B,)``.
    """

    direction: str | None
    panel: str
    right_axis: bool = False
    score: object = None


#: Training metrics (epoch means of every step). ``w_distance`` has no direction: the critic raises it, the
#: generator lowers it.
TRAIN_METRICS = {
    "d_loss": Metric("down", "critic"),
    "g_loss": Metric("down", "generator"),
    "gp": Metric("down", "critic", right_axis=True),
    "w_distance": Metric(None, "critic"),
    "l1": Metric("down", "generator", right_axis=True),
    "perceptual": Metric("down", "generator", right_axis=True),
    "feature_matching": Metric("down", "generator", right_axis=True),
    "kl": Metric("down", "generator", right_axis=True),
    "latent": Metric("down", "generator", right_axis=True),
}
#: Training metrics of a model with a style code only (``style_dim > 0``).
STYLE_METRICS = ("kl", "latent")
#: The totals the two optimizers minimise; the other training metrics are terms of these.
LOSS_TOTALS = ("d_loss", "g_loss")
#: Also logged in training: the sum of `LOSS_TOTALS`, under the name Keras' own callbacks read (`TerminateOnNaN`).
LOSS = "loss"
#: Evaluation metrics (``evaluate()``, and validation as ``val_<name>``): RGB in [0, 1], inference mode.
EVAL_METRICS = {
    "l1": Metric("down", "validation", score=l1_per_image),
    "psnr": Metric("up", "validation", right_axis=True, score=psnr_per_image),
    "ssim": Metric("up", "validation", score=ssim_per_image),
}
#: The validation metric the best checkpoint is chosen by.
BEST_MONITOR = "val_ssim"


class TrackerList(MetricsList):
    """Keras' `MetricsList` (where mode "auto" looks for directions) that also gives its results as ``result()``."""

    def result(self):
        return self.get_result()


def validation_name(name):
    """The log key Keras gives evaluation metric `name` during ``fit(validation_data=...)``."""
    return f"val_{name}"


def trackers(metrics, name):
    """One `keras.metrics.Mean` per metric, carrying its direction, in a container Keras' callbacks read.

    Args:
        metrics: `TRAIN_METRICS` or `EVAL_METRICS`.
        name: the container's name.

    Returns:
        (dict name -> Mean, `TrackerList` of the same trackers): update the first, list the second in
        ``model.metrics``.
    """
    means = {}
    for metric_name, metric in metrics.items():
        means[metric_name] = keras.metrics.Mean(name=metric_name)
        if metric.direction is not None:
            set_direction(means[metric_name], metric.direction)
    return means, TrackerList(list(means.values()), name=name)
