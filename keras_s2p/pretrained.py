"""Loading pretrained ImageNet networks (VGG19 for the perceptual loss) without ever silently using random weights.

Weights come from Keras' own cache/download (``weights="imagenet"``), from a local file path, or are random only
when the caller explicitly passes ``None`` (tests). A machine without internet and without the cached file gets
one actionable `WeightsUnavailableError` instead of a stack trace from the downloader.
"""

import os

import keras

from keras_s2p.errors import WeightsUnavailableError

VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


def keras_cache_path(filename):
    """Where Keras' downloader caches `filename` (``$KERAS_HOME/models`` or ``~/.keras/models``)."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "models", filename)


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
    if weights is not None and weights != "imagenet":
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise WeightsUnavailableError(f"VGG19 weights file not found: {path}")
        weights = path
    try:
        return keras.applications.VGG19(include_top=False, weights=weights, input_shape=(None, None, 3))
    except Exception as error:  # the downloader raises plain Exception on network failure
        if weights == "imagenet":
            raise WeightsUnavailableError(
                "cannot download the VGG19 ImageNet weights (no internet?): put "
                f"{VGG19_NOTOP_FILE} at {keras_cache_path(VGG19_NOTOP_FILE)}, pass perceptual_weights=PATH, "
                f"or set perceptual_weight=0 ({type(error).__name__}: {str(error).splitlines()[0][:120]})"
            ) from error
        raise WeightsUnavailableError(
            f"cannot load VGG19 weights from {weights}: {type(error).__name__}: {str(error).splitlines()[0][:160]}"
        ) from error
