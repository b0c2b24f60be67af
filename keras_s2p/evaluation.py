"""Scoring a generator on paired data: L1, PSNR and SSIM on RGB in [0, 1], averaged over images."""

import numpy as np
import tensorflow as tf

from keras_s2p.hints import no_hints, takes_hints
from keras_s2p.metrics import EVAL_METRICS
from keras_s2p.models.style import with_style


def evaluate_generator(generator, dataset, fid_scorer=None):
    """Per-image scores of ``generator(sketch, training=False)`` against the photos, averaged.

    A colour-hint generator runs without hints (`keras_s2p.hints.no_hints`), a style generator with the prior's
    mean code.

    Args:
        generator: a Keras model mapping sketches (or ``[sketch, hints]``) to photos in [-1, 1].
        dataset: batches of ``(sketch, photo)`` in [-1, 1] (not augmented).
        fid_scorer: a `keras_s2p.fid.FIDScorer` to add ``"fid"`` (generated vs real photos), or ``None``.

    Returns:
        dict: ``{"count": N, <name>: mean, <name>_std: std, ...[, "fid": ...]}`` for every
        `keras_s2p.metrics.EVAL_METRICS` name.

    Example:
        >>> scores = evaluate_generator(gan.generator, val_ds)
    """
    hinted = takes_hints(generator)
    predict = tf.function(lambda x: generator(with_style(generator, [x, no_hints(x)] if hinted else x),
                                              training=False))
    values = {name: [] for name in EVAL_METRICS}
    reals, fakes = [], []
    for sketch, photo in dataset:
        fake = predict(sketch)
        for name, metric in EVAL_METRICS.items():
            values[name].append(metric.score(photo, fake).numpy())
        if fid_scorer is not None:
            reals.append(photo.numpy())
            fakes.append(fake.numpy())
    result = {"count": int(sum(len(v) for v in values["l1"]))}
    for name, chunks in values.items():
        flat = np.concatenate(chunks) if chunks else np.array([np.nan])
        result[name] = float(np.mean(flat))
        result[f"{name}_std"] = float(np.std(flat))
    if fid_scorer is not None:
        result["fid"] = fid_scorer.fid(np.concatenate(reals), np.concatenate(fakes))
    return result
