"""`train()`: one training run end to end, the way ``s2p train`` runs it.

Data in, run folder out: checks the run folder before anything heavy, builds the datasets, the model (inside
the distribution strategy's scope) and the callbacks, trains with ``fit()`` (resuming an interrupted run in the
same folder), and writes ``model.keras`` and ``generator.keras``.
"""

from pathlib import Path

from keras_s2p.atomic import remove_leftovers
from keras_s2p.errors import ConfigError
from keras_s2p.models.gan_options import ARCHITECTURE_KEYS, MODEL_DEFAULTS, default_downsamples
from keras_s2p.options import TRAINING_DEFAULTS as DEFAULTS


def train(
    data=None,
    *,
    run_dir=None,
    logs_dir="logs",
    run_name=None,
    epochs=DEFAULTS["epochs"],
    batch_size=DEFAULTS["batch_size"],
    validation_split=DEFAULTS["validation_split"],
    steps_per_epoch=DEFAULTS["steps_per_epoch"],
    cache=DEFAULTS["cache"],
    shuffle_buffer=DEFAULTS["shuffle_buffer"],
    seed=DEFAULTS["seed"],
    sample_every=DEFAULTS["sample_every"],
    checkpoint_every=DEFAULTS["checkpoint_every"],
    num_samples=4,
    side_by_side=None,
    augment=DEFAULTS["augment"],
    sketch_style=DEFAULTS["sketch_style"],
    xdog_mix=DEFAULTS["xdog_mix"],
    builtin_pairs=DEFAULTS["builtin_pairs"],
    g_learning_rate=DEFAULTS["g_learning_rate"],
    d_learning_rate=DEFAULTS["d_learning_rate"],
    lr_decay_epochs=DEFAULTS["lr_decay_epochs"],
    ema_momentum=DEFAULTS["ema_momentum"],
    require_perceptual=False,
    strategy=None,
    tpu=None,
    callbacks=(),
    verbose="auto",
    deterministic=False,
    **model_options,
):
    """Train a `SketchToPhotoGAN` into a run folder; rerunning with the same folder resumes it.

    Args:
        data: a paired data folder (see `keras_s2p.data.find_pairs`), or ``None`` for the built-in dataset.
        run_dir: the run folder; default ``<logs_dir>/<run_name>``.
        logs_dir: parent of run folders when `run_dir` is not given.
        run_name: default: the current date and time.
        epochs: total epochs (a resumed run continues up to this number).
        batch_size: batch size per replica (the global batch is this times the replicas in sync).
        validation_split: fraction or count of pairs held out (seeded); also the source of the sample grids.
        steps_per_epoch: batches per epoch (Keras' ``steps_per_epoch``; default: one pass over the training
            pairs); the data then streams on across epochs, and a resumed run continues at the same batch.
        cache: where decoded pairs live, ``"auto"``, ``"memory"``, ``"disk"`` or ``"none"`` (`paired_dataset`).
        shuffle_buffer: packed records held for shuffling when streaming shards (`paired_dataset`).
        seed: seeds the split, shuffling, augmentation and weight initialisation.
        sample_every: epochs between sample grids.
        checkpoint_every: epochs between periodic checkpoints (default: `sample_every`).
        num_samples: validation pairs shown in each sample grid.
        side_by_side: ``"left"``/``"right"`` for folders of side-by-side images (the sketch half).
        augment: pix2pix jitter and mirroring of the training data.
        sketch_style: restyle the training sketches (`keras_s2p.data.sketch_style`).
        xdog_mix: probability of training on the XDoG drawing of the photo instead of the sketch.
        builtin_pairs: number of pairs of the built-in dataset.
        g_learning_rate, d_learning_rate: Adam learning rates (`keras_s2p.models.gan.default_optimizer`).
        lr_decay_epochs: decay both learning rates linearly to 0 over the last this many epochs, or over this
            fraction of `epochs` when between 0 and 1 (pix2pix's schedule,
            `keras_s2p.schedules.ConstantThenLinearDecay`); 0 keeps them constant.
        ema_momentum: keep moving averages of the generator's weights (Adam ``use_ema``) with this momentum, in
            [0, 1) (0: off); validation, sample grids, checkpoints and the saved models use the averages
            (`keras_s2p.callbacks.AverageWeights`), BatchNorm recalibrated for them.
        require_perceptual: raise instead of warning when VGG19 weights are unavailable.
        strategy: a `tf.distribute.Strategy` or one of ``keras_s2p.distribute.STRATEGIES``.
        tpu: the Cloud TPU name or address for ``strategy="tpu"`` (empty on a TPU VM).
        callbacks: extra Keras callbacks, run after the default ones.
        verbose: passed to ``fit``.
        deterministic: ``tf.config.experimental.enable_op_determinism()`` for this process, so the same command
            gives the same weights (slower on some ops; see docs/training.md, "Reliability").
        **model_options: `SketchToPhotoGAN` arguments (image_size, critic_steps, loss weights, precision, ...).

    Returns:
        (gan, history, run): the trained model, the Keras ``History`` and the `RunFolder`.

    Raises:
        S2PError: bad data, an unwritable run folder, settings that differ from the run being resumed, or
            (with `require_perceptual`) unavailable VGG19 weights.

    Example:
        >>> gan, history, run = train("data/faces", epochs=200, image_size=128, run_name="faces")
    """
    from keras_s2p.distribute import global_batch_size, is_chief, make_strategy, worker_dir, worker_index

    strategy = make_strategy(strategy or "default", tpu=tpu)  # first: multi-worker needs it before other TF ops

    import keras
    import tensorflow as tf

    if deterministic:
        tf.config.experimental.enable_op_determinism()
    # The data as a fresh process builds it: tf.data's seeded shuffles combine their seed with TensorFlow's global
    # one, which an earlier train() call in this process set (below), and would then shuffle differently.
    tf.random.set_seed(None)

    from keras_s2p.data.run_data import data_loader
    from keras_s2p.runs import RunFolder
    from keras_s2p.schedules import decaying_rates, whole_decay_epochs

    decay_epochs = whole_decay_epochs(lr_decay_epochs, epochs)
    if not 0.0 <= ema_momentum < 1.0:
        raise ConfigError(f"ema_momentum={ema_momentum} must be in [0, 1) (0: no moving averages)")
    run = RunFolder(run_dir) if run_dir is not None else RunFolder.create(logs_dir, run_name)
    run.ensure_writable(create=False)  # created with its first file: none left empty if the data is bad
    image_size = model_options.setdefault("image_size", MODEL_DEFAULTS["image_size"])
    if model_options.get("num_downsamples") is None:  # recorded as the number the size chose
        model_options["num_downsamples"] = default_downsamples(image_size)
    settings = dict(MODEL_DEFAULTS, **model_options, data=str(data) if data is not None else "builtin",
                    epochs=epochs, batch_size=batch_size, validation_split=validation_split, seed=seed,
                    augment=augment, sketch_style=sketch_style, xdog_mix=xdog_mix, g_learning_rate=g_learning_rate,
                    d_learning_rate=d_learning_rate, lr_decay_epochs=lr_decay_epochs, ema_momentum=ema_momentum,
                    side_by_side=side_by_side, steps_per_epoch=steps_per_epoch, cache=cache,
                    shuffle_buffer=shuffle_buffer, strategy=type(strategy).__name__)
    # The architecture, and whether the generator optimizer keeps averages, decide what the backup holds.
    run.check_resume(settings, keys=(*ARCHITECTURE_KEYS, "ema_momentum"))

    # A short last batch could leave a replica with no samples, which TensorFlow's convolutions reject.
    split = dict(image_size=image_size, batch_size=global_batch_size(batch_size, strategy),
                 validation_split=validation_split or None,
                 seed=seed, drop_remainder=strategy.num_replicas_in_sync > 1, cache=cache,
                 shuffle_buffer=shuffle_buffer)
    load = data_loader(data, side_by_side, builtin_pairs, split)
    chief = is_chief(strategy)
    # Only the chief writes into the run folder; other workers keep their own backups and logs apart.
    callback_dir = run.path if chief else Path(worker_dir(run.path / "workers", strategy))
    # With steps per epoch the training data is one endless stream; a resumed run skips what was trained on.
    multiworker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    worker = worker_index(strategy) if multiworker else None  # each worker then reads its own shards of a pack
    resume_epoch = _backed_up_epoch(callback_dir) if steps_per_epoch else 0
    stream = dict(repeat=True, skip=resume_epoch * steps_per_epoch * split["batch_size"]) if steps_per_epoch else {}
    datasets, fingerprint = load(augment=augment, sketch_style=sketch_style, xdog_mix=xdog_mix, worker=worker,
                                 **stream)
    train_ds, val_ds = datasets if validation_split else (datasets, None)

    # Always schedules (constant when decay_epochs is 0): the optimizers then hold the same variables whatever
    # the decay, so a run resumed or extended with other --epochs restores their state.
    critic_steps = model_options.get("critic_steps", MODEL_DEFAULTS["critic_steps"])
    g_learning_rate, d_learning_rate = decaying_rates(g_learning_rate, d_learning_rate, epochs, decay_epochs,
                                                      steps_per_epoch or int(train_ds.cardinality()), critic_steps)
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        gan, perceptual_note = _build_and_compile(model_options, g_learning_rate, d_learning_rate, ema_momentum,
                                                  require_perceptual)
    settings["perceptual_weight"] = gan.perceptual_weight
    settings["perceptual"] = perceptual_note
    if chief:
        # A process killed mid-write (a resumed run's predecessor) left its temporary files; workers keep theirs.
        remove_leftovers(run.path, keep=("workers",))
        run.write_config(settings, data_fingerprint=fingerprint)

    run_callbacks = _run_callbacks(gan, callback_dir, train_ds, val_ds, load, num_samples, sample_every,
                                   checkpoint_every, resume_epoch if steps_per_epoch else None)
    from keras_s2p.data.dataset import read_error

    try:
        history = gan.fit(
            train_ds,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            validation_data=val_ds,
            callbacks=[*run_callbacks, *callbacks],
            verbose=verbose,
            shuffle=False,  # the pipeline shuffles; Keras' flag does not apply to tf.data and only warns
        )
    except tf.errors.OpError as error:  # a data file that changed or vanished mid-run: named, not a traceback
        raise (read_error(error, data, side_by_side) or error) from None
    _save_final(gan, run, strategy)
    return gan, history, run


