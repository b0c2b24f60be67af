"""``s2p export --model FILE --output PATH``: a servable SavedModel, a TFLite file or a ``.keras`` generator."""

from keras_s2p.cli.options import add_model_file
from keras_s2p.models.choices import EXPORT_FORMATS, QUANTIZATIONS


def add_parser(commands):
    p = commands.add_parser(
        "export", help="export the generator as SavedModel, TFLite or .keras",
        description="Export a trained generator for serving. The SavedModel has a 'serve' signature taking uint8 "
                    "images of any size (resized and scaled inside) and a float 'serve_float' signature; TFLite "
                    "takes uint8 images at the training size. Every format runs in float32, whatever precision the "
                    "model was trained in.",
    )
    add_model_file(p)
    p.add_argument("--format", choices=EXPORT_FORMATS, default="saved_model")
    p.add_argument("--output", required=True, metavar="PATH",
                   help="SavedModel folder, .tflite file or .keras file")
    p.add_argument("--quantize", choices=QUANTIZATIONS, default=None,
                   help="TFLite only: float16 weights (half the size) or int8 dynamic-range weights (a quarter; "
                        "activations stay float, no calibration data needed)")
    p.set_defaults(run=run_command)


def run_command(args):
    from keras_s2p.cli.model_file import load_generator
    from keras_s2p.export import export_model

    generator, size = load_generator(args.model, args.image_size)
    path = export_model(generator, args.output, format=args.format, image_size=size, quantize=args.quantize)
    quantized = f", {args.quantize} weights" if args.quantize else ""
    print(f"exported {args.format} ({size}x{size}{quantized}) to {path}")
