"""keras-s2p: sketch-to-photo GANs the Keras way.

Example:
    >>> import keras_s2p as s2p
    >>> gan = s2p.SketchToPhotoGAN(image_size=128)
    >>> gan.compile()
    >>> gan.fit(train_ds, epochs=1000, validation_data=val_ds)
"""

from keras_s2p import losses
from keras_s2p.errors import ConfigError, DataError, S2PError, WeightsUnavailableError
from keras_s2p.models.critic import build_critic
from keras_s2p.models.gan import SketchToPhotoGAN
from keras_s2p.models.generator import build_generator

__version__ = "0.1.0"

__all__ = [
    "SketchToPhotoGAN",
    "build_generator",
    "build_critic",
    "losses",
    "S2PError",
    "DataError",
    "ConfigError",
    "WeightsUnavailableError",
]
