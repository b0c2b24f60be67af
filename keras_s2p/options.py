"""Options as plain data: `Option` (name, default, kind or choices, help) and the kinds of values they take; the
training run's options, `TRAINING_OPTIONS`.

The model's options are declared beside the model (`keras_s2p.models.gan_options`). From such a declaration come a
signature's defaults, the validation of given values (`check`), a docstring's option list (`describe`) and, in
`keras_s2p.cli.options`, the ``s2p train`` flags. Presets (`keras_s2p.presets`) are dicts of these names. No
TensorFlow (nor argparse) is imported, so ``s2p --help`` stays fast.
"""

import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import NamedTuple

from keras_s2p.errors import ConfigError


class Kind(NamedTuple):
    """A kind of option value.

    Attributes:
        name: the kind's name (argparse says ``invalid <name> value`` for text `parse` rejects).
        parse: command-line text -> value; raises ValueError for text that is not such a value.
        allows: value -> whether it is allowed.
        rule: the allowed values in words, completing "must be ...".
        convert: value -> the value stored (``float`` for weights, ``tuple`` for lists).
    """

    name: str
    parse: Callable
    allows: Callable
    rule: str
    convert: Callable = None


def _number_at_least(minimum, integral):
    kind = Integral if integral else Real
    return lambda value: isinstance(value, kind) and value >= minimum  # NaN is not >= anything


def _count_or_fraction(text):
    """A fraction like 0.1 or a count like 18 (validation split, decay epochs)."""
    value = float(text)
    return int(value) if value >= 1 and value.is_integer() and "." not in text else value


CACHES = ("auto", "memory", "disk", "none")  # where decoded training pairs live (keras_s2p.data.streaming)


def _names(text):
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _sequence_of(kind):
    return lambda value: isinstance(value, (list, tuple)) and all(isinstance(v, kind) for v in value)


positive_int = Kind("positive_int", int, _number_at_least(1, True), "a positive integer", int)
non_negative_int = Kind("non_negative_int", int, _number_at_least(0, True), "an integer >= 0", int)
non_negative_float = Kind("non_negative_float", float, _number_at_least(0, False), "a number >= 0", float)
probability = Kind("probability", float, lambda value: _number_at_least(0, False)(value) and value <= 1,
                   "a probability in [0, 1]", float)
count_or_fraction = Kind("count_or_fraction", _count_or_fraction, _number_at_least(0, False), "a number >= 0")
integer = Kind("int", int, lambda value: isinstance(value, Integral), "an integer", int)
flag = Kind("bool", None, lambda value: value in (True, False), "True or False", bool)  # --name / --no-name
path = Kind("str", str, lambda value: value is None or isinstance(value, (str, os.PathLike)), "a path or name")
names = Kind("names", _names, _sequence_of(str), "a list of names", tuple)
numbers = Kind("numbers", lambda text: tuple(float(v) for v in _names(text)), _sequence_of(Real), "a list of numbers",
               lambda value: tuple(float(v) for v in value))


@dataclass(frozen=True)
class Option:
    """One option.

    Attributes:
        name: the argument's name in Python.
        default: its default (``None``: decided elsewhere, as `help` says).
        help: one line on what it does (the ``--help`` text and the docstring's entry).
        type: its `Kind`, when not given by `choices` (``flag`` makes a ``--name/--no-name`` pair).
        choices: the allowed values.
        flag: the command-line flag, default ``--name-with-dashes``.
        architecture: part of what checkpoints hold (a run resumes only with the same value).
        details: more for the Python docstring than ``--help`` shows.
    """

    name: str
    default: object
    help: str
    type: Kind = None
    choices: tuple = None
    flag: str = None
    architecture: bool = False
    details: str = ""

    @property
    def cli_flag(self):
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def rule(self):
        """The allowed values in words, completing "must be ..."."""
        return f"one of {self.choices}" if self.choices else self.type.rule


def defaults(options):
    """``{name: default}`` of `options`."""
    return {option.name: option.default for option in options}


def check(options, values):
    """`values` (a dict holding every option's name) validated and converted as `options` declare.

    Returns:
        dict: the values to store (converted by each kind's `Kind.convert`).

    Raises:
        ConfigError: the first value that is not allowed, named: ``critic_steps=0 must be a positive integer``.
    """
    checked = {}
    for option in options:
        value = values[option.name]
        if value is None and option.default is None:
            checked[option.name] = value
            continue
        allowed = value in option.choices if option.choices else option.type is None or option.type.allows(value)
        if not allowed:
            raise ConfigError(f"{option.name}={value!r} must be {option.rule}")
        convert = option.type.convert if option.type is not None else None
        checked[option.name] = convert(value) if convert else value
    return checked


def describe(options, indent=8, width=116):
    """A docstring's ``Args:`` entries for `options`: name, help, details, default, allowed values."""
    entries = []
    for option in options:
        text = f"{option.name}: {option.help}."
        if option.details:
            text += f" {option.details}"
        text += f" Default {option.default!r}" + (f"; one of {option.choices}." if option.choices else ".")
        entries.append(textwrap.fill(text, width, initial_indent=" " * indent,
                                     subsequent_indent=" " * (indent + 4)))
    return "\n".join(entries)


ADAM_BETAS = (0.5, 0.9)  # Adam's beta_1, beta_2 for both networks: pix2pix's beta_1, WGAN-GP's beta_2
TRAINING_OPTIONS = (
    Option("epochs", 200, "total epochs (a resumed run continues up to this number)", positive_int),
    Option("batch_size", 4, "batch size per replica", positive_int),
    Option("g_learning_rate", 2e-4, "generator learning rate (Adam, beta {}, {})".format(*ADAM_BETAS),
           non_negative_float, flag="--g-lr"),
    Option("d_learning_rate", 2e-4, "critic learning rate (Adam, beta {}, {})".format(*ADAM_BETAS),
           non_negative_float, flag="--d-lr"),
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
    Option("seed", 0, "seeds the split, shuffling, augmentation and weight initialisation", integer),
    Option("augment", True, "pix2pix jitter and mirroring of the training pairs", flag),
    Option("sketch_style", False, "restyle training sketches (line thickness, contrast, blur, small warps)", flag),
    Option("xdog_mix", 0.0, "probability of replacing a training sketch by the XDoG drawing of its photo",
           non_negative_float),
    Option("sample_every", 10, "epochs between sample grids", positive_int),
    Option("checkpoint_every", None, "epochs between checkpoints (default: --sample-every)", positive_int),
    Option("builtin_pairs", 512, "size of the built-in dataset", positive_int),
)
TRAINING_DEFAULTS = defaults(TRAINING_OPTIONS)
