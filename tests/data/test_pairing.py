import re
import warnings

import pytest

from keras_s2p.data import Pair, find_pairs
from keras_s2p.errors import DataError


def stems(pairs):
    return [(s.stem, p.stem) for s, p in pairs]


def test_identical_stems_pairs_by_name_not_by_order(paired_folder):
    # Sorted file order would pair a<->b and b<->c wrongly if pairing went by position.
    root = paired_folder(["b.png", "c.png", "a.png"], ["c.jpg", "a.jpg", "b.jpg"])
    pairs = find_pairs(root)
    assert stems(pairs) == [("a", "a"), ("b", "b"), ("c", "c")]
    assert all(isinstance(p, Pair) and p.sketch.parent.name == "sketches" for p in pairs)
    assert find_pairs(root) == pairs


def test_configurable_folder_names(paired_folder, tmp_path):
    root = tmp_path / "d"
    paired_folder(["x.png"], ["x.png"], root=root)
    (root / "sketches").rename(root / "edges")
    (root / "photos").rename(root / "real")
    assert stems(find_pairs(root, sketches_dir="edges", photos_dir="real")) == [("x", "x")]


def test_suffix_detected_and_case_ignored(paired_folder):
    root = paired_folder(["Cat-SKETCH.png", "dog-sketch.png"], ["cat.jpg", "Dog.jpg"])
    assert stems(find_pairs(root)) == [("Cat-SKETCH", "cat"), ("dog-sketch", "Dog")]


def test_cufs_naming_with_suffix_and_prefix_map(paired_folder):
    photos = ["f-005-01.jpg", "f-006-01.jpg", "m-013-01.jpg"]
    sketches = ["F2-005-01-sz1.jpg", "F2-006-01-sz1.jpg", "M2-013-01-sz1.jpg"]
    root = paired_folder(sketches[::-1], photos)
    expected = [("F2-005-01-sz1", "f-005-01"), ("F2-006-01-sz1", "f-006-01"), ("M2-013-01-sz1", "m-013-01")]
    assert stems(find_pairs(root, prefix_map={"f": "F2", "m": "M2"})) == expected  # suffix detected
    assert stems(find_pairs(root, suffix="-SZ1", prefix_map={"f": "F2", "m": "M2"})) == expected
    with pytest.raises(DataError, match="cannot pair the files"):
        find_pairs(root)  # without the prefix map nothing matches


def test_cufs_naming_through_manifest_keeps_row_order(paired_folder):
    root = paired_folder(["F2-005-01-sz1.jpg", "M2-013-01-sz1.jpg"], ["f-005-01.jpg", "m-013-01.jpg"])
    (root / "pairs.csv").write_text("sketch,photo\nsketches/M2-013-01-sz1.jpg,photos/m-013-01.jpg\n"
                                    "sketches/F2-005-01-sz1.jpg,photos/f-005-01.jpg\n")
    assert stems(find_pairs(root)) == [("M2-013-01-sz1", "m-013-01"), ("F2-005-01-sz1", "f-005-01")]


def test_manifest_errors(paired_folder):
    root = paired_folder(["a.png"], ["a.png"])
    (root / "pairs.csv").write_text("left,right\nsketches/a.png,photos/a.png\n")
    with pytest.raises(DataError, match=r"pairs\.csv needs a header row with columns sketch,photo"):
        find_pairs(root)
    (root / "pairs.csv").write_text("sketch,photo\nsketches/a.png,photos/a.png\nsketches/zz.png,photos/a.png\n")
    with pytest.raises(DataError, match=r"1 file\(s\) listed in .*pairs\.csv do not exist: sketches/zz\.png"):
        find_pairs(root)
    with pytest.warns(UserWarning, match=r"skipping 1 unpaired row"):
        assert len(find_pairs(root, strict=False)) == 1


