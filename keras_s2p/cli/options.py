"""Command-line options shared by several commands."""

from keras_s2p.options import positive_int


def add_side_by_side(parser):
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None,
                        help="DATA holds side-by-side images; the named half is the sketch")


MODEL_FILE = "a generator.keras or model.keras written by 's2p train' or 's2p demo'"


def add_model_file(parser, required=True):
    parser.add_argument("--model", required=required, metavar="FILE", help=MODEL_FILE)
    parser.add_argument("--image-size", type=positive_int, default=None,
                        help="size the generator runs at (default: the size it was trained at)")
