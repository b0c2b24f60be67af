"""``s2p sketchify PHOTOS OUT``: make a paired training folder from photos alone."""


def add_parser(commands):
    p = commands.add_parser(
        "sketchify", help="turn a folder of photos into a paired sketch/photo folder",
        description="Draw an XDoG line sketch of every photo and write OUT/sketches, OUT/photos and OUT/pairs.csv, "
                    "ready for 's2p train OUT'.",
        epilog="example: s2p sketchify my_photos data/my_pairs",
    )
    p.add_argument("photos", metavar="PHOTOS", help="folder of photos (searched recursively)")
    p.add_argument("out", metavar="OUT", help="paired folder to write")
    p.add_argument("--overwrite", action="store_true", help="replace an existing OUT/pairs.csv")
    p.set_defaults(run=run_command)


def run_command(args):
    from keras_s2p.data import sketchify_folder

    pairs = sketchify_folder(args.photos, args.out, overwrite=args.overwrite)
    print(f"wrote {len(pairs)} sketch/photo pairs to {args.out} (manifest {args.out}/pairs.csv)")
    return pairs
