"""``s2p demo``: the whole loop in a few minutes on a CPU — train on the built-in dataset, then draw a photo."""

from pathlib import Path

from keras_s2p.cli.options import positive_int
from keras_s2p.presets import preset

RECIPE = preset("demo")


def add_parser(commands):
    p = commands.add_parser(
        "demo", help="train briefly on the built-in dataset, then turn a sketch into a photo",
        description="Train a small model on the built-in procedurally generated dataset (no download) with the "
                    "'demo' preset, about three minutes on 2 CPU cores, writing sample grids, checkpoints and "
                    "TensorBoard logs, then turn a held-out sketch into a photo and say where everything is.",
        epilog="example: s2p demo --run-dir logs/demo",
    )
    p.add_argument("--epochs", type=positive_int, default=RECIPE["epochs"],
                   help=f"training epochs (default {RECIPE['epochs']})")
    p.add_argument("--image-size", type=positive_int, default=RECIPE["image_size"],
                   help=f"image side in pixels (default {RECIPE['image_size']})")
    p.add_argument("--run-dir", default="logs/demo", metavar="DIR")
    p.add_argument("--quiet", action="store_true", help="one line per epoch instead of progress bars")
    p.set_defaults(run=run_command)


def run_command(args):
    import numpy as np

    from keras_s2p.data import builtin_pairs, save_image
    from keras_s2p.training import train

    recipe = dict(RECIPE, epochs=args.epochs, image_size=args.image_size)
    gan, _, run = train(None, run_dir=args.run_dir, verbose=2 if args.quiet else "auto", **recipe)
    sketch = builtin_pairs(1, args.image_size, seed=12345)[0]  # a sketch from outside the training seed
    photo = gan.generator.predict(sketch, verbose=0)
    sketch_path, photo_path = Path(run.path) / "demo_sketch.png", Path(run.path) / "demo_photo.png"
    save_image(sketch[0], sketch_path)
    save_image(np.concatenate([sketch[0], photo[0]], axis=1), photo_path)
    print(f"\nDone. Everything is in {run.path}/:")
    grids = sorted(Path(run.samples_dir).glob("epoch_*.png"))
    print(f"  sample grids (sketch | generated | real): {', '.join(str(g) for g in grids) or 'none (under 10 epochs)'}")
    print(f"  checkpoints: {run.checkpoints_dir}/   TensorBoard: tensorboard --logdir {Path(run.path).parent}")
    print(f"  models: {run.model_path}, {run.generator_path}")
    print(f"  a new sketch {sketch_path} -> {photo_path} (sketch | photo)")
    print(f"  next: s2p generate --model {run.generator_path} YOUR_SKETCH.png --output photo.png")
    print(f"  or draw in your browser: s2p draw --model {run.generator_path}")
