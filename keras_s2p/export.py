"""Export a trained generator for inference: Keras file, TensorFlow SavedModel, TFLite, or a web page.

SavedModel signatures:

- ``serve(images: uint8 [None, None, None, 3]) -> {"photos": uint8, same size}``: resizes to the training size,
  scales 0..255 to [-1, 1], runs the generator in inference mode, scales back and resizes to the input size.
- ``serve_float(sketches: float32 [None, S, S, 3] in [-1, 1]) -> {"photos": float32 in [-1, 1]}``: the generator
  itself at the training size S.

A colour-hint generator (``color_hints=True``) takes a second input in every format: ``serve`` also takes
``hints: uint8 [None, None, None, 4]`` (RGBA, transparent = no hint, resized to the training size by nearest
neighbour: `keras_s2p.hints.hints_from_rgba`), ``serve_float`` ``hints: float32 [None, S, S, 4]`` in [0, 1]
(`keras_s2p.hints`), TFLite ``hints`` uint8 ``[1, S, S, 4]``. All-transparent hints mean no hint.

A style generator (``style_dim > 0``, `keras_s2p.models.style`) takes its code last in every format: ``style:
float32 [None, style_dim]`` (TFLite ``[1, style_dim]``; zeros are the prior's mean code), and is exported with its
style encoder: the SavedModel gains ``encode_style(images: uint8 [None, None, None, 3]) -> {"style": float32
[None, style_dim]}`` (the encoder's mean for photos prepared as ``serve`` prepares sketches, as
`SketchToPhotoGAN.encode_style` computes it), TFLite writes it to a second file (`style_encoder_path`: uint8
``[1, S, S, 3]`` in, ``style`` out), the web folder to ``style_encoder.tflite``. A model without a style code
exports exactly as before.

TFLite takes and returns uint8 ``[1, S, S, 3]`` (the ``serve`` contract at the fixed training size); its weights
can be quantised (`QUANTIZATIONS`): ``"float16"`` halves the file, ``"int8"`` (dynamic range: int8 weights, float
activations, no calibration data needed) quarters it.

The web format is a folder: the ``s2p draw`` page running that TFLite model in the browser with LiteRT.js
(`keras_s2p.draw.web`; the runtime comes from pinned npm tarballs, `keras_s2p.draw.runtime`), for any static web
server.

Every format runs in float32, whatever precision the model was trained in: a mixed-precision generator is rebuilt
in float32 with the same weights first (`float32_generator`).
"""

import logging
from pathlib import Path

import keras
import tensorflow as tf

from keras_s2p.atomic import atomic_path, atomic_write_bytes, existing_folder
from keras_s2p.draw import runtime
from keras_s2p.draw.web import write_web_folder
from keras_s2p.errors import ConfigError, S2PError, first_line
from keras_s2p.hints import HINT_CHANNELS, hints_from_rgba, takes_hints
from keras_s2p.models.choices import EXPORT_FORMATS, QUANTIZABLE_FORMATS, QUANTIZATIONS
from keras_s2p.models.style import style_dim_of, with_style
from keras_s2p.pixels import from_pixels, to_uint8


def float32_generator(generator):
    """`generator` (or another model: a style encoder) itself when it computes in float32, else a float32 copy of
    it holding the same weights.

    Mixed-precision models keep their variables in float32, so the copy computes what the trained model computes,
    without the 16-bit rounding of its activations.
    """
    if all(layer.dtype_policy.name == "float32" for layer in generator.layers):
        return generator

    def float32_layer(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})

    copy = keras.models.clone_model(generator, clone_function=float32_layer)
    copy.set_weights(generator.get_weights())
    return copy


def _not_the_trackable_obj_advice(record):
    return not record.getMessage().startswith("Please consider providing the trackable_obj argument")


def _tflite_bytes(function, quantize):
    # No trackable object: given one, TF 2.21's converter keeps the weights of some models (a single convolution,
    # tiny_settings.hint_generator) as resource variables it never initialises; without, it freezes them all. So
    # its advice to give one (an absl WARNING on every conversion) is dropped.
    absl = logging.getLogger("absl")
    absl.addFilter(_not_the_trackable_obj_advice)
    try:
        return _convert(tf.lite.TFLiteConverter.from_concrete_functions([function]), quantize)
    finally:
        absl.removeFilter(_not_the_trackable_obj_advice)


def _convert(converter, quantize):
    if quantize is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range int8 weights
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
    try:
        return converter.convert()
    except Exception as error:  # the converter raises several types, with pages of MLIR diagnostics
        lines = (line.strip() for line in str(error).splitlines())
        reason = next((line for line in lines if "error:" in line), None) or first_line(error)
        raise S2PError(f"TFLite conversion failed: {reason[:300]}") from None


