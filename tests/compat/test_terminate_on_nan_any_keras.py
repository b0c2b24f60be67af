"""`TerminateOnNaN` on a Keras whose own `TerminateOnNaN` takes no ``raise_error`` (before Keras 3.13)."""

import keras
import pytest

from keras_s2p.callbacks import TerminateOnNaN, TrainingDivergedError

pytestmark = pytest.mark.compat_smoke


class _Model:
    stop_training = False


@pytest.mark.parametrize("raise_error", [True, False])
def test_terminate_on_nan_without_keras_raise_error(monkeypatch, raise_error):
    # Keras 3.12 and older: TerminateOnNaN has no __init__ of its own, Callback.__init__ takes no arguments.
    monkeypatch.setattr(keras.callbacks.TerminateOnNaN, "__init__", keras.callbacks.Callback.__init__)
    stop = TerminateOnNaN(raise_error=raise_error, check_weights=False)
    model = _Model()
    stop.set_model(model)
    if raise_error:
        with pytest.raises(TrainingDivergedError, match="d_loss became nan in epoch 1, batch 1"):
            stop.on_batch_end(0, {"d_loss": float("nan")})
    else:
        stop.on_batch_end(0, {"d_loss": float("nan")})
        assert model.stop_training