def _run_callbacks(gan, callback_dir, train_ds, val_ds, load, num_samples, sample_every, checkpoint_every,
                   skipped_epochs=None):
    """The run folder's callbacks (`default_callbacks`), recalibrating BatchNorm, then the data-randomness replay
    (or, for a stream that already skipped `skipped_epochs`, the check that the backup resumes there)."""
    from keras_s2p.callbacks import ResumeDataRandomness, SafeBackupAndRestore, default_callbacks
    from keras_s2p.data.run_data import calibration_sample, first_examples
    from keras_s2p.metrics import BEST_MONITOR
    from keras_s2p.models.precise_batch_norm import batch_norm_layers

    sample_data = first_examples(val_ds if val_ds is not None else train_ds, num_samples)
    calibration = calibration_sample(load) if batch_norm_layers(gan.generator) else None
    run_callbacks = default_callbacks(callback_dir, sample_data, sample_every=sample_every,
                                      checkpoint_every=checkpoint_every or sample_every,
                                      best_monitor=BEST_MONITOR if val_ds is not None else None,
                                      calibration_data=calibration,
                                      average_weights=getattr(gan.g_optimizer, "use_ema", False))
    backup = next(c for c in run_callbacks if isinstance(c, SafeBackupAndRestore))
    return [*run_callbacks, ResumeDataRandomness(train_ds, backup, skipped_epochs)]