def _serving_functions(generator, image_size):
    """``serve``, ``serve_float`` and the TFLite function: each takes the images, then ``hints`` when the
    generator takes colour hints, then ``style`` when it takes a style code."""
    hinted, styled = takes_hints(generator), bool(style_dim_of(generator))

    def run(sketches, extra, rgba=False):
        # extra: the hints (RGBA pixels when `rgba`) of a colour-hint generator, then a style generator's code.
        hints = (hints_from_rgba(extra[0], image_size) if rgba else extra[0]) if hinted else None
        style = extra[-1] if styled else None
        inputs = with_style(generator, sketches if hints is None else [sketches, hints], style)
        return tf.cast(generator(inputs, training=False), tf.float32)

    def serve(images, *extra):
        input_size = tf.shape(images)[1:3]
        photos = run(_prepared(images, image_size), extra, rgba=True)
        return {"photos": to_uint8(tf.image.resize(photos, input_size))}

    def serve_float(sketches, *extra):
        return {"photos": run(sketches, extra)}

    def serve_fixed_uint8(images, *extra):
        return {"photos": to_uint8(run(from_pixels(images), extra, rgba=True))}

    return serve, serve_float, serve_fixed_uint8


def _prepared(images, image_size):
    """uint8 images of any size -> float32 in [-1, 1] at the training size (antialiased resize)."""
    return from_pixels(tf.image.resize(tf.cast(images, tf.float32), (image_size, image_size), antialias=True))


def _style_functions(encoder, image_size):
    """``encode_style`` (uint8 photos of any size) and its TFLite twin (uint8 at the training size): the style
    encoder's mean."""

    def encode_style(images):
        return {"style": encoder(_prepared(images, image_size), training=False)[0]}

    def encode_fixed_uint8(images):
        return {"style": encoder(from_pixels(images), training=False)[0]}

    return encode_style, encode_fixed_uint8


def _specs(generator, shape, dtype, name):
    """Input specs of a serving function: the images, the hints of a colour-hint generator, the code of a style
    generator (float32 ``[batch, style_dim]``)."""
    specs = [tf.TensorSpec([*shape, 3], dtype, name=name)]
    if takes_hints(generator):
        specs.append(tf.TensorSpec([*shape, HINT_CHANNELS], dtype, name="hints"))
    if style_dim_of(generator):
        specs.append(tf.TensorSpec([shape[0], style_dim_of(generator)], tf.float32, name="style"))
    return specs


