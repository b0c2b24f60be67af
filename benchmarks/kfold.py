"""k-fold cross-validation of training recipes, side by side: the check before changing a default or a preset.

The pairs of DATA are split into K folds by a seeded permutation (`fold_indices`). For each fold, every candidate
trains with `keras_s2p.training.train` on the other folds (same seed, no inner validation split) and its saved
``generator.keras`` is scored on the held-out fold exactly as ``s2p evaluate`` scores (`evaluate_generator`: SSIM,
PSNR, L1 per image, averaged). Candidates run interleaved fold by fold, so a noisy machine affects them alike.

Each finished (fold, candidate) is written to ``OUT/kfold.json`` at once; rerunning the same command resumes (an
interrupted training run resumes from its backup). The summary gives each candidate's mean ± sd over the folds and
its per-fold difference from the first candidate (mean ± sd, folds won).

Usage:
    python benchmarks/kfold.py DATA OUT --folds 5 --seed 0 \\
        --candidate base:preset=faces --candidate decay03:preset=faces,lr_decay_epochs=0.3 \\
        [--side-by-side right] [--epochs N] [--image-size N] [--limit-pairs N]

A candidate is ``NAME:preset=P,KEY=VALUE,...``: a preset (`keras_s2p.presets`; default ``default``) plus
`train` options as Python literals (``base_filters=32``, ``augment=False``).
"""

import argparse
import ast
import csv
import hashlib
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

SPLIT = re.compile(r",(?=\s*\w+\s*=)")  # commas that start the next KEY=VALUE (not those inside a literal)
DECIDED_HERE = ("validation_split", "run_dir", "seed", "verbose")  # set by the folds, not by a candidate


def fold_indices(n, folds, seed):
    """The held-out indices of each fold: ``RandomState(seed).permutation(n)`` cut into `folds` near-equal parts.

    Args:
        n: number of pairs.
        folds: number of folds, 2..n.
        seed: permutation seed.

    Returns:
        list of `folds` sorted int arrays, disjoint, together ``range(n)``.

    Raises:
        ValueError: `folds` outside 2..n.

    Example:
        >>> [f.tolist() for f in fold_indices(5, 2, seed=0)]
        [[1, 2, 4], [0, 3]]
    """
    if not 2 <= folds <= n:
        raise ValueError(f"--folds {folds} must be between 2 and the number of pairs ({n})")
    return [np.sort(part) for part in np.array_split(np.random.RandomState(seed).permutation(n), folds)]


def parse_candidate(text):
    """``"NAME:preset=P,KEY=VALUE,..."`` -> ``(NAME, settings)``: the preset's settings with the overrides.

    Raises:
        ValueError: no name, a part that is not KEY=VALUE, a value that is not a Python literal, an unknown
            preset or option, a value `train` refuses, or a key the folds decide.
    """
    from keras_s2p.errors import S2PError
    from keras_s2p.presets import preset

    name, _, spec = text.partition(":")
    if not name.strip() or not re.fullmatch(r"[\w.-]+", name.strip()):
        raise ValueError(f"--candidate {text!r}: start with a name (letters, digits, _ . -) and ':'")
    overrides = {}
    for part in filter(str.strip, SPLIT.split(spec)):
        key, eq, value = (s.strip() for s in part.partition("="))
        if not eq:
            raise ValueError(f"--candidate {text!r}: {part!r} is not KEY=VALUE")
        try:
            overrides[key] = value if key == "preset" else ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise ValueError(f"--candidate {text!r}: {key}={value} is not a Python literal (quote strings: "
                             f"{key}='{value}')") from None
    decided = sorted(set(overrides) & set(DECIDED_HERE))
    if decided:
        raise ValueError(f"--candidate {text!r}: {', '.join(decided)} is decided by the folds (use --seed)")
    try:
        settings = dict(preset(overrides.pop("preset", "default")), **overrides)
        _check(settings)
    except S2PError as error:  # ConfigError naming the preset or the option
        raise ValueError(f"--candidate {text!r}: {error}") from None
    return name.strip(), settings