@pytest.mark.parametrize("rule", [r"sk_(?P<photo>.+)", r"sk_(.+)", lambda stem: stem[3:]])
def test_user_regex_or_callable(paired_folder, rule):
    root = paired_folder(["sk_one.png", "sk_two.png"], ["one.png", "two.png"])
    assert stems(find_pairs(root, match=rule)) == [("sk_one", "one"), ("sk_two", "two")]
    assert stems(find_pairs(root, match=re.compile(r"sk_(.+)"))) == [("sk_one", "one"), ("sk_two", "two")]


def test_side_by_side_lists_images_recursively(tmp_path, write):
    write(tmp_path / "shoes" / "2_AB.jpg", (64, 32))
    write(tmp_path / "bags" / "1_AB.jpg", (64, 32))
    pairs = find_pairs(tmp_path, side_by_side="right")
    assert [p.sketch.name for p in pairs] == ["1_AB.jpg", "2_AB.jpg"]
    assert all(s == p for s, p in pairs)
    with pytest.raises(DataError, match="side_by_side must be 'left' or 'right'"):
        find_pairs(tmp_path, side_by_side="top")


def test_missing_and_empty_folders(tmp_path, paired_folder):
    with pytest.raises(DataError, match=r"data folder not found: .*nope"):
        find_pairs(tmp_path / "nope")
    with pytest.raises(DataError, match=r"no pairs\.csv and no sketches/ and photos/ folders"):
        find_pairs(tmp_path)
    root = paired_folder([], ["a.png"])
    (root / "sketches").mkdir()
    with pytest.raises(DataError, match=r"no images found in .*sketches"):
        find_pairs(root)
    with pytest.raises(DataError, match=r"no images .* found under"):
        find_pairs(root / "sketches", side_by_side="left")


def test_unpaired_files_strict_lists_names(paired_folder):
    root = paired_folder(["a.png", "b.png", "lonely.png"], ["a.png", "b.png", "alone.png"])
    with pytest.raises(DataError) as info:
        find_pairs(root)
    message = str(info.value)
    assert "\n" not in message
    assert "1 sketch(es) have no photo (sketches/lonely.png)" in message
    assert "1 photo(s) have no sketch (photos/alone.png)" in message
    with pytest.warns(UserWarning, match=r"skipping 2 unpaired file\(s\)"):
        assert stems(find_pairs(root, strict=False)) == [("a", "a"), ("b", "b")]


def test_unpaired_list_is_capped_at_20_names(paired_folder):
    root = paired_folder(["a.png"] + [f"s{i:02d}.png" for i in range(25)], ["a.png"])
    with pytest.raises(DataError, match=r"25 sketch\(es\) have no photo .*s19\.png \.\.\. and 5 more"):
        find_pairs(root)


def test_non_image_files_are_ignored_with_a_warning(paired_folder):
    root = paired_folder(["a.png"], ["a.png"])
    (root / "photos" / "notes.txt").write_text("hi")
    (root / "photos" / ".DS_Store").write_text("")
    with pytest.warns(UserWarning, match=r"ignoring 1 non-image file\(s\) in .*photos.*notes\.txt"):
        assert stems(find_pairs(root)) == [("a", "a")]


def test_ambiguous_names(paired_folder, tmp_path):
    with pytest.raises(DataError, match=r"ambiguous photo names .*photos/a\.jpg and photos/a\.png"):
        find_pairs(paired_folder(["a.png"], ["a.jpg", "a.png"]))
    root = paired_folder(["a-x-y.png"], ["a.png", "a-x.png"], root=tmp_path / "other")
    with pytest.raises(DataError, match=r"cannot tell the sketch suffix .*'-x-y', '-y'"):
        find_pairs(root)
    with pytest.warns(UserWarning, match="skipping 1 unpaired"):
        assert stems(find_pairs(root, suffix="-y", strict=False)) == [("a-x-y", "a-x")]


def test_no_warnings_on_clean_folder(paired_folder):
    root = paired_folder(["a.png"], ["a.png"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        find_pairs(root)