def style_encoder_path(path):
    """Where a TFLite export of a style model writes its style encoder: beside `path`, named
    ``<stem>.style_encoder.tflite`` (``faces.tflite`` -> ``faces.style_encoder.tflite``)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.style_encoder.tflite")


def _style_encoder(model, generator, style_encoder, format, path):
    """The float32 style encoder to export with `generator` (None for a generator without a style code, or for
    the keras format, which writes the generator alone).

    Raises:
        ConfigError: `style_encoder` given for a generator without a style code or for the keras format, missing
            for a style generator, or giving codes of another size than the generator takes.
    """
    dim = style_dim_of(generator)
    if style_encoder is not None and not dim:
        raise ConfigError(f"style_encoder= is for a generator with a style code; {generator.name!r} has none")
    if style_encoder is not None and format == "keras":
        raise ConfigError("style_encoder= is not written by format='keras', which writes the generator alone")
    encoder = style_encoder if style_encoder is not None else getattr(model, "style_encoder", None)
    if not dim or format == "keras":
        return None
    if encoder is None:
        raise ConfigError(f"export to {path}: the generator takes a style code (style_dim={dim}) and needs its "
                          f"style encoder, which a generator file lacks: export the run's model.keras (in Python: "
                          f"the SketchToPhotoGAN, or pass style_encoder=)")
    outputs = getattr(encoder, "outputs", None) or []
    widths = [output.shape[-1] for output in outputs]
    if widths != [dim, dim]:
        raise ConfigError(f"style_encoder must be a Keras model from photos to [mean, log_var] of {dim} numbers "
                          f"each (the generator's style_dim), got outputs of sizes {widths}")
    return float32_generator(encoder)


def export_model(model, path, format="saved_model", image_size=None, quantize=None, web_runtime=None,
                 style_encoder=None):
    """Write the generator of `model` for inference (and the style encoder of a style model).

    Args:
        model: a `SketchToPhotoGAN` (its generator, style encoder and ``image_size`` are used) or a generator model.
        path: output path: a ``.keras`` file, a SavedModel folder, a ``.tflite`` file, or the web page's folder.
            Written atomically (a previous export at `path` stays until the new one is complete). A style model's
            TFLite export also writes `style_encoder_path` (`path` is still what is returned).
        format: ``"saved_model"``, ``"tflite"``, ``"keras"`` or ``"web"``.
        image_size: the training size; required for a bare generator in the ``saved_model``, ``tflite`` and
            ``web`` formats (the generator is fully convolutional, but is used at the size it was trained at).
        quantize: ``None`` (float32), or for ``tflite`` and ``web`` one of `QUANTIZATIONS` (the style encoder's
            weights too).
        web_runtime: for ``web``: a folder holding the LiteRT.js npm tarballs (`keras_s2p.draw.runtime`);
            ``None`` downloads them once into the cache.
        style_encoder: for a bare style generator: its style encoder (`SketchToPhotoGAN.style_encoder`, which a
            GAN `model` brings itself); the ``saved_model``, ``tflite`` and ``web`` formats need it.

    Returns:
        pathlib.Path: `path`.

    Raises:
        ConfigError: an unknown format or quantisation, a ``.keras`` path not ending in ``.keras``, no image size,
            `web_runtime` for another format than ``web``, a style generator without its style encoder, or a
            `style_encoder` that does not fit (`_style_encoder`).
        S2PError: the TFLite converter failed (its first error line); for ``web``, the runtime's tarballs are
            missing, unreachable or not the pinned ones.
        OutputError: `path` cannot be written (a file in the way, no permission).

    Example:
        >>> export_model(gan, "exports/photo_model")                       # SavedModel
        >>> serve = tf.saved_model.load("exports/photo_model").signatures["serve"]
        >>> photos = serve(images=tf.constant(uint8_images))["photos"]
        >>> encode = tf.saved_model.load("exports/photo_model").signatures["encode_style"]  # a style model
        >>> photos = serve(images=tf.constant(uint8_images), style=encode(images=uint8_photos)["style"])
    """
    if format not in EXPORT_FORMATS:
        raise ConfigError(f"export format={format!r} must be one of {', '.join(EXPORT_FORMATS)}")
    if quantize is not None and (format not in QUANTIZABLE_FORMATS or quantize not in QUANTIZATIONS):
        raise ConfigError(f"quantize={quantize!r}: only the {' and '.join(QUANTIZABLE_FORMATS)} formats are quantised, "
                          f"to one of {', '.join(QUANTIZATIONS)}")
    if web_runtime is not None and format != "web":
        raise ConfigError(f"web_runtime={str(web_runtime)!r} is for the web format only")
    path = Path(path)
    existing_folder(path)  # before the conversion's seconds (written again, atomically, at the end)
    generator = float32_generator(getattr(model, "generator", model))
    encoder = _style_encoder(model, generator, style_encoder, format, path)
    image_size = image_size or getattr(model, "image_size", None)
    if format == "keras":
        if path.suffix != ".keras":
            raise ConfigError(f"export path {path} must end in .keras for format='keras'")
        with atomic_path(path) as tmp:
            generator.save(tmp)
        return path
    if image_size is None:
        raise ConfigError(f"export to {path} needs image_size= (the training size) for a bare generator")
    image_size = int(image_size)
    serve, serve_float, serve_fixed_uint8 = _serving_functions(generator, image_size)
    encode_style, encode_fixed_uint8 = _style_functions(encoder, image_size) if encoder else (None, None)
    if format == "saved_model":
        archive = keras.export.ExportArchive()
        archive.track(generator)
        archive.add_endpoint("serve", serve, _specs(generator, [None, None, None], tf.uint8, "images"))
        archive.add_endpoint("serve_float", serve_float,
                             _specs(generator, [None, image_size, image_size], tf.float32, "sketches"))
        if encoder:
            archive.track(encoder)
            archive.add_endpoint("encode_style", encode_style, [tf.TensorSpec([None, None, None, 3], tf.uint8,
                                                                              name="images")])
        with atomic_path(path) as tmp:
            archive.write_out(str(tmp), verbose=False)
        return path
    fixed = [tf.TensorSpec([1, image_size, image_size, 3], tf.uint8, name="images")]
    function = tf.function(serve_fixed_uint8).get_concrete_function(
        *_specs(generator, [1, image_size, image_size], tf.uint8, "images"))
    encoder_function = tf.function(encode_fixed_uint8).get_concrete_function(*fixed) if encoder else None
    if format == "tflite":
        if encoder:
            atomic_write_bytes(style_encoder_path(path), _tflite_bytes(encoder_function, quantize))
        atomic_write_bytes(path, _tflite_bytes(function, quantize))
        return path
    packages = runtime.tarballs(web_runtime)  # first: a missing runtime fails before the conversion's seconds
    tflite = _tflite_bytes(function, quantize)
    encoder_tflite = _tflite_bytes(encoder_function, quantize) if encoder else None
    with atomic_path(path) as tmp:
        tmp.mkdir()
        write_web_folder(tmp, tflite, image_size, takes_hints(generator), packages, style_dim_of(generator),
                         encoder_tflite)
    return path
