"""``s2p export --model FILE --output PATH``: a servable SavedModel, a TFLite file, a ``.keras`` generator, or a
folder with the draw page running the model in the browser (``--format web``)."""

from keras_s2p.cli.options import add_model_file
from keras_s2p.draw import runtime
from keras_s2p.models.choices import EXPORT_FORMATS, QUANTIZATIONS


def add_parser(commands):
    p = commands.add_parser(
        "export", help="export the generator as SavedModel, TFLite, .keras or a web page",
        description="Export a trained generator for serving. The SavedModel has a 'serve' signature taking uint8 "
                    "images of any size (resized and scaled inside) and a float 'serve_float' signature; TFLite "
                    "takes uint8 images at the training size; web is a folder with the draw page running that TFLite "
                    "model in the browser (LiteRT.js), for any static web server. Every format runs in float32, "
                    "whatever precision the model was trained in. A model trained with --style-dim takes its style "
                    "code too and is exported with its style encoder: give the run's model.keras (docs/export.md).",
        epilog="example: s2p export --model generator.keras --format tflite --output g.tflite",
    )
    add_model_file(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, default="saved_model")
    p.add_argument("--output", required=True, metavar="PATH",
                   help="SavedModel folder, .tflite file, .keras file or web page folder")
    p.add_argument("--quantize", choices=QUANTIZATIONS, default=None,
                   help="TFLite and web only: float16 weights (half the size) or int8 dynamic-range weights (a "
                        "quarter; activations stay float, no calibration data needed)")
    p.add_argument("--web-runtime", metavar="FOLDER", default=None,
                   help=f"web only: a folder holding the LiteRT.js npm tarballs (made by `{runtime.pack_command()}`, "
                        "or another machine's ~/.cache/keras_s2p/npm), for machines without internet; default: "
                        "downloaded once from the npm registry into that cache; either way checked against pinned "
                        "sha512 hashes")
    p.set_defaults(run=run_command)


def run_command(args):
    from keras_s2p.export import export_model, style_encoder_path
    from keras_s2p.model_file import load_generator

    generator, size, encoder = load_generator(args.model, args.image_size, style_encoder=True)
    keras_format = args.format == "keras"  # the generator alone
    path = export_model(generator, args.output, format=args.format, image_size=size, quantize=args.quantize,
                        web_runtime=args.web_runtime, style_encoder=None if keras_format else encoder)
    quantized = f", {args.quantize} weights" if args.quantize else ""
    print(f"exported {args.format} ({size}x{size}{quantized}) to {path}")
    if encoder is not None and args.format == "tflite":
        print(f"style encoder: {style_encoder_path(path)}")
    if args.format == "web":
        print(f"serve it with any static web server, e.g.: python -m http.server -d {path} 8000")
