"""Subprocess worker for the tf.distribute tests (not a test module).

Distributed setups must be configured before TensorFlow initialises its devices or runs any op, so each runs in
a fresh process:

    python tests/support/distributed_worker.py mirrored OUT.json OPTIONS_JSON
        2 logical CPU devices; trains the same tiny GAN (OPTIONS_JSON: "style_dim", "norm", "optimizer", "steps",
        ...) from the same initial weights on the same global batches once under MirroredStrategy (2 replicas) and
        once on one device; writes both results.

    TF_CONFIG=... python tests/support/distributed_worker.py multiworker OUT.json OPTIONS_JSON
        one worker of a MultiWorkerMirroredStrategy cluster; OPTIONS_JSON: {"model": "dense"|"gan",
        "patch": bool, "epochs": int, "work_dir": str, "die_after_epoch": int|null, "style_dim": int}. "patch":
        false creates the strategy with TensorFlow's constructor and applies nothing (SketchToPhotoGAN.compile then
        applies the fix).

    TF_CONFIG=... python tests/distributed_worker.py shards OUT.json '{"pack": FOLDER}'
        one worker of a MultiWorkerMirroredStrategy cluster; iterates one epoch of the pack's training data as
        `fit()` distributes it (each worker reading its own shards) and writes the pair ids it saw (a pair's id is
        its sketch's grey level).

    TF_CONFIG=... python tests/support/distributed_worker.py pipeline OUT.json '{"data": FOLDER, "run_dir": DIR}'
        one worker of a MultiWorkerMirroredStrategy cluster; runs `keras_s2p.train` (tiny model, one epoch, no
        validation split) on a folder of image files and writes the ids of the pairs its replica's
        ``train_step`` received (a pair's id is its sketch's grey level / 10).

OUT.json holds {"ok": bool, "error": str, ...}; a multi-worker GAN worker also appends one JSON line per finished
epoch to WORK_DIR/events-<worker>.jsonl, so a worker killed with os._exit still leaves its record.
"""

import json
import os
import sys
import time
import traceback

START = time.monotonic()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

TINY = dict(image_size=32, base_filters=4, num_res_blocks=1, critic_filters=4, critic_layers=2, critic_steps=2,
            perceptual_weight=0.0, precision="float32")


def random_pairs(n, size=32, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"),
            rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"))


def write(path, result):
    with open(path + ".tmp", "w") as f:
        json.dump(result, f)
    os.replace(path + ".tmp", path)


# ------------------------------------------------------------------------------------------------- mirrored
class _ConstantRandomTF:
    """Stands in for `tf` inside keras_s2p.losses and keras_s2p.models.gan: the gradient-penalty interpolation
    weights (stateless uniform) and a style model's code noise and random codes (stateless normal) become constants.

    They are the only randomness in the GAN's train_step. Drawn per replica they cannot match a single device's
    draw, so the exactness test fixes them; the penalty and the codes are still computed per sample on each replica.
    """

    class _Random:
        @staticmethod
        def stateless_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=tf.float32, name=None):
            return tf.fill(shape, tf.constant(0.37, dtype))

        @staticmethod
        def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=tf.float32, name=None, alg="auto_select"):
            return tf.fill(shape, tf.constant(0.3, dtype))

        def __getattr__(self, name):
            return getattr(tf.random, name)

    random = _Random()

    def __getattr__(self, name):
        return getattr(tf, name)


