"""Issue 22: outputs that cannot be written, and messages a command-line user can act on, as one line each.

The command line runs in this process (`keras_s2p.cli.main`): a traceback would fail the test as an exception.
"""

import os

import numpy as np
import pytest
from PIL import Image

from cli_runner import main_one_line_error as one_line_error
from keras_s2p import build_generator


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "generator.keras"
    build_generator(image_size=32, base_filters=4, num_res_blocks=1, skip_connections=True).save(path)
    return path


@pytest.fixture
def blocker(tmp_path):
    """A regular file where the user's output path needs a folder."""
    path = tmp_path / "FILE"
    path.write_text("a file, not a folder")
    return path


def sketch(path, size=32):
    Image.fromarray(np.full((size, size, 3), 200, np.uint8)).save(path)
    return path


@pytest.mark.parametrize("format, name", [("saved_model", "x"), ("keras", "x.keras"), ("tflite", "x.tflite")])
def test_export_into_a_file_blocked_path(capsys, model_file, blocker, format, name):
    _, error = one_line_error(capsys, ["export", "--model", model_file, "--format", format,
                                       "--output", blocker / name], f"cannot write {blocker / name}",
                              f"{blocker} is a file")
    assert ".tmp-" not in error


def test_export_into_a_folder_nobody_may_write(capsys, model_file):
    """/sys refuses new files even to root (which chmod does not stop)."""
    if not os.path.ismount("/sys"):
        pytest.skip("no /sys file system to try writing into")
    _, error = one_line_error(capsys, ["export", "--model", model_file, "--format", "saved_model",
                                       "--output", "/sys/s2p-export"], "cannot write /sys/s2p-export", "in /sys")
    assert ".tmp-" not in error


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_export_into_a_read_only_folder(capsys, model_file, tmp_path):
    folder = tmp_path / "UNWRITABLE"
    folder.mkdir(mode=0o555)
    one_line_error(capsys, ["export", "--model", model_file, "--output", folder / "x"], f"cannot write {folder / 'x'}",
                   "Permission denied")


def test_generate_into_a_file_blocked_path(capsys, model_file, blocker, tmp_path):
    one_line_error(capsys, ["generate", "--model", model_file, sketch(tmp_path / "a.png"),
                            "--output", blocker / "x.png"], f"cannot write {blocker / 'x.png'}", f"{blocker} is a file")


def test_generate_counts_only_what_it_wrote(capsys, model_file, tmp_path):
    (tmp_path / "in").mkdir()
    sketch(tmp_path / "in" / "good.png")
    (tmp_path / "in" / "bad.png").write_bytes(b"not an image")
    out, error = one_line_error(capsys, ["generate", "--model", model_file, tmp_path / "in",
                                         "--output", tmp_path / "out"], "bad.png", "1 written")
    assert "generated 1/2" in out and "generated 2/2" not in out, out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.png"]


def test_draw_at_a_size_the_model_cannot_take_says_which_it_can(capsys, model_file):
    one_line_error(capsys, ["draw", "--model", model_file, "--image-size", "63", "--port", "0"],
                   "cannot run at 63x63", "divisible by 4", "60 or 64")


def test_side_by_side_advice_names_the_flag(capsys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    sketch(data / "pair.png")
    _, error = one_line_error(capsys, ["train", data, "--run-dir", tmp_path / "run"], "--side-by-side left")
    assert "side_by_side='left'" not in error


def test_pairing_advice_says_how_to_write_pairs_csv(capsys, tmp_path):
    data = tmp_path / "data"
    for folder, name in (("sketches", "one.png"), ("photos", "two.png")):
        (data / folder).mkdir(parents=True)
        sketch(data / folder / name)
    _, error = one_line_error(capsys, ["train", data, "--run-dir", tmp_path / "run"],
                              f"{data / 'pairs.csv'}: a header row sketch,photo")
    assert "pass suffix=" not in error


def test_a_run_that_fails_before_its_first_epoch_leaves_no_run_folder(capsys, tmp_path):
    one_line_error(capsys, ["train", tmp_path / "no-such-data", "--run-dir", tmp_path / "logs" / "run"],
                   "no-such-data")
    assert not (tmp_path / "logs").exists()
