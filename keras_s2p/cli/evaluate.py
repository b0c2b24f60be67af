"""``s2p evaluate --model FILE DATA``: L1 / PSNR / SSIM of generated photos on a paired folder."""

import json
from pathlib import Path

from keras_s2p.cli.options import add_model_file, add_side_by_side, count_or_fraction, positive_int


def add_parser(commands):
    p = commands.add_parser(
        "evaluate", help="score a model on paired data (L1, PSNR, SSIM)",
        description="Score generated photos against the real ones of a paired folder: L1, PSNR and SSIM on RGB "
                    "in [0, 1], in inference mode, and FID when InceptionV3 weights are available locally. Prints a "
                    "table and writes JSON.",
        epilog="example: s2p evaluate --model logs/faces/generator.keras data/faces_test",
    )
    add_model_file(p)
    p.add_argument("data", metavar="DATA", help="paired data folder")
    add_side_by_side(p)
    p.add_argument("--validation-split", type=count_or_fraction, default=None,
                   help="score only the held-out part chosen as 's2p train' chooses it (same value and --seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=positive_int, default=16)
    p.add_argument("--inception-weights", default=None, metavar="PATH",
                   help="InceptionV3 no-top weights for FID (default: Keras' cache, when the file is there)")
    p.add_argument("--output", default=None, metavar="JSON",
                   help="where to write the scores (default: evaluation.json next to the model)")
    p.set_defaults(run=run_command)


def run_command(args):
    from keras_s2p.atomic import atomic_write_text
    from keras_s2p.data import paired_dataset
    from keras_s2p.evaluation import evaluate_generator
    from keras_s2p.fid import FIDScorer
    from keras_s2p.metrics import EVAL_METRICS
    from keras_s2p.model_file import load_generator
    from keras_s2p.pretrained import INCEPTION_V3_NOTOP_FILE, imagenet_weights_cached, keras_cache_path

    generator, size = load_generator(args.model, args.image_size)
    inception = args.inception_weights or ("imagenet" if imagenet_weights_cached(INCEPTION_V3_NOTOP_FILE) else None)
    datasets = paired_dataset(args.data, image_size=size, batch_size=args.batch_size, augment=False, shuffle=False,
                              side_by_side=args.side_by_side, validation_split=args.validation_split, seed=args.seed)
    dataset = datasets[1] if args.validation_split is not None else datasets
    scores = evaluate_generator(generator, dataset, FIDScorer(inception) if inception else None)
    scores.update(model=str(args.model), data=str(args.data), image_size=size,
                  validation_split=args.validation_split, seed=args.seed)
    print(f"{'metric':8} {'mean':>9} {'std':>9}   ({scores['count']} pairs at {size}x{size}, RGB in [0, 1])")
    for name in EVAL_METRICS:
        print(f"{name:8} {scores[name]:9.4f} {scores[name + '_std']:9.4f}")
    if "fid" in scores:
        print(f"{'fid':8} {scores['fid']:9.2f}")
    else:
        print(f"fid      skipped: no InceptionV3 weights at {keras_cache_path(INCEPTION_V3_NOTOP_FILE)} "
              f"(or pass --inception-weights PATH)")
    output = Path(args.output) if args.output else Path(args.model).parent / "evaluation.json"
    atomic_write_text(output, json.dumps(scores, indent=2) + "\n")
    print(f"wrote {output}")
    return scores
