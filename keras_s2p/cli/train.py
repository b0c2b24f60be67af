"""``s2p train [DATA]``: train on a paired folder (or the built-in dataset) into a run folder."""

import argparse
import sys

from keras_s2p.cli.options import add_side_by_side, count_or_fraction, non_negative_float, positive_int
from keras_s2p.models.choices import CRITIC_OUTPUTS, NORMALIZATIONS, UPSAMPLING_MODES
from keras_s2p.presets import PRESET_HELP, PRESETS, preset


DESCRIPTION = ("Train a sketch-to-photo GAN. Writes logs/<run>/ with config.json, tensorboard/, samples/, checkpoints/, "
               "history.csv, loss_curves.png, model.keras and generator.keras. Rerunning the same command on an "
               "existing run folder resumes it from its last completed epoch.")


def add_parser(commands):
    p = commands.add_parser("train", help="train a model (rerun on the same --run-dir to resume)",
                            allow_abbrev=False, description=DESCRIPTION)
    add_options(p)
    p.set_defaults(run=run_command)


def add_options(p):
    """Every `s2p train` option, on parser `p`."""
    p.add_argument("data", nargs="?", default=None, metavar="DATA",
                   help="paired data folder (sketches/ + photos/, pairs.csv, or side-by-side images); "
                        "default: the built-in dataset")
    add_side_by_side(p)
    p.add_argument("--preset", choices=tuple(PRESETS), default="default",
                   help="named settings (" + "; ".join(f"{name}: {text}" for name, text in PRESET_HELP.items())
                        + "); explicit flags override them")
    run = p.add_argument_group("run")
    run.add_argument("--epochs", type=positive_int, default=200)
    run.add_argument("--batch-size", type=positive_int, default=4, help="batch size per replica")
    run.add_argument("--sample-every", type=positive_int, default=10, help="epochs between sample grids")
    run.add_argument("--checkpoint-every", type=positive_int, default=None,
                     help="epochs between checkpoints (default: --sample-every)")
    run.add_argument("--validation-split", type=count_or_fraction, default=0.1,
                     help="fraction (0.1) or number (18) of pairs held out, chosen by --seed")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--run-dir", default=None, metavar="DIR", help="run folder (default: logs/<run-name>)")
    run.add_argument("--run-name", default=None, help="name of the run folder under logs/ (default: date-time)")
    run.add_argument("--no-augment", dest="augment", action="store_false", help="no jitter/mirroring")
    run.add_argument("--sketch-style", action=argparse.BooleanOptionalAction, default=False,
                     help="restyle training sketches (line thickness, contrast, blur, small warps)")
    run.add_argument("--builtin-pairs", type=positive_int, default=512, help="size of the built-in dataset")
    run.add_argument("--strategy", default="default", choices=("default", "mirrored", "multiworker", "tpu"),
                     help="tf.distribute strategy (multiworker reads TF_CONFIG)")
    run.add_argument("--tpu", default=None, help="Cloud TPU name or grpc:// address for --strategy tpu")
    run.add_argument("--quiet", action="store_true", help="one line per epoch instead of progress bars")
    run.add_argument("--deterministic", action="store_true",
                     help="TensorFlow op determinism: the same command gives the same weights (can be slower)")

    model = p.add_argument_group("model")
    model.add_argument("--image-size", type=positive_int, default=128)
    model.add_argument("--base-filters", type=positive_int, default=32)
    model.add_argument("--res-blocks", dest="num_res_blocks", type=int, default=6)
    model.add_argument("--skip-connections", action=argparse.BooleanOptionalAction, default=True,
                       help="U-Net skips in the generator")
    model.add_argument("--upsampling", choices=UPSAMPLING_MODES, default="resize")
    model.add_argument("--generator-norm", choices=NORMALIZATIONS, default="batch",
                       help="generator normalisation (README: Normalisation)")
    model.add_argument("--critic-filters", type=positive_int, default=64)
    model.add_argument("--critic-output", choices=CRITIC_OUTPUTS, default="patch")
    model.add_argument("--conditional-critic", action=argparse.BooleanOptionalAction, default=True,
                       help="the critic judges (sketch, photo) pairs, not photos alone")
    model.add_argument("--precision", choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"),
                       default="auto")

    loss = p.add_argument_group("losses and optimisation")
    loss.add_argument("--critic-steps", type=positive_int, default=1, help="critic updates per generator update")
    loss.add_argument("--gp-weight", type=non_negative_float, default=10.0)
    loss.add_argument("--l1-weight", type=non_negative_float, default=100.0)
    loss.add_argument("--perceptual-weight", type=non_negative_float, default=1.0)
    loss.add_argument("--feature-matching-weight", type=non_negative_float, default=0.0,
                      help="critic feature-matching term (pix2pixHD); needs no pretrained network")
    loss.add_argument("--perceptual-weights", default="imagenet", metavar="imagenet|PATH",
                      help="VGG19 weights: Keras' ImageNet download/cache or a local .h5 file")
    loss.add_argument("--perceptual-precision", choices=("float32", "auto", "mixed_bfloat16", "mixed_float16"),
                      default="float32", help="precision VGG19 runs in (auto: as --precision; faster on bf16 CPUs)")
    loss.add_argument("--require-perceptual", action="store_true",
                      help="fail instead of training without the perceptual term when VGG19 weights are missing")
    loss.add_argument("--g-lr", type=non_negative_float, default=2e-4, help="generator learning rate")
    loss.add_argument("--d-lr", type=non_negative_float, default=2e-4, help="critic learning rate")
    loss.add_argument("--lr-decay-epochs", type=count_or_fraction, default=0.5,
                      help="decay both learning rates linearly to 0 over the last N epochs, or over that fraction "
                           "of --epochs (0.5: the last half; pix2pix schedule)")


