"""``s2p train [DATA]``: train on a paired folder (or the built-in dataset) into a run folder."""

import argparse
import sys

from keras_s2p.cli.options import add_arguments, add_side_by_side
from keras_s2p.models.choices import STRATEGIES
from keras_s2p.models.gan_options import MODEL_OPTIONS
from keras_s2p.options import TRAINING_OPTIONS
from keras_s2p.presets import PRESETS, preset

DESCRIPTION = ("Train a sketch-to-photo GAN. Writes logs/<run>/ with config.json, tensorboard/, samples/, "
               "checkpoints/, history.csv, loss_curves.png, model.keras and generator.keras. Rerunning the same "
               "command on an existing run folder resumes it from its last completed epoch.")


def add_parser(commands):
    p = commands.add_parser("train", help="train a model (rerun on the same --run-dir to resume)",
                            allow_abbrev=False, description=DESCRIPTION,
                            epilog="example: s2p train data/faces --preset faces --run-dir logs/faces")
    add_options(p)
    p.set_defaults(run=run_command)


def add_options(p):
    """Every `s2p train` option, on parser `p`."""
    p.add_argument("data", nargs="?", default=None, metavar="DATA",
                   help="paired data folder (sketches/ + photos/, pairs.csv, or side-by-side images); "
                        "default: the built-in dataset")
    add_side_by_side(p)
    p.add_argument("--preset", choices=tuple(PRESETS), default="default",
                   help="named settings (" + "; ".join(f"{name}: {s.description}" for name, s in PRESETS.items())
                        + "); explicit flags override them")
    training = p.add_argument_group("training")
    add_arguments(training, TRAINING_OPTIONS)
    run = p.add_argument_group("run")
    run.add_argument("--run-dir", default=None, metavar="DIR", help="run folder (default: logs/<run-name>)")
    run.add_argument("--run-name", default=None, help="name of the run folder under logs/ (default: date-time)")
    run.add_argument("--strategy", default="default", choices=STRATEGIES,
                     help="tf.distribute strategy (multiworker reads TF_CONFIG)")
    run.add_argument("--tpu", default=None, help="Cloud TPU name or grpc:// address for --strategy tpu")
    run.add_argument("--quiet", action="store_true", help="one line per epoch instead of progress bars")
    run.add_argument("--deterministic", action="store_true",
                     help="TensorFlow op determinism: the same command gives the same weights (can be slower)")
    run.add_argument("--require-perceptual", action="store_true",
                     help="fail instead of training without the perceptual term when VGG19 weights are missing")
    add_arguments(p.add_argument_group("model"), MODEL_OPTIONS)


def apply_preset(args, argv):
    """Parse the `s2p train` part of `argv` again with the preset's values as the defaults: explicit flags win."""
    if args.preset == "default":
        return args
    parser = argparse.ArgumentParser(prog="s2p train", allow_abbrev=False)
    add_options(parser)
    parser.set_defaults(**preset(args.preset))
    again = parser.parse_args(argv[argv.index("train") + 1:])
    again.run, again.command, again.argv = args.run, args.command, getattr(args, "argv", None)
    return again


def run_command(args):
    from keras_s2p.training import train

    args = apply_preset(args, args.argv if args.argv is not None else sys.argv[1:])

    gan, history, run = train(
        args.data,
        run_dir=args.run_dir,
        run_name=args.run_name,
        side_by_side=args.side_by_side,
        require_perceptual=args.require_perceptual,
        strategy=args.strategy,
        tpu=args.tpu,
        verbose=2 if args.quiet else "auto",
        deterministic=args.deterministic,
        **{option.name: getattr(args, option.name) for option in (*TRAINING_OPTIONS, *MODEL_OPTIONS)},
    )
    print(f"run folder: {run.path}")
    print(f"  generator for inference: {run.generator_path}")
    samples = (str(run.samples_dir) if run.samples_dir.is_dir()
               else f"none (a grid every --sample-every {args.sample_every} epochs)")
    print(f"  samples: {samples}   TensorBoard: tensorboard --logdir {run.path.parent}")
    return gan, run
