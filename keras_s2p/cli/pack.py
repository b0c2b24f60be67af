"""``s2p pack DATA OUT``: check and resize every pair once into sharded TFRecord files for large datasets."""

from keras_s2p.cli.options import add_side_by_side, positive_int
from keras_s2p.models.gan_options import MODEL_DEFAULTS


def add_parser(commands):
    p = commands.add_parser(
        "pack", help="pack a large dataset into shards once, for fast streaming training",
        description="Find the pairs of DATA exactly as 's2p train' does, check and resize each pair once (to the "
                    "training size plus the jitter margin) and write OUT/shard-*.tfrecord and OUT/pack.json. Rerun "
                    "after a kill to resume. Then: 's2p train OUT --image-size N'.",
        epilog="example: s2p pack data/edges2shoes packs/edges2shoes --side-by-side right --image-size 256",
    )
    p.add_argument("data", metavar="DATA", help="paired data folder (sketches/ + photos/, pairs.csv, or side-by-side "
                                                "images with --side-by-side)")
    p.add_argument("out", metavar="OUT", help="pack folder to write")
    p.add_argument("--image-size", type=positive_int, default=MODEL_DEFAULTS["image_size"],
                   help="the training image size (default: %(default)s)")
    add_side_by_side(p)
    p.add_argument("--shard-mb", type=positive_int, default=None, metavar="M",
                   help="megabytes per shard file (default: keras_s2p.data.shards.DEFAULT_SHARD_MB)")
    p.set_defaults(run=run_command)


def run_command(args):
    from keras_s2p.data import pack

    size = {} if args.shard_mb is None else {"shard_mb": args.shard_mb}
    manifest = pack(args.data, args.out, image_size=args.image_size, side_by_side=args.side_by_side, **size)
    print(f"packed {manifest['count']} pairs at {manifest['stored_size']}x{manifest['stored_size']} into "
          f"{len(manifest['shards'])} shard(s) in {args.out} (data fingerprint {manifest['fingerprint']})")
    return manifest
