"""Loading a trained model file for inference: the generator and the size it was trained at.

Example:
    >>> generator, size = load_generator("logs/faces/generator.keras")
"""

import json
import re
import zipfile
from pathlib import Path

from keras_s2p.errors import S2PError, first_line
from keras_s2p.hints import HINT_CHANNELS
from keras_s2p.models.gan_options import MODEL_DEFAULTS


def load_generator(path, image_size=None, style_encoder=False):
    """Load a ``generator.keras`` or ``model.keras`` file safely (``safe_mode=True``).

    Args:
        path: the model file.
        image_size: override the training size; otherwise read from the GAN, or from the ``config.json`` of the
            run folder the file sits in, else the model's default (128).
        style_encoder: also return the GAN's style encoder (`keras_s2p.models.style`; None in a generator file or
            a model without a style code).

    Returns:
        (generator, image_size), or with `style_encoder` (generator, image_size, encoder); a colour-hint
        generator takes ``[sketch, hints]`` (`keras_s2p.hints`), a style generator a ``style`` code last.

    Raises:
        S2PError: missing file or a file that is not a keras-s2p model.
    """
    import keras

    from keras_s2p.models.gan import SketchToPhotoGAN

    path = Path(path)
    if not path.is_file():
        raise S2PError(f"model file not found: {path}")
    try:
        # safe_mode=True, always: Keras then refuses Lambda layers (pickled Python bytecode) and classes from
        # modules outside Keras, so loading never runs code from the file.
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many types for bad archives
        raise S2PError(f"cannot load model {path}: {_explain(error)}") from None
    if isinstance(model, SketchToPhotoGAN):
        found = model.generator, image_size or model.image_size
        return (*found, model.style_encoder) if style_encoder else found
    channels = ([tuple(x.shape)[-1] for x in model.inputs if len(x.shape) == 4]
                if isinstance(model, keras.Model) else None)
    if channels not in ([3], [3, HINT_CHANNELS]) or len(model.inputs) - len(channels) > 1:
        raise S2PError(f"{path} is not a sketch-to-photo generator (expected a 3-channel sketch input, and "
                       f"optionally a {HINT_CHANNELS}-channel hints input and a style code)")
    found = model, image_size or _size_from_run_config(path.parent) or MODEL_DEFAULTS["image_size"]
    return (*found, None) if style_encoder else found


def _size_from_run_config(folder):
    config = folder / "config.json"
    if not config.is_file():
        return None
    try:
        return int(json.loads(config.read_text())["hyperparameters"]["image_size"])
    except (KeyError, ValueError, TypeError):
        return None


def _explain(error):
    """One line on why Keras could not load a model file."""
    text = str(error)
    first = first_line(error, None)
    if isinstance(error, zipfile.BadZipFile) or "zip" in first.lower():
        return "not a .keras archive (damaged, truncated or another format)"
    if "Lambda" in text or "safe_mode" in text:
        return ("it contains a Lambda layer or other Python code, which keras-s2p never runs "
                "(models are loaded with safe_mode=True)")
    unknown = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
    if unknown:
        return (f"it names an unknown class '{unknown.group(1)}': not a keras-s2p model, or one from a version "
                f"that defines other classes")
    if "could not be loaded" in text or "shape" in first.lower() and "match" in text:
        return ("its weights do not match the architecture in its config (a file from another configuration, "
                "or an edited or damaged one)")
    return f"{type(error).__name__}: {first[:200]}"
