"""Command-line options shared by several commands."""

from keras_s2p.options import positive_int


def add_side_by_side(parser):
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None,
                        help="DATA holds side-by-side images; the named half is the sketch")


def add_model_file(parser):
    parser.add_argument("--model", required=True, metavar="FILE",
                        help="a generator.keras or model.keras written by 's2p train'")
    parser.add_argument("--image-size", type=positive_int, default=None,
                        help="size the generator runs at (default: the size it was trained at)")
