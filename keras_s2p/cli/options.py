"""Command-line options shared by several commands, and the model settings they map to."""

import argparse


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_float(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def count_or_fraction(text):
    """A fraction like 0.1 or a count like 18 (validation split, decay epochs)."""
    value = float(text)
    return int(value) if value >= 1 and value.is_integer() and "." not in text else value


def add_side_by_side(parser):
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None,
                        help="DATA holds side-by-side images; the named half is the sketch")


def add_model_file(parser):
    parser.add_argument("--model", required=True, metavar="FILE",
                        help="a generator.keras or model.keras written by 's2p train'")
    parser.add_argument("--image-size", type=positive_int, default=None,
                        help="size the generator runs at (default: the size it was trained at)")
