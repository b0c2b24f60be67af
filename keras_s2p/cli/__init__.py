"""The ``s2p`` command line: train, pack, generate, draw, evaluate, sketchify, export, demo.

Every command is a module with ``add_parser(subparsers)`` and ``run(args)``. TensorFlow is imported only inside
``run``, so ``s2p --help`` answers at once; its start-up log lines are hidden unless ``--verbose``
(`keras_s2p.cli.quiet_tensorflow`). User mistakes (`S2PError`, missing files) print one line and exit 1; there is
no traceback for them.
"""

import argparse
import sys
import warnings

from keras_s2p.cli import demo, draw, evaluate, export, generate, pack, sketchify, train
from keras_s2p.cli.quiet_tensorflow import import_tensorflow

COMMANDS = (demo, train, pack, generate, draw, evaluate, sketchify, export)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="s2p", description="Train and run sketch-to-photo GANs (Keras 3, WGAN-GP).",
        epilog="Run 's2p COMMAND --help' for the options of each command.",
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the versions of keras-s2p, TensorFlow and Keras, then exit")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's own log lines (hidden by default)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


class _Version(argparse.Action):
    """``s2p --version``: the package's version and those of the TensorFlow and Keras it runs on."""

    def __call__(self, parser, namespace, values, option_string=None):
        import_tensorflow(verbose=False)
        import keras
        import tensorflow as tf

        from keras_s2p import __version__

        print(f"keras-s2p {__version__} (TensorFlow {tf.__version__}, Keras {keras.__version__})")
        parser.exit()


def _one_line_warning(message, category, filename, lineno, line=None):
    return f"s2p: warning: {message}\n"


def main(argv=None):
    """Run the ``s2p`` command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    args.argv = argv  # commands that must know which options were given explicitly (presets)
    warnings.formatwarning = _one_line_warning
    from keras_s2p.errors import S2PError

    try:
        import_tensorflow(verbose=args.verbose)  # inside: an unsupported version is a one-line error too
        args.run(args)
    except S2PError as error:
        print(f"s2p {args.command}: error: {error}", file=sys.stderr)
        return 1
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as error:
        print(f"s2p {args.command}: error: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"s2p {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
