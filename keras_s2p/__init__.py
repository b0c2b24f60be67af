"""keras-s2p: sketch-to-photo GANs the Keras way.

Submodules and the main classes load on first use, so ``s2p --help`` does not pay for importing TensorFlow; the
classes saved in keras-s2p's files register with Keras as soon as Keras is loaded (`keras_s2p.registration`), so
after ``import keras_s2p`` ``keras.saving.load_model`` reads every file keras-s2p writes.

Example:
    >>> import keras_s2p as s2p
    >>> gan = s2p.SketchToPhotoGAN(image_size=128)
    >>> gan.compile()
    >>> gan.fit(train_ds, epochs=200, validation_data=val_ds)
"""

import importlib

from keras_s2p.errors import ConfigError, DataError, S2PError, WeightsUnavailableError
from keras_s2p.registration import register, register_when_keras_loads

__version__ = "0.1.0"

_LAZY = {
    "SketchToPhotoGAN": ("keras_s2p.models.gan", "SketchToPhotoGAN"),
    "build_generator": ("keras_s2p.models.generator", "build_generator"),
    "build_critic": ("keras_s2p.models.critic", "build_critic"),
    "train": ("keras_s2p.training", "train"),
    "load_generator": ("keras_s2p.model_file", "load_generator"),
}
_SUBMODULES = ("callbacks", "data", "distribute", "evaluation", "export", "hints", "losses", "metrics", "precision",
               "runs")

__all__ = ["ConfigError", "DataError", "S2PError", "WeightsUnavailableError", *_LAZY, *_SUBMODULES]


def __getattr__(name):
    if name not in _LAZY and name not in _SUBMODULES:
        raise AttributeError(f"module 'keras_s2p' has no attribute {name!r}")
    # Keras and the saved classes first, from here, where no keras_s2p module is half-imported (the requested
    # module importing Keras itself would be, and the saved classes' modules import it back).
    importlib.import_module("keras")
    register()
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    return importlib.import_module(f"keras_s2p.{name}")


register_when_keras_loads()