def _check(settings):
    """Unknown options and values `train` would refuse, found before hours of training rather than after."""
    import inspect

    from keras_s2p.errors import ConfigError
    from keras_s2p.models.gan_options import MODEL_DEFAULTS, MODEL_OPTIONS
    from keras_s2p.options import TRAINING_DEFAULTS, TRAINING_OPTIONS, check
    from keras_s2p.training import train

    unknown = sorted(set(settings) - set(inspect.signature(train).parameters) - set(MODEL_DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown option(s) {', '.join(unknown)} (train() arguments and model options)")
    for options, defaults in ((MODEL_OPTIONS, MODEL_DEFAULTS), (TRAINING_OPTIONS, TRAINING_DEFAULTS)):
        check(options, dict(defaults, **{k: v for k, v in settings.items() if k in defaults}))


def fold_data(pairs, keep, folder, side_by_side):
    """A data folder of the pairs `keep` that `train` reads: a ``pairs.csv`` (paths relative to it), or links to
    the side-by-side images."""
    folder.mkdir(parents=True, exist_ok=True)
    if side_by_side:
        for i in keep:
            link = folder / f"{i:06d}{Path(pairs[i][0]).suffix}"
            if not link.is_symlink():
                link.symlink_to(os.path.abspath(pairs[i][0]))
        return folder
    with open(folder / "pairs.csv", "w", newline="", encoding="utf-8") as f:
        rows = csv.writer(f)
        rows.writerow(("sketch", "photo"))
        rows.writerows([os.path.relpath(os.path.abspath(p), folder) for p in pairs[i]] for i in keep)
    return folder


def run_one(train_dir, held_pairs, settings, run_dir, seed, side_by_side):
    """Train one candidate on `train_dir`, score its saved generator on `held_pairs`; scores plus CPU/wall time."""
    import keras

    from keras_s2p.data import paired_dataset
    from keras_s2p.evaluation import evaluate_generator
    from keras_s2p.model_file import load_generator
    from keras_s2p.training import train

    keras.backend.clear_session()
    load_before, start, cpu_before = os.getloadavg()[0], time.monotonic(), _cpu_seconds()
    _, _, run = train(str(train_dir), run_dir=run_dir, seed=seed, validation_split=0, side_by_side=side_by_side,
                      verbose=0, **settings)
    generator, size = load_generator(run.generator_path)
    held = paired_dataset(held_pairs, image_size=size, batch_size=16, augment=False, shuffle=False,
                          side_by_side=side_by_side)
    scores = evaluate_generator(generator, held)
    scores.update(cpu_s=_cpu_seconds() - cpu_before, wall_s=time.monotonic() - start,
                  load_before=load_before, load_after=os.getloadavg()[0])
    return scores


def summarise(record, names):
    """Per candidate: mean ± sd of each metric over the folds all candidates finished, and the paired difference
    from the first candidate (mean ± sd, folds won); summed CPU and wall seconds, and the load average's range."""
    from keras_s2p.metrics import EVAL_METRICS

    done = [f for f in record["folds"] if all(n in f["results"] for n in names)]
    summary = {"folds_done": len(done)}
    for name in names:
        entry = {}
        for metric, spec in EVAL_METRICS.items():
            values = np.array([f["results"][name][metric] for f in done])
            base = np.array([f["results"][names[0]][metric] for f in done])
            better = (values > base) if spec.direction == "up" else (values < base)
            entry[metric] = _mean_sd(values)
            if name != names[0]:
                entry[f"{metric}_diff"] = dict(_mean_sd(values - base), wins=int(better.sum()))
        runs = [f["results"][name] for f in done]
        entry["cpu_s"] = float(sum(r["cpu_s"] for r in runs))
        entry["wall_s"] = float(sum(r["wall_s"] for r in runs))
        loads = [r[k] for r in runs for k in ("load_before", "load_after")]
        entry["load"] = [min(loads, default=float("nan")), max(loads, default=float("nan"))]
        summary[name] = entry
    return summary


def _save(record, names, path):
    from keras_s2p.atomic import atomic_write_text

    record["summary"] = summarise(record, names)
    atomic_write_text(path, json.dumps(record, indent=1) + "\n")


def _mean_sd(values):
    return {"mean": float(values.mean()) if len(values) else float("nan"),
            "sd": float(values.std(ddof=1)) if len(values) > 1 else float("nan")}


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads of this process
    return usage.ru_utime + usage.ru_stime


def print_summary(summary, names, folds):
    from keras_s2p.metrics import EVAL_METRICS

    print(f"\n{summary['folds_done']} of {folds} folds done; mean ± sd over folds "
          f"(diff: candidate − {names[0]}, per fold; wins: folds where it is better)")
    for name in names:
        entry = summary[name]
        scores = "  ".join(f"{m} {entry[m]['mean']:.4f} ± {entry[m]['sd']:.4f}" for m in EVAL_METRICS)
        print(f"{name:>14}: {scores}  (CPU {entry['cpu_s'] / 60:.1f} min, wall {entry['wall_s'] / 60:.1f} min, "
              f"load average {entry['load'][0]:.1f}-{entry['load'][1]:.1f})")
        if name != names[0]:
            diffs = "  ".join(f"{m} {entry[m + '_diff']['mean']:+.4f} ± {entry[m + '_diff']['sd']:.4f} "
                              f"(wins {entry[m + '_diff']['wins']}/{summary['folds_done']})" for m in EVAL_METRICS)
            print(f"{'diff':>14}: {diffs}")


def main(argv=None):
    from keras_s2p.cli.options import positive_int

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", metavar="DATA", help="paired data folder (see keras_s2p.data.find_pairs)")
    parser.add_argument("out", metavar="OUT", help="results folder: kfold.json, fold data, run folders")
    parser.add_argument("--candidate", action="append", required=True, metavar="NAME:preset=P,KEY=VALUE,...",
                        help="a recipe to compare (repeat; the first is the baseline)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="fold permutation and training seed")
    parser.add_argument("--side-by-side", choices=("left", "right"), default=None, help="the sketch half")
    parser.add_argument("--epochs", type=positive_int, default=None, help="override every candidate's epochs")
    parser.add_argument("--image-size", type=positive_int, default=None, help="override every candidate's image_size")
    parser.add_argument("--limit-pairs", type=positive_int, default=None, metavar="N",
                        help="use N of the pairs, a seeded sample (short runs)")
    args = parser.parse_args(argv)

    from keras_s2p.data import find_pairs
    from keras_s2p.errors import S2PError

    try:
        candidates = dict(parse_candidate(text) for text in args.candidate)
        if len(candidates) != len(args.candidate):
            raise ValueError("--candidate names must differ")
        for settings in candidates.values():
            settings.update({k: v for k, v in (("epochs", args.epochs), ("image_size", args.image_size))
                             if v is not None})
        pairs = [tuple(map(str, p)) for p in find_pairs(args.data, side_by_side=args.side_by_side)]
        if args.limit_pairs:  # a seeded sample, in data order: not the first N, which may all be one kind
            sample = np.random.RandomState(args.seed).permutation(len(pairs))[:args.limit_pairs]
            pairs = [pairs[i] for i in sorted(sample)]
        folds = fold_indices(len(pairs), args.folds, args.seed)
        Path(args.out).mkdir(parents=True, exist_ok=True)
    except (ValueError, OSError, S2PError) as error:
        parser.error(str(error))

    out = Path(args.out)
    spec = dict(data=os.path.abspath(args.data), side_by_side=args.side_by_side, folds=args.folds, seed=args.seed,
                pairs=len(pairs), pairs_sha1=hashlib.sha1(repr(pairs).encode()).hexdigest(), candidates=candidates)
    path = out / "kfold.json"
    record = json.loads(path.read_text()) if path.is_file() else {"spec": spec, "folds": []}
    if json.loads(json.dumps(spec)) != record["spec"]:
        parser.error(f"{path} holds another comparison (its spec differs); use another OUT")
    names = list(candidates)
    print(f"{len(pairs)} pairs, {args.folds} folds (seed {args.seed}), candidates: {', '.join(names)}")
    try:
        _run_folds(record, folds, pairs, candidates, out, args)
    except S2PError as error:  # bad data found while training: one line, the finished runs are kept
        sys.exit(f"kfold.py: error: {error}")
    _save(record, names, path)
    print_summary(record["summary"], names, args.folds)
    print(f"wrote {path}")


def _run_folds(record, folds, pairs, candidates, out, args):
    """Every (fold, candidate) not in `record` yet, interleaved fold by fold; `record` saved after each."""
    names = list(candidates)
    for i, held in enumerate(folds):
        if i == len(record["folds"]):
            record["folds"].append({"fold": i, "held_out": [pairs[j][1] for j in held], "results": {}})
        fold = record["folds"][i]
        keep = np.setdiff1d(np.arange(len(pairs)), held)
        train_dir = fold_data(pairs, keep, out / "data" / f"fold{i}", args.side_by_side)
        for name, settings in candidates.items():
            if name in fold["results"]:
                continue
            scores = run_one(train_dir, [pairs[j] for j in held], settings, out / "runs" / f"fold{i}" / name,
                             args.seed, args.side_by_side)
            fold["results"][name] = scores
            print(f"fold {i} ({len(keep)} train / {len(held)} held out) {name:>14}: SSIM {scores['ssim']:.4f}  "
                  f"PSNR {scores['psnr']:.2f}  L1 {scores['l1']:.4f}  CPU {scores['cpu_s']:.0f} s  wall "
                  f"{scores['wall_s']:.0f} s  load {scores['load_before']:.1f} -> {scores['load_after']:.1f}",
                  flush=True)
            _save(record, names, out / "kfold.json")


if __name__ == "__main__":
    sys.exit(main())
