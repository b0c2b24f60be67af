"""Which sketch goes with which photo: manifests, name rules and side-by-side images. Never file order."""
import csv
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from keras_s2p.data.images import IMAGE_EXTENSIONS, list_images, name_list
from keras_s2p.errors import DataError

SIDES = ("left", "right")


class Pair(NamedTuple):
    """One training example; unpacks as `sketch, photo = pair`."""

    sketch: Path
    photo: Path


def find_pairs(root, *, side_by_side=None, sketches_dir="sketches", photos_dir="photos", manifest="pairs.csv",
               suffix=None, prefix_map=None, match=None, strict=True):
    """The exact (sketch, photo) pairs a dataset built from `root` trains on.

    Rules, first that applies:
      1. `side_by_side="left"|"right"`: every image under `root` (recursively) holds both halves; the named
         half is the sketch. Each pair is then `Pair(path, path)` and `paired_dataset(..., side_by_side=...)`
         splits the halves.
      2. `root/pairs.csv` (`manifest`) with columns `sketch,photo`, paths relative to `root`: its rows, in its order.
      3. `root/sketches` and `root/photos` (searched recursively), matched by file stem, letter case ignored:
         - `match`: a regex fullmatched against the sketch stem whose group `photo` (or group 1) is the photo
           stem, or a callable `sketch_stem -> photo_stem`;
         - otherwise the sketch stem is the photo stem plus `suffix` (e.g. `"-sz1"`), after replacing a photo
           stem's leading key of `prefix_map` by its value (`{"f": "F2", "m": "M2"}` pairs `f-005-01.jpg` with
           `F2-005-01-sz1.jpg`). Without `suffix` the suffix shared by most sketches is detected, identical
           stems (empty suffix) winning ties.

    Rule 3 results are sorted by sketch path, so the same folder always gives the same list.

    Args:
        root: the data folder.
        side_by_side: `"left"` or `"right"`: which half of each image is the sketch.
        sketches_dir, photos_dir, manifest: names inside `root`.
        suffix, prefix_map, match: naming rule for rule 3 (see above).
        strict: raise on sketches without photo and photos without sketch (default); `False` skips them with
            a warning giving the count.

    Returns:
        list of `Pair(sketch, photo)` paths (`root` joined with the relative names).

    Raises:
        DataError: missing or empty folder, bad manifest, unpaired files (strict), ambiguous names.

    Example:
        >>> pairs = find_pairs("data/cufs", suffix="-sz1", prefix_map={"f": "F2", "m": "M2"})
        >>> sketch, photo = pairs[0]
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder not found: {root}")
    if side_by_side is not None:
        if side_by_side not in SIDES:
            raise DataError(f"side_by_side must be 'left' or 'right' (the sketch half), got {side_by_side!r}")
        images = list_images(root)
        if not images:
            raise DataError(f"no images ({'/'.join(IMAGE_EXTENSIONS)}) found under {root}")
        return [Pair(p, p) for p in images]
    if (root / manifest).is_file():
        return _from_manifest(root, root / manifest, strict)
    sketch_root, photo_root = root / sketches_dir, root / photos_dir
    if not (sketch_root.is_dir() and photo_root.is_dir()):
        raise DataError(f"{root} has no {manifest} and no {sketches_dir}/ and {photos_dir}/ folders; for side-by-side "
                        f"images name the sketch half: --side-by-side left or right (side_by_side= in Python)")
    sketches, photos = list_images(sketch_root), list_images(photo_root)
    for folder, files in ((sketch_root, sketches), (photo_root, photos)):
        if not files:
            raise DataError(f"no images found in {folder}")
    return _by_name(root, sketches, photos, suffix, prefix_map, match, strict)


def _from_manifest(root, manifest, strict):
    with open(manifest, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not {"sketch", "photo"} <= set(reader.fieldnames or ()):
            raise DataError(f"{manifest} needs a header row with columns sketch,photo (found {reader.fieldnames})")
        rows = [(r["sketch"].strip(), r["photo"].strip()) for r in reader]
    if not rows:
        raise DataError(f"{manifest} lists no pairs")
    pairs, broken = [], []
    for sketch, photo in rows:
        missing = [name for name in (sketch, photo) if not name or not (root / name).is_file()]
        if missing:
            broken.extend(missing)
        else:
            pairs.append(Pair(root / sketch, root / photo))
    _report_unpaired(manifest, strict, f"{len(broken)} file(s) listed in {manifest} do not exist: {name_list(broken)}",
                     len(rows) - len(pairs), "row(s)")
    return pairs


def _photo_key(stem, prefix_map):
    for old in sorted(prefix_map or {}, key=len, reverse=True):
        if stem.lower().startswith(old.lower()):
            return (prefix_map[old] + stem[len(old):]).lower()
    return stem.lower()


def _by_name(root, sketches, photos, suffix, prefix_map, match, strict):
    keys = {}
    for photo in photos:
        key = photo.stem.lower() if match is not None else _photo_key(photo.stem, prefix_map)
        if key in keys:
            raise DataError(f"ambiguous photo names in {root}: {keys[key].relative_to(root)} and "
                            f"{photo.relative_to(root)} have the same name (letter case ignored)")
        keys[key] = photo
    if match is not None:
        to_key = _match_rule(match)
    else:
        if suffix is None:
            suffix = _detect_suffix([s.stem.lower() for s in sketches], keys, root)
        suffix = suffix.lower()

        def to_key(stem):
            stem = stem.lower()
            return stem[:len(stem) - len(suffix)] if stem.endswith(suffix) else None

    pairs, lonely_sketches = [], []
    for sketch in sketches:
        photo = keys.get((to_key(sketch.stem) or "").lower())
        if photo is None:
            lonely_sketches.append(sketch.relative_to(root))
        else:
            pairs.append(Pair(sketch, photo))
    used = {p.photo for p in pairs}
    lonely_photos = [p.relative_to(root) for p in photos if p not in used]
    parts = []
    if lonely_sketches:
        parts.append(f"{len(lonely_sketches)} sketch(es) have no photo ({name_list(lonely_sketches)})")
    if lonely_photos:
        parts.append(f"{len(lonely_photos)} photo(s) have no sketch ({name_list(lonely_photos)})")
    _report_unpaired(root, strict, "; ".join(parts), len(lonely_sketches) + len(lonely_photos), "file(s)")
    if not pairs:
        raise DataError(f"no sketch in {root} could be paired with a photo")
    return pairs


def _match_rule(match):
    if callable(match):
        return match
    pattern = re.compile(match, re.IGNORECASE) if isinstance(match, str) else match
    group = "photo" if "photo" in pattern.groupindex else 1

    def to_key(stem):
        m = pattern.fullmatch(stem)
        return m.group(group) if m else None

    return to_key


def _detect_suffix(sketch_stems, photo_keys, root):
    """The suffix most sketches add to a photo stem; '' (identical stems) wins ties."""
    votes = Counter()
    for stem in sketch_stems:
        votes.update({stem[i:] for i in range(1, len(stem) + 1) if stem[:i] in photo_keys})
    if not votes:
        raise DataError(f"cannot pair the files in {root}: no pairs.csv, no identical names and no common "
                        f"suffix; {_how_to_list(root)} (in Python, suffix=, prefix_map= or match= also pair them)")
    best = max(votes.values())
    winners = sorted(s for s, n in votes.items() if n == best)
    if "" in winners:
        return ""
    if len(winners) > 1:
        raise DataError(f"cannot tell the sketch suffix in {root}: {', '.join(map(repr, winners))} fit equally "
                        f"well; {_how_to_list(root)} (in Python, suffix= also tells it)")
    return winners[0]


def _how_to_list(root):
    """How to pair files by hand: the manifest `find_pairs` reads first."""
    return (f"list the pairs in {Path(root) / 'pairs.csv'}: a header row sketch,photo, then one row per pair, "
            f"paths relative to {root}")


def _report_unpaired(where, strict, message, count, unit):
    if not count:
        return
    if strict:
        raise DataError(f"{where}: {message}; fix the names, or list the pairs to train on in a pairs.csv "
                        f"(columns sketch,photo; strict=False in Python skips them)")
    warnings.warn(f"skipping {count} unpaired {unit} in {where}: {message}", stacklevel=4)