def apply_preset(args, argv):
    """Parse the `s2p train` part of `argv` again with the preset's values as the defaults: explicit flags win."""
    if args.preset == "default":
        return args
    parser = argparse.ArgumentParser(prog="s2p train", allow_abbrev=False)
    add_options(parser)
    parser.set_defaults(**preset(args.preset))
    again = parser.parse_args(argv[argv.index("train") + 1:])
    again.run, again.command, again.argv = args.run, args.command, args.argv
    return again


def run_command(args):
    from keras_s2p.training import train

    args = apply_preset(args, args.argv if args.argv is not None else sys.argv[1:])

    gan, history, run = train(
        args.data,
        run_dir=args.run_dir,
        run_name=args.run_name,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        seed=args.seed,
        sample_every=args.sample_every,
        checkpoint_every=args.checkpoint_every,
        side_by_side=args.side_by_side,
        augment=args.augment,
        sketch_style=args.sketch_style,
        builtin_pairs=args.builtin_pairs,
        g_learning_rate=args.g_lr,
        d_learning_rate=args.d_lr,
        lr_decay_epochs=args.lr_decay_epochs,
        require_perceptual=args.require_perceptual,
        strategy=args.strategy,
        tpu=args.tpu,
        verbose=2 if args.quiet else "auto",
        deterministic=args.deterministic,
        image_size=args.image_size,
        base_filters=args.base_filters,
        num_res_blocks=args.num_res_blocks,
        skip_connections=args.skip_connections,
        upsampling=args.upsampling,
        generator_norm=args.generator_norm,
        critic_filters=args.critic_filters,
        critic_output=args.critic_output,
        conditional_critic=args.conditional_critic,
        precision=args.precision,
        critic_steps=args.critic_steps,
        gp_weight=args.gp_weight,
        l1_weight=args.l1_weight,
        perceptual_weight=args.perceptual_weight,
        perceptual_weights=args.perceptual_weights,
        perceptual_precision=args.perceptual_precision,
        feature_matching_weight=args.feature_matching_weight,
    )
    print(f"run folder: {run.path}")
    print(f"  generator for inference: {run.generator_path}")
    print(f"  samples: {run.samples_dir}   TensorBoard: tensorboard --logdir {run.path.parent}")
    return gan, run
