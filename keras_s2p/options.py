"""Every model and training option, declared once: its default, its value type, its ``s2p train`` flag and help.

`SketchToPhotoGAN`'s and `train`'s signatures take their defaults from here; ``s2p train`` builds its flags, help
text and types from here; a run folder's resume check compares the options marked ``architecture`` (they decide
what its checkpoints contain). Presets (`keras_s2p.presets`) are plain dicts of these names. No TensorFlow is
imported, so ``s2p --help`` stays fast.
"""

import argparse
from dataclasses import dataclass

from keras_s2p.models.choices import CRITIC_OUTPUTS, CRITIC_SCALES, NORMALIZATIONS, PRECISIONS, UPSAMPLING_MODES


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def non_negative_float(text):
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text}")
    return value


def probability(text):
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a probability in [0, 1], got {text}")
    return value


def count_or_fraction(text):
    """A fraction like 0.1 or a count like 18 (validation split, decay epochs)."""
    value = float(text)
    return int(value) if value >= 1 and value.is_integer() and "." not in text else value


CACHES = ("auto", "memory", "disk", "none")  # where decoded training pairs live (keras_s2p.data.streaming)


def names(text):
    return tuple(name.strip() for name in text.split(",") if name.strip())


def numbers(text):
    return tuple(float(value) for value in names(text))


@dataclass(frozen=True)
class Option:
    """One option: `name` as in Python, its `default`, the `type` that parses its command-line text (``bool`` makes a
    ``--flag/--no-flag`` pair), its `choices`, its `flag` (default ``--name-with-dashes``), and whether it is part
    of the `architecture` (what checkpoints hold)."""

    name: str
    default: object
    help: str
    type: object = None
    choices: tuple = None
    flag: str = None
    architecture: bool = False

    @property
    def cli_flag(self):
        return self.flag or "--" + self.name.replace("_", "-")


MODEL_OPTIONS = (
    Option("image_size", 128, "training image size (square); the generator runs at any multiple of "
           "2**downsamples", positive_int, architecture=True),
    Option("base_filters", 32, "generator stem filters, doubled per downsampling", positive_int, architecture=True),
    Option("num_downsamples", None, "generator downsampling steps (default: 2; 3 from 256², where the size divides "
           "by 8: measured better at 256²)", non_negative_int, flag="--downsamples", architecture=True),
    Option("num_res_blocks", 6, "residual blocks at the generator bottleneck", non_negative_int,
           flag="--res-blocks", architecture=True),
    Option("upsampling", "resize", "generator upsampling (resize: no checkerboard)", choices=UPSAMPLING_MODES,
           architecture=True),
    Option("skip_connections", True, "U-Net skips in the generator", bool, architecture=True),
    Option("generator_norm", "batch", "generator normalisation; batch is recalibrated before every use "
           "(README: Normalisation)", choices=NORMALIZATIONS, architecture=True),
    Option("critic_filters", 64, "filters of the critic's first layer", positive_int, architecture=True),
    Option("critic_layers", 3, "strided layers of the critic", positive_int, architecture=True),
    Option("critic_output", "patch", "PatchGAN score map or one score per image", choices=CRITIC_OUTPUTS,
           architecture=True),
    Option("conditional_critic", True, "the critic judges (sketch, photo) pairs, not photos alone", bool,
           architecture=True),
    Option("critic_scales", 1, "critics of the same design on the pair at full, 1/2 and 1/4 resolution (pix2pixHD); "
           "losses summed, gradient penalty per scale", int, choices=CRITIC_SCALES, architecture=True),
    Option("attention", False, "SAGAN self-attention at the generator bottleneck and at the critic's 1/8 "
           "resolution", bool, architecture=True),
    Option("color_hints", False, "the generator (and a conditional critic) also take colour hints, RGB + alpha "
           "mask, drawn from the photo in training (README: Colour hints)", bool, architecture=True),
    Option("hint_recolor", 0.25, "probability that a hinted training photo is recoloured (random hue and "
           "saturation) before its hints are drawn: hints then steer to colours the sketch does not suggest, at "
           "some cost to hint-free quality on small data", probability),
    Option("critic_steps", 1, "critic updates per generator update", positive_int),
    Option("gp_weight", 10.0, "gradient-penalty weight", non_negative_float),
    Option("l1_weight", 100.0, "L1 reconstruction weight", non_negative_float),
    Option("perceptual_weight", 1.0, "VGG19 perceptual weight (0: VGG19 is never loaded)", non_negative_float),
    Option("perceptual_weights", "imagenet", "VGG19 weights: Keras' ImageNet download/cache or a local .h5 file"),
    Option("perceptual_layers", ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"),
           "VGG19 layers compared by the perceptual term (comma-separated)", names),
    Option("perceptual_layer_weights", (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0),
           "one weight per perceptual layer (comma-separated)", numbers),
    Option("perceptual_precision", "float32", "precision VGG19 runs in (auto: as --precision; faster on bf16 "
           "CPUs, less exact gradients: README)", choices=PRECISIONS),
    Option("feature_matching_weight", 0.0, "critic feature-matching weight (pix2pixHD); needs no pretrained network",
           non_negative_float),
    Option("precision", "auto", "numeric precision (auto: mixed bfloat16/float16 where the hardware has it)",
           choices=PRECISIONS),
)