def run_mirrored(options):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras

    import keras_s2p.losses
    import keras_s2p.models.gan
    from keras_s2p import SketchToPhotoGAN
    from keras_s2p.distribute import make_strategy

    keras_s2p.losses.tf = keras_s2p.models.gan.tf = _ConstantRandomTF()
    keras.utils.set_random_seed(1)
    steps, global_batch = options.get("steps", 3), 4
    kwargs = {**TINY, "generator_norm": options.get("norm", "sync_batch"), "gp_weight": options.get("gp_weight", 10.0),
              "style_dim": options.get("style_dim", 0)}
    optimizer = options.get("optimizer", "sgd")

    def optimizers():
        if optimizer == "sgd":  # SGD: a wrongly scaled loss changes the update (Adam would normalise it away)
            lr = options.get("learning_rate", 0.01)
            return keras.optimizers.SGD(lr), keras.optimizers.SGD(lr)
        return keras.optimizers.Adam(1e-3, beta_1=0.5, beta_2=0.9), keras.optimizers.Adam(1e-3, beta_1=0.5,
                                                                                          beta_2=0.9)

    data = random_pairs(steps * global_batch)
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(global_batch)

    strategy = make_strategy(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    results = {"replicas": strategy.num_replicas_in_sync}
    initial = None
    runs = [("mirrored", strategy, kwargs), ("single", make_strategy("default"), kwargs)]
    if options.get("also_unsynced"):  # per-replica BatchNorm statistics, for contrast
        runs.append(("mirrored_unsynced", strategy, {**kwargs, "generator_norm": "batch"}))
    for name, strat, run_kwargs in runs:
        with strat.scope():
            gan = SketchToPhotoGAN(**run_kwargs)
            g_opt, d_opt = optimizers()
            gan.compile(g_optimizer=g_opt, d_optimizer=d_opt)
        if initial is None:
            initial = gan.get_weights()
            results["initial"] = {f"{i}:{w.path}": v.tolist() for i, (w, v) in enumerate(zip(gan.weights, initial))}
        else:
            gan.set_weights(initial)
        history = gan.fit(dataset, epochs=1, verbose=0, shuffle=False).history
        results[name] = {
            "history": {k: float(v[-1]) for k, v in history.items()},
            "weights": {f"{i}:{w.path}": keras.ops.convert_to_numpy(w.value).tolist()
                        for i, w in enumerate(gan.weights)},
            "g_iterations": int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations.value)),
            # max |replica 0 - replica 1| over every weight's elements: 0 when the all-reduce kept them in sync
            "replica_spread": max(float(np.abs(values[0] - values[-1]).max()) for values in (
                [v.numpy() for v in strat.experimental_local_results(w.value)] for w in gan.weights)),
        }
    return results


# ---------------------------------------------------------------------------------------------- multiworker
def run_multiworker(options):
    from keras_s2p.compat import multiworker_fit

    patch = options.get("patch", True)
    if patch == "symbolic_build_only":  # fix 1 alone, to show that fix 2 is still needed
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        multiworker_fit.apply()
        from keras.src.backend.tensorflow import trainer

        trainer.reduce_per_replica = multiworker_fit._original["reduce_per_replica"]
    elif patch:
        from keras_s2p.distribute import make_strategy

        strategy = make_strategy("multiworker")  # first TensorFlow call of the process; applies the fix
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    import keras

    from keras_s2p.distribute import chief_path, is_chief, worker_dir, worker_id

    result = {"patched": multiworker_fit.is_applied(), "keras": keras.__version__, "is_chief": is_chief(strategy),
              "worker": worker_id(strategy),
              "replicas": strategy.num_replicas_in_sync}
    keras.utils.set_random_seed(1)  # same initial weights on every worker (MWMS also broadcasts them)
    epochs = options.get("epochs", 2)

    if options["model"] == "dense":
        x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
        y = x.sum(axis=1, keepdims=True)
        with strategy.scope():
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
            model.compile(optimizer="sgd", loss="mse")
        history = model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=epochs, verbose=0)
        result["history"] = {k: [float(v) for v in vs] for k, vs in history.history.items()}
        return result

    from keras_s2p import SketchToPhotoGAN
    from keras_s2p.distribute import shard_per_worker

    work_dir = options["work_dir"]
    events_path = os.path.join(work_dir, f"events-{worker_id(strategy)}.jsonl")
    die_after = options.get("die_after_epoch")

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            result["train_begin_s"] = time.monotonic() - START
            result["initial_epoch"] = int(self.model._initial_epoch or 0)

        def on_epoch_end(self, epoch, logs=None):
            with open(events_path, "a") as f:
                event = {"epoch": epoch, "t": time.monotonic() - START,
                         "logs": {k: float(v) for k, v in (logs or {}).items()}}
                f.write(json.dumps(event) + "\n")
            if die_after is not None and epoch == die_after:
                os._exit(3)  # simulated crash, after BackupAndRestore saved this epoch

    with strategy.scope():
        gan = SketchToPhotoGAN(**{**TINY, "generator_norm": "sync_batch", "style_dim": options.get("style_dim", 0)})
        gan.compile()
    encoder = gan.style_encoder.weights if gan.style_encoder else []
    encoder_before = [w.numpy() for w in encoder]
    dataset = shard_per_worker(tf.data.Dataset.from_tensor_slices(random_pairs(8)).batch(4))
    backup = keras.callbacks.BackupAndRestore(worker_dir(os.path.join(work_dir, "backup"), strategy))
    start = time.monotonic()
    history = gan.fit(dataset, epochs=epochs, verbose=0, callbacks=[backup, Record()])
    result["fit_s"] = time.monotonic() - start
    result["history"] = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    result["g_iterations"] = int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations.value))
    result["d_iterations"] = int(keras.ops.convert_to_numpy(gan.d_optimizer.iterations.value))
    if encoder:  # how far the style encoder moved, and a digest of its weights to compare across workers
        result["encoder_change"] = max(float(np.abs(w.numpy() - b).max()) for w, b in zip(encoder, encoder_before))
        result["encoder_digest"] = [float(np.asarray(w.numpy(), np.float64).sum()) for w in encoder]
    result["patched_after_fit"] = multiworker_fit.is_applied()
    target = os.path.join(work_dir, f"out-{worker_id(strategy)}", "generator.keras")
    with chief_path(target, strategy) as path:
        gan.generator.save(path)
        result["saved_to"] = path
    result["target"] = target
    return result


