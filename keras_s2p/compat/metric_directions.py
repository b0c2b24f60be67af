"""Tell Keras' callbacks in mode ``"auto"`` which way a custom metric should move (Keras has no public API for it).

`keras.callbacks.EarlyStopping`, `ReduceLROnPlateau` and `ModelCheckpoint` (``MonitorCallback._set_monitor_op``,
Keras 3.x) look for the monitored metric in ``model.metrics`` inside `keras.src.trainers.compile_utils.MetricsList`
containers and read its private ``_direction`` (``"up"``: maximise, else minimise). This module holds both
internals, so `keras_s2p.metrics` uses no private Keras name itself, and
``tests/compat/test_compat_metric_directions.py`` runs plain Keras to check that it still reads them: when that
test fails, Keras has changed how mode "auto" learns directions, and this module must follow.
"""

from keras.src.trainers.compile_utils import MetricsList  # the container mode "auto" reads directions from

__all__ = ["MetricsList", "set_direction"]


def set_direction(metric, direction):
    """Mark `metric` (a `keras.metrics.Metric`) as one to maximise (``"up"``) or minimise (``"down"``)."""
    metric._direction = direction
