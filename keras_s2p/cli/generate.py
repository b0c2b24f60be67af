"""``s2p generate --model FILE INPUT... [--hints HINTS.png] [--variations N --seed S | --style-from PHOTO]
--output PATH``: sketches in, photos out."""

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
    style = p.add_mutually_exclusive_group()
    style.add_argument("--variations", type=positive_int, default=None, metavar="N",
                       help="for a model trained with --style-dim: N photos per sketch from N random style codes, "
                            "written to the --output folder as <name>_<i>.png (docs/style.md)")
    style.add_argument("--style-from", default=None, metavar="PHOTO",
                       help="for a model trained with --style-dim: take the style (colours, material, lighting) of "
                            "this photo; needs the run's model.keras (it holds the style encoder)")
    p.add_argument("--seed", type=int, default=0, help="seeds the --variations codes (default: 0)")
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


def output_paths(inputs, output, folder=False):
    """One output path per input: `output` itself for a single input with an image extension (unless `folder`),
    else a folder."""
    from keras_s2p.data.images import IMAGE_EXTENSIONS

    output = Path(output)
    if len(inputs) == 1 and output.suffix.lower() in IMAGE_EXTENSIONS and not folder:
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
    from keras_s2p.models.style import with_style

    inputs = expand_inputs(args.inputs)
    variations = args.variations is not None
    outputs = output_paths(inputs, args.output, folder=variations)
    if args.hints is not None and len(inputs) != 1:
        raise DataError(f"--hints {args.hints} is for one sketch, got {len(inputs)} inputs")
    for target in {path.parent: path for path in outputs}.values():  # before the model loads
        existing_folder(target)
    generator, size, encoder = load_generator(args.model, args.image_size, style_encoder=True)
    hinted = takes_hints(generator)
    if args.hints is not None and not hinted:
        raise S2PError(f"model {args.model} takes no colour hints (trained without --color-hints); drop --hints")
    hints = read_hints(args.hints, size)[None] if args.hints is not None else None
    codes = style_codes(args, generator, encoder, size)
    predict = tf.function(lambda x, h, z: generator(with_style(generator, [x, h] if hinted else x, z),
                                                    training=False))
    if variations:  # each sketch once per code: <name>_<i>.png
        inputs = [path for path in inputs for _ in codes]
        outputs = [target.parent / f"{target.stem}_{i}.png" for target in outputs for i in range(len(codes))]
        codes = np.tile(codes, (len(inputs) // len(codes), 1))
    skipped, written = [], 0
    for start in range(0, len(inputs), args.batch_size):
        loaded = []
        for index in range(start, min(start + args.batch_size, len(inputs))):
            path, target = inputs[index], outputs[index]
            try:
                loaded.append((load_image(path), target, index))
            except DataError as error:  # unreadable input: skipped, named, and reported at the end
                warnings.warn(str(error), stacklevel=1)
                skipped.append(path)
        if not loaded:
            continue
        originals, targets, indices = zip(*loaded)
        sketches = np.stack([resize((img + 1.0) / 2.0, size).numpy() for img in originals])
        batch_codes = None if codes is None else codes[list(indices) if variations else [0] * len(indices)]
        photos = predict(tf.constant(sketches), no_hints(sketches) if hints is None else hints, batch_codes).numpy()
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


def style_codes(args, generator, encoder, size):
    """The style codes `args` ask for: ``--variations`` random ones, the ``--style-from`` photo's, or None.

    Raises:
        S2PError: a style option for a model without a style code, or ``--style-from`` with a generator file.
    """
    import numpy as np

    from keras_s2p.data.images import load_image
    from keras_s2p.models.style import sample_styles, style_dim_of

    asked = "--variations" if args.variations is not None else "--style-from" if args.style_from else None
    dim = style_dim_of(generator)
    if asked is None:
        return None
    if not dim:
        raise S2PError(f"model {args.model} has no style code (trained without --style-dim); drop {asked}")
    if args.variations is not None:
        return sample_styles(args.variations, dim, args.seed)
    if encoder is None:
        raise S2PError(f"--style-from needs the style encoder, which {args.model} does not hold: give the run's "
                       f"model.keras")
    photo = load_image(args.style_from, size)
    return np.asarray(encoder(photo[None], training=False)[0])