TRAINING_OPTIONS = (
    Option("epochs", 200, "total epochs (a resumed run continues up to this number)", positive_int),
    Option("batch_size", 4, "batch size per replica", positive_int),
    Option("g_learning_rate", 2e-4, "generator learning rate (Adam, beta 0.5, 0.9)", non_negative_float,
           flag="--g-lr"),
    Option("d_learning_rate", 2e-4, "critic learning rate (Adam, beta 0.5, 0.9)", non_negative_float,
           flag="--d-lr"),
    Option("lr_decay_epochs", 0.5, "decay both learning rates linearly to 0 over the last N epochs, or over that "
           "fraction of --epochs (0.5: the last half; pix2pix schedule)", count_or_fraction),
    Option("ema_momentum", 0.0, "keep moving averages of the generator's weights with this momentum (Adam "
           "use_ema; 0: off); validation, samples, checkpoints and the saved models use them", non_negative_float),
    Option("validation_split", 0.1, "fraction (0.1) or number (18) of pairs held out, chosen by --seed; a count "
           "keeps validation short on large data", count_or_fraction),
    Option("steps_per_epoch", None, "batches per epoch (default: the whole training set); short epochs on large "
           "data: samples, validation, checkpoints and resume every N steps, the data continuing where the last "
           "epoch stopped", positive_int),
    Option("cache", "auto", "where decoded pairs live: memory (fastest), none (stream the files every epoch: "
           "memory bounded by the settings, not by the data), disk (pack once, stream the shards), auto (memory "
           "while the decoded pairs fit its budget, docs/large-datasets.md)", choices=CACHES),
    Option("shuffle_buffer", 1024, "packed records held for shuffling when streaming shards (file lists and memory "
           "are permuted whole every epoch)", positive_int),
    Option("seed", 0, "seeds the split, shuffling, augmentation and weight initialisation", int),
    Option("augment", True, "pix2pix jitter and mirroring of the training pairs", bool),
    Option("sketch_style", False, "restyle training sketches (line thickness, contrast, blur, small warps)", bool),
    Option("xdog_mix", 0.0, "probability of replacing a training sketch by the XDoG drawing of its photo",
           non_negative_float),
    Option("sample_every", 10, "epochs between sample grids", positive_int),
    Option("checkpoint_every", None, "epochs between checkpoints (default: --sample-every)", positive_int),
    Option("builtin_pairs", 512, "size of the built-in dataset", positive_int),
)


def default_downsamples(image_size):
    """The generator's downsampling steps when `num_downsamples` is not given: 2, or 3 from 256² (where the size
    divides by 8). At 256² on edges2shoes 3 scored +0.04 SSIM at equal CPU time (`benchmarks/QUALITY.md`): the
    bottleneck's residual blocks then see twice the context for the same FLOPs."""
    return 3 if image_size >= 256 and image_size % 8 == 0 else 2


MODEL_DEFAULTS = {option.name: option.default for option in MODEL_OPTIONS}
TRAINING_DEFAULTS = {option.name: option.default for option in TRAINING_OPTIONS}
ARCHITECTURE_KEYS = tuple(option.name for option in MODEL_OPTIONS if option.architecture)


def add_arguments(group, options):
    """Add one command-line argument per option to the argparse `group`."""
    for option in options:
        if option.type is bool:
            group.add_argument(option.cli_flag, dest=option.name, action=argparse.BooleanOptionalAction,
                               default=option.default, help=option.help)
        else:
            shown = "" if option.default is None else " (default: %(default)s)"  # None: the help says what decides
            group.add_argument(option.cli_flag, dest=option.name, type=option.type, choices=option.choices,
                               default=option.default, help=option.help + shown)
