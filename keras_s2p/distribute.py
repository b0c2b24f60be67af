"""Scale-out training on `tf.distribute`: one strategy name per setup, and chief-only writing.

Typical use (what ``s2p train --strategy NAME`` does)::

    strategy = make_strategy("mirrored")          # FIRST, before any other TensorFlow op in the process
    with strategy.scope():                        # model and both optimizers are created in the scope
        gan = SketchToPhotoGAN(image_size=128, generator_norm="sync_batch")
        gan.compile()
    gan.fit(
        train_ds.batch(per_replica_batch * strategy.num_replicas_in_sync),    # the *global* batch
        epochs=100,
        callbacks=[keras.callbacks.BackupAndRestore(worker_dir("runs/x/backup", strategy))],
    )
    with chief_path("runs/x/generator.keras", strategy) as path:   # every worker saves, only the chief keeps it
        gan.generator.save(path)

Strategies (`STRATEGIES`):

* ``"default"``: no distribution (`tf.distribute.get_strategy()`); one device.
* ``"mirrored"``: `tf.distribute.MirroredStrategy` over all GPUs of this machine (the CPU when there is none).
* ``"multiworker"``: `tf.distribute.MultiWorkerMirroredStrategy`; the cluster comes from ``TF_CONFIG``. Applies
  the Keras fix in `keras_s2p.compat.multiworker_fit` (Keras 3 ``fit()`` is broken upstream under this
  strategy).
* ``"tpu"``: `tf.distribute.TPUStrategy` on the Cloud TPU found by `TPUClusterResolver` (``tpu=`` names it;
  empty finds a TPU VM's local TPU).

Any `tf.distribute.Strategy` object may be passed instead of a name.

Batch size and learning rate: keep the *per-replica* batch you tuned on one device and multiply it by
``strategy.num_replicas_in_sync`` to get the global batch (`global_batch_size`); then scale Adam's learning rate
with the square root of that factor (`scale_learning_rate`, the default ``"sqrt"`` rule). Linear scaling is the
SGD rule; with Adam and a GAN it often destabilises the critic beyond a few replicas.
"""

import contextlib
import json
import math
import os
import shutil
import tempfile

import tensorflow as tf

from keras_s2p.errors import ConfigError, first_line
from keras_s2p.models.choices import STRATEGIES

LR_RULES = ("sqrt", "linear", "none")

_STARTUP_HINT = (
    "create the strategy before any other TensorFlow op runs in the process "
    "(call keras_s2p.distribute.make_strategy first)"
)


def make_strategy(name_or_strategy="default", tpu=None):
    """Return the `tf.distribute.Strategy` for a name, or the strategy passed in.

    Call it before anything else touches TensorFlow: multi-worker collectives and TPUs are configured at program
    startup.

    Args:
        name_or_strategy: one of `STRATEGIES` (case-insensitive), or a `tf.distribute.Strategy`.
        tpu: for ``"tpu"``: the TPU name or ``grpc://`` address; ``None`` or ``""`` finds the local TPU (TPU VM).

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ConfigError: unknown name, malformed ``TF_CONFIG``, no TPU, or TensorFlow already initialised.

    Example:
        >>> strategy = make_strategy("mirrored")
        >>> strategy.num_replicas_in_sync   # number of GPUs (1 on a CPU-only machine)
    """
    strategy = _strategy(name_or_strategy, tpu)
    from keras_s2p.compat import multiworker_fit  # imports Keras: only once the strategy exists

    multiworker_fit.apply_for(strategy)
    return strategy


def _strategy(name_or_strategy, tpu):
    if isinstance(name_or_strategy, tf.distribute.Strategy):
        return name_or_strategy
    if not isinstance(name_or_strategy, str) or name_or_strategy.lower() not in STRATEGIES:
        raise ConfigError(f"strategy={name_or_strategy!r} is not one of {STRATEGIES} or a tf.distribute.Strategy")
    name = name_or_strategy.lower()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        tf_config = os.environ.get("TF_CONFIG")
        if tf_config:
            try:
                json.loads(tf_config)
            except ValueError as e:
                raise ConfigError(f"TF_CONFIG is not valid JSON ({e}); see docs/distributed.md") from None
        try:
            return tf.distribute.MultiWorkerMirroredStrategy()
        except (RuntimeError, ValueError) as e:
            message = first_line(e, None)
            hint = f"; {_STARTUP_HINT}" if "startup" in message or "initialized" in message else ""
            raise ConfigError(f"cannot create MultiWorkerMirroredStrategy: {message}{hint}") from None
    # "tpu"
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    except Exception as e:  # noqa: BLE001 - every failure here means "no usable TPU"
        raise ConfigError(f"no TPU available (tpu={tpu!r}): {first_line(e, None)}") from None


def _task(strategy=None):
    """``(task_type, task_id, cluster_dict)`` from the strategy's resolver, else from ``TF_CONFIG``."""
    resolver = getattr(strategy, "cluster_resolver", None) if strategy is not None else None
    if resolver is not None and getattr(resolver, "task_type", None) is not None:
        try:
            cluster = resolver.cluster_spec().as_dict()
        except Exception:  # noqa: BLE001 - a resolver without a cluster spec is a single worker
            cluster = {}
        return resolver.task_type, resolver.task_id, cluster
    try:
        tf_config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    except ValueError:
        return None, None, {}
    task = tf_config.get("task") or {}
    return task.get("type"), task.get("index"), tf_config.get("cluster") or {}