def _save_final(gan, run, strategy):
    """``model.keras`` and ``generator.keras``, written atomically by the chief only."""
    from keras_s2p.atomic import atomic_path
    from keras_s2p.distribute import chief_path

    for path, model in ((run.model_path, gan), (run.generator_path, gan.generator)):
        with chief_path(path, strategy) as target, atomic_path(target) as tmp:
            model.save(tmp)


def _build_and_compile(model_options, g_learning_rate, d_learning_rate, ema_momentum, require_perceptual):
    """The compiled GAN, and how its perceptual term stands (on, off, or disabled for missing VGG19 weights)."""
    from keras_s2p.models.gan import SketchToPhotoGAN, default_optimizer

    gan = SketchToPhotoGAN(**model_options)
    gan.compile(g_optimizer=default_optimizer(g_learning_rate, use_ema=ema_momentum > 0, ema_momentum=ema_momentum),
                d_optimizer=default_optimizer(d_learning_rate), require_perceptual=require_perceptual)
    if gan.perceptual_disabled:
        return gan, f"disabled: {gan.perceptual_disabled}"
    weight = model_options.get("perceptual_weight", MODEL_DEFAULTS["perceptual_weight"])
    return gan, ("on" if weight > 0 else "off (perceptual_weight=0)")


def _backed_up_epoch(callback_dir):
    """The epoch a rerun in `callback_dir` resumes from (0 without a readable backup), read before ``fit``."""
    from keras_s2p.callbacks.checkpoints import SafeBackupAndRestore

    backup = callback_dir / "backup"
    try:
        return SafeBackupAndRestore._read_epoch(backup / "latest.weights.h5", backup / "training_metadata.json")
    except Exception:  # noqa: BLE001 - none or damaged: the backup callback decides, ResumeDataRandomness checks
        return 0
