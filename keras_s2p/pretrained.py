"""Loading pretrained ImageNet networks (VGG19 for the perceptual loss, InceptionV3 for FID) without ever silently
using random weights.

Weights come from Keras' own cache/download (``weights="imagenet"``), from a local file path, or are random only
when the caller explicitly passes ``None`` (tests). A machine without internet and without the cached file gets
one actionable `WeightsUnavailableError` instead of a stack trace from the downloader.
"""

import os

import keras

from keras_s2p.errors import WeightsUnavailableError, first_line

VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_V3_NOTOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"


def keras_cache_path(filename):
    """Where Keras' downloader caches `filename` (``$KERAS_HOME/models`` or ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "models", filename)


def _load(application, weights, cache_file, how_to_skip, **kwargs):
    name = application.__name__
    if weights is not None and weights != "imagenet":
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise WeightsUnavailableError(f"{name} weights file not found: {path}")
        weights = path
    try:
        return application(include_top=False, weights=weights, **kwargs)
    except Exception as error:  # the downloader raises plain Exception on network failure
        reason = f"{type(error).__name__}: {first_line(error, 120)}" if str(error).strip() else type(error).__name__
        if weights == "imagenet":
            raise WeightsUnavailableError(
                f"cannot download the {name} ImageNet weights (no internet?): put {cache_file} at "
                f"{keras_cache_path(cache_file)}, {how_to_skip} ({reason})"
            ) from error
        raise WeightsUnavailableError(f"cannot load {name} weights from {weights}: {reason}") from error


def load_vgg19(weights="imagenet"):
    """Return the convolutional part of VGG19 (no classifier head), input shape ``(None, None, 3)``.

    Args:
        weights: ``"imagenet"`` (Keras downloads once and caches), a path to a local ``.h5`` weights file for
            the no-top VGG19, or ``None`` for random weights (only for tests).

    Returns:
        A `keras.Model` (``keras.applications.VGG19(include_top=False)``).

    Raises:
        WeightsUnavailableError: the file does not exist, cannot be read, or the download failed.

    Example:
        >>> vgg = load_vgg19(None)
    """
    return _load(keras.applications.VGG19, weights, VGG19_NOTOP_FILE,
                 "pass perceptual_weights=PATH, or set perceptual_weight=0", input_shape=(None, None, 3))


def load_inception_v3(weights="imagenet"):
    """Return InceptionV3 without its head, global-average pooled to 2048 features (the FID network).

    Args:
        weights: ``"imagenet"``, a local no-top weights file, or ``None`` (random; tests only).

    Raises:
        WeightsUnavailableError: as `load_vgg19`.
    """
    return _load(keras.applications.InceptionV3, weights, INCEPTION_V3_NOTOP_FILE,
                 "or pass --inception-weights PATH", input_shape=(299, 299, 3), pooling="avg")


def imagenet_weights_cached(cache_file):
    """Whether Keras' cache already holds `cache_file` (so ``weights="imagenet"`` needs no download)."""
    return os.path.isfile(keras_cache_path(cache_file))