def is_chief(strategy=None):
    """Whether this process is the chief, the one worker that writes samples, checkpoints and models.

    The chief is the ``"chief"`` task, else worker 0 of a cluster without a ``"chief"`` (TF_CONFIG convention).
    A process without ``TF_CONFIG`` (single machine, mirrored, TPU, default) is the chief.

    Args:
        strategy: the strategy in use (its cluster resolver is read when it has one); ``None`` reads ``TF_CONFIG``.
    """
    if strategy is not None and not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True
    task_type, task_id, cluster = _task(strategy)
    if task_type is None:
        return True
    if task_type == "chief":
        return True
    return task_type == "worker" and int(task_id or 0) == 0 and "chief" not in cluster


def worker_id(strategy=None):
    """A short name of this worker, ``"chief"`` or e.g. ``"worker-1"``; unique within the cluster."""
    task_type, task_id, _ = _task(strategy)
    if task_type is None or task_type == "chief":
        return "chief"
    return f"{task_type}-{int(task_id or 0)}"


def worker_index(strategy=None):
    """``(index, count)`` of this worker among a multi-worker cluster's workers (the chief first), else ``None``."""
    task_type, task_id, cluster = _task(strategy)
    count = len(cluster.get("chief", ())) + len(cluster.get("worker", ()))
    if task_type is None or count < 2:
        return None
    index = 0 if task_type == "chief" else int(task_id or 0) + len(cluster.get("chief", ()))
    return index, count


def worker_dir(directory, strategy=None):
    """A per-worker subdirectory of `directory` for files every worker must write for itself.

    `keras.callbacks.BackupAndRestore` writes its backup on every worker; give it ``worker_dir(backup_dir)`` so
    workers sharing a file system do not overwrite each other. Returns `directory` itself on a single worker.
    """
    task_type, _, _ = _task(strategy)
    if task_type is None:
        return os.fspath(directory)
    return os.path.join(os.fspath(directory), worker_id(strategy))


@contextlib.contextmanager
def chief_path(path, strategy=None):
    """Yield the path to write `path` to: `path` itself on the chief, a temporary file elsewhere, deleted after.

    Under `MultiWorkerMirroredStrategy` every worker must take part in saving (reading some variables runs
    collective ops), but only the chief's file is kept: the pattern the TensorFlow multi-worker guide recommends.

    Example:
        >>> with chief_path("run/generator.keras", strategy) as path:
        ...     gan.generator.save(path)
    """
    path = os.fspath(path)
    if is_chief(strategy):
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        yield path
        return
    temp_dir = tempfile.mkdtemp(prefix=f"s2p-{worker_id(strategy)}-")
    try:
        yield os.path.join(temp_dir, os.path.basename(path))
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)


def global_batch_size(per_replica_batch_size, strategy):
    """The global batch to pass to ``dataset.batch()``: per-replica batch times the replicas in sync."""
    if int(per_replica_batch_size) < 1:
        raise ConfigError(f"per_replica_batch_size={per_replica_batch_size!r} must be >= 1")
    return int(per_replica_batch_size) * strategy.num_replicas_in_sync


def scale_learning_rate(base_learning_rate, replicas, rule="sqrt"):
    """Learning rate for `replicas` times the batch the base rate was tuned on.

    Args:
        base_learning_rate: the rate tuned on one device (e.g. 2e-4, the default Adam rate).
        replicas: the factor by which the global batch grew (``strategy.num_replicas_in_sync``).
        rule: ``"sqrt"`` (recommended for Adam: ``lr * sqrt(replicas)``), ``"linear"`` (``lr * replicas``, the
            SGD rule) or ``"none"``.
    """
    if rule not in LR_RULES:
        raise ConfigError(f"rule={rule!r} is not one of {LR_RULES}")
    if int(replicas) < 1:
        raise ConfigError(f"replicas={replicas!r} must be >= 1")
    factor = {"sqrt": math.sqrt(replicas), "linear": float(replicas), "none": 1.0}[rule]
    return float(base_learning_rate) * factor


def shard_per_worker(dataset, policy="data"):
    """Set how `dataset` is split between workers when ``fit()`` distributes it.

    ``fit()`` distributes a `tf.data.Dataset` with the strategy and shards it per worker. The default sharding
    (AUTO) shards by *file* when the pipeline reads files, which fails or leaves workers idle when there are fewer
    files than workers; ``"data"`` (the default here) makes every worker read everything and keep its own 1/N of
    the elements, which always works. ``"file"`` is faster for many large files; ``"off"`` feeds every worker all
    the data (each worker then needs its own shuffling seed).

    Args:
        dataset: a `tf.data.Dataset`.
        policy: ``"data"``, ``"file"``, ``"auto"`` or ``"off"``.

    Returns:
        The dataset with the sharding option set.
    """
    policies = {
        "data": tf.data.experimental.AutoShardPolicy.DATA,
        "file": tf.data.experimental.AutoShardPolicy.FILE,
        "auto": tf.data.experimental.AutoShardPolicy.AUTO,
        "off": tf.data.experimental.AutoShardPolicy.OFF,
    }
    if policy not in policies:
        raise ConfigError(f"shard policy={policy!r} is not one of {tuple(policies)}")
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = policies[policy]
    return dataset.with_options(options)


__all__ = [
    "STRATEGIES",
    "make_strategy",
    "is_chief",
    "worker_id",
    "worker_dir",
    "worker_index",
    "chief_path",
    "global_batch_size",
    "scale_learning_rate",
    "shard_per_worker",
]