# --------------------------------------------------------------------------------------------------- shards
def run_shards(options):
    from keras_s2p.distribute import make_strategy, worker_index

    strategy = make_strategy("multiworker")
    from keras_s2p.data import paired_dataset

    worker = worker_index(strategy)
    ds = paired_dataset(options["pack"], 16, 4, augment=False, cache="none", drop_remainder=True, worker=worker)
    ids = []
    for batch in strategy.experimental_distribute_dataset(ds):
        for sketches in strategy.experimental_local_results(batch[0]):
            ids.extend(int(round((float(s.numpy().mean()) + 1) * 127.5)) for s in sketches)
    return {"worker": list(worker), "ids": ids}


# ------------------------------------------------------------------------------------------------- pipeline
def run_pipeline(options):
    from keras_s2p.distribute import make_strategy

    strategy = make_strategy("multiworker")  # first TensorFlow call of the process
    from keras_s2p import train
    from keras_s2p.models.gan import SketchToPhotoGAN

    ids = []
    train_step = SketchToPhotoGAN.train_step

    def recording_train_step(self, data):  # what fit() hands this worker's replica, batch by batch
        grey = tf.reduce_mean(data[0], axis=[1, 2, 3])
        batch_ids = tf.cast(tf.round((grey + 1.0) * 127.5 / 10.0), tf.int64)
        tf.py_function(lambda b: ids.extend(int(i) for i in b.numpy()) or 0, [batch_ids], tf.int64)
        return train_step(self, data)

    SketchToPhotoGAN.train_step = recording_train_step
    tiny = {**TINY, "critic_steps": 1}
    train(options["data"], run_dir=options["run_dir"], strategy=strategy, epochs=1, batch_size=2,
          validation_split=0, augment=False, verbose=0, **tiny)
    return {"ids": ids, "replicas": strategy.num_replicas_in_sync}


def main():
    mode, out, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3] if len(sys.argv) > 3 else "{}")
    try:
        run = {"mirrored": run_mirrored, "shards": run_shards, "pipeline": run_pipeline}.get(mode, run_multiworker)
        result = {"ok": True, **run(options)}
    except Exception as e:  # noqa: BLE001 - reported to the test
        result = {"ok": False, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
    result["total_s"] = time.monotonic() - START
    write(out, result)
    sys.stdout.flush()
    os._exit(0 if result["ok"] else 1)  # skip slow TF teardown


if __name__ == "__main__":
    main()
