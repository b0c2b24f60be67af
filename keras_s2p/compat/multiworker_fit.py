"""Make Keras 3 ``fit()`` work under `tf.distribute.MultiWorkerMirroredStrategy` (TensorFlow backend).

The bug: with Keras 3 (checked up to 3.15.1, TensorFlow 2.21) even a one-layer model's ``fit()`` fails as soon as
a MultiWorkerMirroredStrategy spans more than one worker (keras-team/keras#20585, tensorflow/tensorflow#72388)::

    ValueError: Attempt to convert a value (PerReplica:{...}) with an unsupported type ... to a Tensor.

Two functions of ``keras/src/backend/tensorflow/trainer.py`` cause it:

1. ``TensorFlowTrainer._maybe_symbolic_build`` builds the model from the first distributed batch reduced with
   ``strategy.reduce("MEAN", batch, axis=None)``, which in multi-worker mode cannot convert the per-replica
   batch. Only shapes and dtypes matter for a symbolic build, so one local replica's batch is used instead.
2. ``reduce_per_replica`` reduces every output of ``train_step`` with ``strategy.reduce("MEAN", v, axis=0)`` in
   multi-worker mode; for the scalar logs a ``train_step`` returns there is no axis 0 ("invalid reduction
   dimension"). Scalars are reduced with ``axis=None`` (the mean over replicas) instead.

The patch applies only where needed:

* `apply()` patches only Keras versions in `AFFECTED_KERAS_VERSIONS` (a newer Keras is left alone: when upstream
  fixes the bug, ``tests/test_multiworker.py::test_unpatched_keras_still_fails`` starts failing and says so);
* the patched functions change behaviour only when the strategy is a MultiWorkerMirroredStrategy in multi-worker
  mode; everything else calls the original Keras code.

`apply_for(strategy)` applies it under a MultiWorkerMirroredStrategy: `SketchToPhotoGAN.compile` calls it with
the model's strategy, however that strategy was created, and `keras_s2p.distribute.make_strategy` with the one
it returns (for any Keras model); call it yourself for other models under a strategy you create. `apply()` is
idempotent and `remove()` restores Keras.
"""

import logging

import keras
import tensorflow as tf
from keras.src import tree
from keras.src.backend.tensorflow import trainer as _tf_trainer

from keras_s2p.compat.versions import keras_in

logger = logging.getLogger(__name__)

#: Keras versions with the bug and the two functions patched, as ``(first, last)`` inclusive ``(major, minor)``
#: pairs: 3.5 added ``_maybe_symbolic_build``; 3.15 is the last checked.
AFFECTED_KERAS_VERSIONS = ((3, 5), (3, 15))

_original = {}


def needs_fix(version=None):
    """Whether Keras `version` (default: the installed one) is known to have the bug."""
    return keras.backend.backend() == "tensorflow" and keras_in(AFFECTED_KERAS_VERSIONS, version)


def is_applied():
    """Whether the patch is in place."""
    return bool(_original)


def in_multi_worker_mode(strategy):
    """True for a MultiWorkerMirroredStrategy that spans more than one worker: the case the patch changes."""
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return False
    try:
        return bool(strategy.extended._in_multi_worker_mode())
    except AttributeError:
        return False


def _local_value(x, strategy):
    if isinstance(x, tf.distribute.DistributedValues):
        return strategy.experimental_local_results(x)[0]
    return x


def _maybe_symbolic_build(self, iterator=None, data_batch=None):
    """Keras' ``TensorFlowTrainer._maybe_symbolic_build``, building from one local replica's batch (fix 1)."""
    strategy = self._distribute_strategy
    if not in_multi_worker_mode(strategy):
        return _original["_maybe_symbolic_build"](self, iterator=iterator, data_batch=data_batch)
    if iterator is not None:
        for _, _, it in iterator:
            # Fix 1: one local replica's batch (shapes/dtypes are all the symbolic build needs).
            data_batch = tree.map_structure(lambda x: _local_value(x, strategy), next(it))
            break
    with strategy.scope():
        self._symbolic_build(data_batch=data_batch)


def _is_scalar(v, strategy):
    value = _local_value(v, strategy)
    shape = getattr(value, "shape", None)
    return shape is not None and shape.rank == 0


def reduce_per_replica(values, strategy, reduction):
    """Keras' ``reduce_per_replica``, reducing scalars with ``axis=None`` (fix 2)."""
    original = _original["reduce_per_replica"]
    resolved = reduction
    if reduction == "auto":
        resolved = "first" if isinstance(strategy, tf.distribute.TPUStrategy) else "mean"
    if resolved != "mean" or not in_multi_worker_mode(strategy):
        return original(values, strategy, reduction)

    def _reduce(v):
        if _is_scalar(v, strategy):
            return strategy.reduce("MEAN", v, axis=None)  # Fix 2: a scalar has no axis 0
        return original(v, strategy, reduction)

    return tree.map_structure(_reduce, values)


def apply(force=False):
    """Patch Keras' TensorFlow trainer if this Keras version needs it; idempotent.

    Args:
        force: patch even a Keras version not in `AFFECTED_KERAS_VERSIONS` (e.g. a newer one that turns out to
            still have the bug).

    Returns:
        True when the patch is in place after the call.
    """
    if _original:
        return True
    if not (force or needs_fix()):
        logger.info("Keras %s is not known to need the multi-worker fit() fix; not patching", keras.__version__)
        return False
    _original["_maybe_symbolic_build"] = _tf_trainer.TensorFlowTrainer._maybe_symbolic_build
    _original["reduce_per_replica"] = _tf_trainer.reduce_per_replica
    _tf_trainer.TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
    _tf_trainer.reduce_per_replica = reduce_per_replica
    return True


def apply_for(strategy):
    """`apply()` when `strategy` is a MultiWorkerMirroredStrategy (the only one the bug hits); the rule both
    `keras_s2p.distribute.make_strategy` and `SketchToPhotoGAN.compile` follow.

    Returns:
        True when the patch is in place after the call.
    """
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and apply()


def remove():
    """Undo `apply()` (functions traced while patched keep the patched behaviour)."""
    if not _original:
        return
    _tf_trainer.TensorFlowTrainer._maybe_symbolic_build = _original.pop("_maybe_symbolic_build")
    _tf_trainer.reduce_per_replica = _original.pop("reduce_per_replica")
