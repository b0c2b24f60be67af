"""keras_s2p.compat.metric_directions: plain Keras still reads a metric's direction where the module puts it."""

import keras
import pytest
from keras import ops

from keras_s2p.compat.metric_directions import MetricsList, set_direction


class Scored(keras.Model):
    """A model whose only metric is `score`, listed the way `SketchToPhotoGAN` lists its trackers."""

    def __init__(self, direction):
        super().__init__()
        self.score = keras.metrics.Mean(name="score")
        set_direction(self.score, direction)
        self.listed = MetricsList([self.score], name="scores")

    @property
    def metrics(self):
        return [self.listed]

    def call(self, x):
        return x


@pytest.mark.parametrize("direction, op", [("up", ops.greater), ("down", ops.less)])
def test_keras_auto_mode_reads_the_direction(direction, op):
    # When this fails, Keras learns directions another way: keras_s2p.compat.metric_directions must follow.
    stop = keras.callbacks.EarlyStopping(monitor="val_score")
    stop.set_model(Scored(direction))
    stop._set_monitor_op()  # what Keras does at the first epoch end
    assert stop.monitor_op is op
