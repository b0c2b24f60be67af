"""Loading a trained model file for inference: the generator and the size it was trained at."""

import json
from pathlib import Path

from keras_s2p.errors import S2PError

DEFAULT_IMAGE_SIZE = 128


def load_generator(path, image_size=None):
    """Load a ``generator.keras`` or ``model.keras`` file safely (``safe_mode=True``).

    Args:
        path: the model file.
        image_size: override the training size; otherwise read from the GAN, or from the ``config.json`` of the
            run folder the file sits in, else 128.

    Returns:
        (generator, image_size).

    Raises:
        S2PError: missing file or a file that is not a keras-s2p model.
    """
    import keras

    from keras_s2p.models.gan import SketchToPhotoGAN

    path = Path(path)
    if not path.is_file():
        raise S2PError(f"model file not found: {path}")
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types for bad archives
        raise S2PError(f"cannot load model {path}: {type(error).__name__}: {str(error).splitlines()[0][:200]}") from None
    if isinstance(model, SketchToPhotoGAN):
        return model.generator, image_size or model.image_size
    if not isinstance(model, keras.Model) or len(model.inputs) != 1 or model.inputs[0].shape[-1] != 3:
        raise S2PError(f"{path} is not a sketch-to-photo generator (expected one 3-channel image input)")
    return model, image_size or _size_from_run_config(path.parent) or DEFAULT_IMAGE_SIZE


def _size_from_run_config(folder):
    config = folder / "config.json"
    if not config.is_file():
        return None
    try:
        return int(json.loads(config.read_text())["hyperparameters"]["image_size"])
    except (KeyError, ValueError, TypeError):
        return None
