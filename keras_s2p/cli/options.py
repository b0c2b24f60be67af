"""Command-line options: flags built from option declarations (`keras_s2p.options`), and those shared by several
commands."""

import argparse
import sys

from keras_s2p import options as kinds


def argument_type(kind):
    """The argparse ``type`` for a `keras_s2p.options.Kind`: parses the text, rejects values the kind does not
    allow with ``must be <rule>, got <text>``."""
    def parse(text):
        value = kind.parse(text)  # ValueError: argparse says "invalid <kind name> value"
        if not kind.allows(value):
            raise argparse.ArgumentTypeError(f"must be {kind.rule}, got {text}")
        return value

    parse.__name__ = kind.name
    return parse


positive_int = argument_type(kinds.positive_int)
count_or_fraction = argument_type(kinds.count_or_fraction)


def add_arguments(group, options):
    """Add one command-line argument per option (`keras_s2p.options.Option`) to the argparse `group`."""
    for option in options:
        if option.type is kinds.flag:
            group.add_argument(option.cli_flag, dest=option.name, action=argparse.BooleanOptionalAction,
                               default=option.default, help=option.help)
        else:
            shown = "" if option.default is None else " (default: %(default)s)"  # None: the help says what decides
            parse = argument_type(option.type) if option.type is not None else None
            group.add_argument(option.cli_flag, dest=option.name, type=parse, choices=option.choices,
                               default=option.default, help=option.help + shown)


class _RenamedFlag(argparse.Action):
    def __init__(self, option_strings, dest, new, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help=argparse.SUPPRESS, **kwargs)
        self.new = new

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog}: warning: {option_string} is deprecated here, use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, True)


def add_renamed_flag(parser, old, new):
    """Keep the old spelling `old` of the ``store_true`` flag `new` working, hidden from ``--help``, with a one-line
    deprecation notice on stderr when used."""
    parser.add_argument(old, dest=new.lstrip("-").replace("-", "_"), action=_RenamedFlag, new=new)


def add_side_by_side(parser):
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None,
                        help="DATA holds side-by-side images; the named half is the sketch")


MODEL_FILE = "a generator.keras or model.keras written by 's2p train' or 's2p demo'"


def add_model_file(parser, required=True):
    parser.add_argument("--model", required=required, metavar="FILE", help=MODEL_FILE)
    parser.add_argument("--image-size", type=positive_int, default=None,
                        help="size the generator runs at (default: the size it was trained at)")
