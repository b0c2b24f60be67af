"""``s2p generate --model FILE INPUT... [--hints HINTS.png] --output PATH``: sketches in, photos out."""

import glob
import warnings
from pathlib import Path

from keras_s2p.cli.options import add_model_file, add_renamed_flag, positive_int
from keras_s2p.errors import DataError, S2PError


def add_parser(commands):
    p = commands.add_parser(
        "generate", help="turn sketches into photos",
        description="Turn sketch images (files, folders or glob patterns) into photos. Unreadable inputs are "
                    "skipped with a warning each, the others are written, and the exit status is then 1.",
        epilog="example: s2p generate --model generator.keras sketch.png --output photo.png",
    )
    add_model_file(p)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="sketch file, folder or glob pattern")
    p.add_argument("--output", required=True, metavar="PATH",
                   help="output image file (one input) or folder (written as <name>.png)")
    p.add_argument("--size", choices=("model", "input"), default="model",
                   help="output at the model's size (default) or resized back to each input's size")
    p.add_argument("--with-sketch", action="store_true", help="write sketch and photo side by side")
    add_renamed_flag(p, "--side-by-side", "--with-sketch")  # --side-by-side names the sketch half elsewhere
    p.add_argument("--hints", default=None, metavar="HINTS.png",
                   help="colour hints for a model trained with --color-hints: an RGBA image, transparent = no hint, "
                        "resized to the model's size by nearest neighbour; for one sketch (default: no hints)")
    p.add_argument("--batch-size", type=positive_int, default=16)
    p.set_defaults(run=run_command)


def expand_inputs(inputs):
    """Files named by paths, folders (searched recursively for images) and glob patterns, in order, unique."""
    from keras_s2p.data.images import list_images

    found = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            images = list_images(path)
            if not images:
                raise DataError(f"no images found in folder {path}")
            found.extend(images)
        elif path.is_file():
            found.append(path)
        elif glob.has_magic(item):
            matches = sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not matches:
                raise DataError(f"no files match {item}")
            found.extend(matches)
        else:
            raise DataError(f"input not found: {item}")
    return list(dict.fromkeys(found))


def output_paths(inputs, output):
    """One output path per input: `output` itself for a single input with an image extension, else a folder."""
    from keras_s2p.data.images import IMAGE_EXTENSIONS

    output = Path(output)
    if len(inputs) == 1 and output.suffix.lower() in IMAGE_EXTENSIONS:
        return [output]
    if output.is_file():
        raise DataError(f"--output {output} is a file; give a folder for {len(inputs)} inputs")
    names = [output / f"{p.stem}.png" for p in inputs]
    clashes = sorted({str(p) for p in inputs if names.count(output / f"{p.stem}.png") > 1})
    if clashes:
        raise DataError(f"inputs share a file name, their outputs would clash: {', '.join(clashes[:5])}")
    return names


def run_command(args):
    import numpy as np
    import tensorflow as tf

    from keras_s2p.atomic import atomic_path, existing_folder
    from keras_s2p.data.images import load_image, name_list, resize, save_image
    from keras_s2p.hints import no_hints, read_hints, takes_hints
    from keras_s2p.model_file import load_generator

    inputs = expand_inputs(args.inputs)
    outputs = output_paths(inputs, args.output)
    if args.hints is not None and len(inputs) != 1:
        raise DataError(f"--hints {args.hints} is for one sketch, got {len(inputs)} inputs")
    for target in {path.parent: path for path in outputs}.values():  # before the model loads
        existing_folder(target)
    generator, size = load_generator(args.model, args.image_size)
    hinted = takes_hints(generator)
    if args.hints is not None and not hinted:
        raise S2PError(f"model {args.model} takes no colour hints (trained without --color-hints); drop --hints")
    hints = read_hints(args.hints, size)[None] if args.hints is not None else None
    predict = tf.function(lambda x, h: generator([x, h] if hinted else x, training=False))
    skipped, written = [], 0
    for start in range(0, len(inputs), args.batch_size):
        loaded = []
        for path, target in zip(inputs[start:start + args.batch_size], outputs[start:start + args.batch_size]):
            try:
                loaded.append((load_image(path), target))
            except DataError as error:  # unreadable input: skipped, named, and reported at the end
                warnings.warn(str(error), stacklevel=1)
                skipped.append(path)
        if not loaded:
            continue
        originals, targets = [x for x, _ in loaded], [t for _, t in loaded]
        sketches = np.stack([resize((img + 1.0) / 2.0, size).numpy() for img in originals])
        photos = predict(tf.constant(sketches), no_hints(sketches) if hints is None else hints).numpy()
        for original, sketch, photo, target in zip(originals, sketches, photos, targets):
            if args.size == "input":
                photo = tf.image.resize(photo, original.shape[:2]).numpy()
                sketch = original
            image = np.concatenate([sketch, photo], axis=1) if args.with_sketch else photo
            with atomic_path(target) as tmp:
                save_image(image, tmp)
            written += 1
        print(f"generated {written}/{len(inputs)}", flush=True)
    if written:
        print(f"wrote {written} photo(s) to {outputs[0] if len(outputs) == 1 else Path(args.output)}")
    if skipped:
        raise DataError(f"skipped {len(skipped)} unreadable input(s) of {len(inputs)} "
                        f"({written} written): {name_list(skipped)}")
