"""`train()`: one training run end to end, the way ``s2p train`` runs it.

Data in, run folder out: checks the run folder before anything heavy, builds the datasets, the model (inside
the distribution strategy's scope) and the callbacks, trains with ``fit()`` (resuming an interrupted run in the
same folder), and writes ``model.keras`` and ``generator.keras``.
"""

import warnings

import numpy as np

from keras_s2p.atomic import remove_leftovers
from keras_s2p.errors import ConfigError, WeightsUnavailableError
from keras_s2p.options import ARCHITECTURE_KEYS, MODEL_DEFAULTS, default_downsamples
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
        seed: seeds the split, shuffling, augmentation and weight initialisation.
        sample_every: epochs between sample grids.
        checkpoint_every: epochs between periodic checkpoints (default: `sample_every`).
        num_samples: validation pairs shown in each sample grid.
        side_by_side: ``"left"``/``"right"`` for folders of side-by-side images (the sketch half).
        augment: pix2pix jitter and mirroring of the training data.
        sketch_style: restyle the training sketches (`keras_s2p.data.sketch_style`).
        xdog_mix: probability of training on the XDoG drawing of the photo instead of the sketch.
        builtin_pairs: number of pairs of the built-in dataset.
        g_learning_rate, d_learning_rate: Adam learning rates (beta_1 0.5, beta_2 0.9).
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
            gives the same weights (slower on some ops; see the README's "Reliability" section).
        **model_options: `SketchToPhotoGAN` arguments (image_size, critic_steps, loss weights, precision, ...).

    Returns:
        (gan, history, run): the trained model, the Keras ``History`` and the `RunFolder`.

    Raises:
        S2PError: bad data, an unwritable run folder, settings that differ from the run being resumed, or
            (with `require_perceptual`) unavailable VGG19 weights.

    Example:
        >>> gan, history, run = train("data/faces", epochs=200, image_size=128, run_name="faces")
    """
    from keras_s2p.distribute import global_batch_size, is_chief, make_strategy, worker_dir

    strategy = make_strategy(strategy or "default", tpu=tpu)  # first: multi-worker needs it before other TF ops

    import keras

    if deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()

    from keras_s2p.models.gan import SketchToPhotoGAN
    from keras_s2p.runs import RunFolder

    decay_epochs = _decay_epochs(lr_decay_epochs, epochs)
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
                    side_by_side=side_by_side,
                    strategy=type(strategy).__name__)
    _check_resume_matches(run, settings)

    # A short last batch could leave a replica with no samples, which TensorFlow's convolutions reject.
    split = dict(image_size=image_size, batch_size=global_batch_size(batch_size, strategy),
                 validation_split=validation_split or None,
                 seed=seed, drop_remainder=strategy.num_replicas_in_sync > 1)
    load = data_loader(data, side_by_side, builtin_pairs, split)
    datasets, fingerprint = load(augment=augment, sketch_style=sketch_style, xdog_mix=xdog_mix)
    train_ds, val_ds = datasets if validation_split else (datasets, None)

    # Always schedules (constant when decay_epochs is 0): the optimizers then hold the same variables whatever
    # the decay, so a run resumed or extended with other --epochs restores their state.
    critic_steps = model_options.get("critic_steps", MODEL_DEFAULTS["critic_steps"])
    g_learning_rate, d_learning_rate = _scheduled_rates(g_learning_rate, d_learning_rate, epochs, decay_epochs,
                                                        train_ds, critic_steps)
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        gan, perceptual_note = _build_and_compile(
            SketchToPhotoGAN, model_options, g_learning_rate, d_learning_rate, ema_momentum, require_perceptual
        )
    settings["perceptual_weight"] = gan.perceptual_weight
    settings["perceptual"] = perceptual_note
    chief = is_chief(strategy)
    if chief:
        # A process killed mid-write (a resumed run's predecessor) left its temporary files; workers keep theirs.
        remove_leftovers(run.path, keep=("workers",))
        run.write_config(settings, data_fingerprint=fingerprint)
    # Only the chief writes into the run folder; other workers keep their own backups and logs apart.
    callback_dir = run.path if chief else worker_dir(run.path / "workers", strategy)

    run_callbacks = _run_callbacks(gan, callback_dir, train_ds, val_ds, load, num_samples, sample_every,
                                   checkpoint_every)
    history = gan.fit(
        train_ds,
        epochs=epochs,
        validation_data=val_ds,
        callbacks=[*run_callbacks, *callbacks],
        verbose=verbose,
        shuffle=False,  # the pipeline shuffles; Keras' flag does not apply to tf.data and only warns
    )
    _save_final(gan, run, strategy)
    return gan, history, run


def _decay_epochs(lr_decay_epochs, epochs):
    """`lr_decay_epochs` as a whole number of epochs (a fraction of `epochs` when between 0 and 1)."""
    decay_epochs = round(lr_decay_epochs * epochs) if 0 < lr_decay_epochs < 1 else lr_decay_epochs
    if not (0 <= decay_epochs <= epochs and float(decay_epochs).is_integer()):
        raise ConfigError(f"lr_decay_epochs={lr_decay_epochs} must be a whole number of epochs between 0 and "
                          f"epochs={epochs}, or a fraction between 0 and 1")
    return decay_epochs


def _scheduled_rates(g_learning_rate, d_learning_rate, epochs, decay_epochs, train_ds, critic_steps):
    """Both rates constant, then decaying linearly to 0 over the last `decay_epochs` (counted in each optimizer's
    own steps: the critic takes `critic_steps` per generator step); constant throughout when it is 0."""
    from keras_s2p.schedules import ConstantThenLinearDecay

    steps = int(train_ds.cardinality())
    if steps < 1:
        raise ConfigError("training needs a dataset of known length (for the learning-rate schedule)")
    return tuple(ConstantThenLinearDecay(rate, (epochs - decay_epochs) * steps * k, decay_epochs * steps * k)
                 for rate, k in ((g_learning_rate, 1), (d_learning_rate, critic_steps)))


def _run_callbacks(gan, callback_dir, train_ds, val_ds, load, num_samples, sample_every, checkpoint_every):
    """The run folder's callbacks (`default_callbacks`), recalibrating BatchNorm, then the data-randomness replay."""
    from keras_s2p.callbacks import SafeBackupAndRestore, default_callbacks
    from keras_s2p.metrics import BEST_MONITOR
    from keras_s2p.models.precise_batch_norm import batch_norm_layers

    sample_data = _first_examples(val_ds if val_ds is not None else train_ds, num_samples)
    calibration = calibration_sample(load) if batch_norm_layers(gan.generator) else None
    run_callbacks = default_callbacks(callback_dir, sample_data, sample_every=sample_every,
                                      checkpoint_every=checkpoint_every or sample_every,
                                      best_monitor=BEST_MONITOR if val_ds is not None else None,
                                      calibration_data=calibration,
                                      average_weights=getattr(gan.g_optimizer, "use_ema", False))
    backup = next(c for c in run_callbacks if isinstance(c, SafeBackupAndRestore))
    return [*run_callbacks, _resume_data_randomness(train_ds, backup)]


def _save_final(gan, run, strategy):
    """``model.keras`` and ``generator.keras``, written atomically by the chief only."""
    from keras_s2p.atomic import atomic_path
    from keras_s2p.distribute import chief_path

    for path, model in ((run.model_path, gan), (run.generator_path, gan.generator)):
        with chief_path(path, strategy) as target, atomic_path(target) as tmp:
            model.save(tmp)


ITERATORS_PER_EPOCH = 2  # dataset iterators Keras' fit() creates per epoch (one read, one at the end)


def _resume_data_randomness(dataset, backup):
    """A callback that, on resume, advances `dataset`'s per-epoch shuffle and augmentation randomness.

    The pipeline reshuffles and re-draws its augmentation at each new iterator, from seed generators that a new
    process starts at epoch 0. Keras 3.15's ``fit`` creates `ITERATORS_PER_EPOCH` iterators per epoch (measured;
    ``tests/test_reliability_resume.py`` fails if that changes). Creating and dropping as many iterators as the
    completed epochs used (cheap: no element is read) makes the resumed epoch ``k`` see the same order and crops
    as epoch ``k`` of an uninterrupted run. Placed after `backup` (a `SafeBackupAndRestore`), whose
    ``restored_epoch`` it reads.
    """
    import keras

    class _Advance(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            for _ in range(ITERATORS_PER_EPOCH * (backup.restored_epoch or 0)):
                iter(dataset)

    return _Advance()


def data_loader(data, side_by_side, builtin_pairs, split):
    """``load(augment=..., shuffle=...) -> (datasets, fingerprint)`` for the run's data and split."""
    from keras_s2p import data as s2p_data

    def load(**options):
        if data is None:
            return (s2p_data.builtin_dataset(num_pairs=builtin_pairs, **split, **options),
                    f"builtin:{builtin_pairs}:{split['image_size']}:{split['seed']}")
        pairs = s2p_data.find_pairs(data, side_by_side=side_by_side)
        return (s2p_data.paired_dataset(pairs, side_by_side=side_by_side, **split, **options),
                s2p_data.fingerprint(pairs))

    return load


CALIBRATION_BATCHES = 50  # batches of training pairs per precise-BatchNorm recalibration


def calibration_sample(load):
    """A fixed sample of the training pairs, unaugmented and spread evenly over them, for precise BatchNorm.

    Built as a second pipeline so recalibrating never advances the training pipeline's seeded shuffling (exact
    resume replays it); it decodes and caches only the sampled pairs.
    """
    def train_part(**options):
        datasets, _ = load(augment=False, shuffle=False, validate=False, **options)
        return datasets[0] if isinstance(datasets, tuple) else datasets

    every = max(1, int(train_part().cardinality()) // CALIBRATION_BATCHES)  # lazy: nothing decoded yet
    return train_part(every=every).take(CALIBRATION_BATCHES)


def _first_examples(dataset, count):
    sketches, photos = [], []
    for sketch, photo in dataset.unbatch().take(count):
        sketches.append(sketch.numpy())
        photos.append(photo.numpy())
    return np.stack(sketches), np.stack(photos)


def _check_resume_matches(run, settings):
    previous = run.read_config()
    if previous is None:
        return
    before = previous.get("hyperparameters", {})
    # The architecture, and whether the generator optimizer keeps averages, decide what the backup holds.
    changed = [f"{key} {before.get(key)!r} -> {settings.get(key)!r}" for key in (*ARCHITECTURE_KEYS, "ema_momentum")
               if key in before and key in settings and before[key] != settings[key]]
    if changed:
        raise ConfigError(f"run folder {run.path} was started with other settings ({'; '.join(changed)}); "
                          f"use the same settings to resume it or another --run-dir")


def _build_and_compile(model_class, model_options, g_learning_rate, d_learning_rate, ema_momentum,
                       require_perceptual):
    import keras

    def build(options):
        gan = model_class(**options)
        gan.compile(
            g_optimizer=keras.optimizers.Adam(g_learning_rate, beta_1=0.5, beta_2=0.9, use_ema=ema_momentum > 0,
                                              ema_momentum=ema_momentum),
            d_optimizer=keras.optimizers.Adam(d_learning_rate, beta_1=0.5, beta_2=0.9),
        )
        return gan

    try:
        gan = build(model_options)
    except WeightsUnavailableError as error:
        if require_perceptual:
            raise
        warnings.warn(f"training without the perceptual term: {error}", stacklevel=3)
        return build({**model_options, "perceptual_weight": 0.0}), f"disabled: {error}"
    weight = model_options.get("perceptual_weight", MODEL_DEFAULTS["perceptual_weight"])
    return gan, ("on" if weight > 0 else "off (perceptual_weight=0)")
