"""benchmarks/kfold.py: fold assignment, fold data folders, candidate parsing, and the interleaved, resumable loop
(training replaced by a stub that records what each run was given)."""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

from keras_s2p.data import find_pairs
from keras_s2p.presets import PRESETS

_SPEC = importlib.util.spec_from_file_location("kfold", Path(__file__).parents[1] / "benchmarks" / "kfold.py")
kfold = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(kfold)


@pytest.mark.parametrize("n, folds", [(88, 5), (10, 3), (7, 7)])
def test_folds_are_disjoint_cover_all_pairs_and_follow_the_seed(n, folds):
    parts = kfold.fold_indices(n, folds, seed=0)
    assert len(parts) == folds
    assert sorted(np.concatenate(parts).tolist()) == list(range(n))  # covering and disjoint
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert [p.tolist() for p in kfold.fold_indices(n, folds, seed=0)] == [p.tolist() for p in parts]
    assert [p.tolist() for p in kfold.fold_indices(n, folds, seed=1)] != [p.tolist() for p in parts]


def test_fold_count_outside_range_is_one_clear_error():
    with pytest.raises(ValueError, match="--folds 1 must be between 2"):
        kfold.fold_indices(10, 1, seed=0)


def test_candidate_is_a_preset_plus_literal_overrides():
    name, settings = kfold.parse_candidate("short:preset=faces,lr_decay_epochs=0.3, augment=False")
    assert name == "short"
    assert settings["lr_decay_epochs"] == 0.3 and settings["augment"] is False
    assert settings["batch_size"] == 4  # from the faces preset
    assert kfold.parse_candidate("t:style_dim=8,epochs=2")[1] == {"style_dim": 8, "epochs": 2}


@pytest.mark.parametrize("text, message", [
    ("preset=faces", "start with a name"),
    ("a:preset=nope", "nope"),
    ("a:epochs=two", "epochs=two is not a Python literal"),
    ("a:epochs", "'epochs' is not KEY=VALUE"),
    ("a:validation_split=0.2", "validation_split is decided by the folds"),
    ("a:critic_step=2", "unknown option.s. critic_step"),
    ("a:critic_steps=0", "critic_steps=0 must be"),
])
def test_bad_candidate_names_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        kfold.parse_candidate(text)


def _pairs_folder(root, n):
    (root / "s").mkdir(parents=True)
    (root / "p").mkdir()
    rows = ["sketch,photo"]
    for i in range(n):
        for side in "sp":
            (root / side / f"{i}.png").write_bytes(b"x")
        rows.append(f"s/{i}.png,p/{i}.png")
    (root / "pairs.csv").write_text("\n".join(rows) + "\n")
    return _real(find_pairs(root))


def _real(pairs):
    return [tuple(map(os.path.realpath, p)) for p in pairs]


def test_fold_folder_holds_exactly_the_kept_pairs(tmp_path):
    pairs = _pairs_folder(tmp_path / "data", 6)
    folder = kfold.fold_data(pairs, [0, 2, 5], tmp_path / "out" / "fold0", None)
    assert _real(find_pairs(folder)) == [pairs[0], pairs[2], pairs[5]]
    same = [(str(tmp_path / "data" / "s" / f"{i}.png"),) * 2 for i in range(4)]
    linked = kfold.fold_data(same, [1, 3], tmp_path / "out" / "sbs", "right")
    assert [Path(p.sketch).resolve() for p in find_pairs(linked, side_by_side="right")] == \
        [Path(same[1][0]), Path(same[3][0])]


def test_candidates_share_folds_and_seed_run_interleaved_and_resume(tmp_path, monkeypatch, capsys):
    pairs = _pairs_folder(tmp_path / "data", 9)
    calls = []

    def fake_run(train_dir, held_pairs, settings, run_dir, seed, side_by_side):
        calls.append(dict(name=Path(run_dir).name, trained=_real(find_pairs(train_dir)), held=_real(held_pairs),
                          seed=seed, epochs=settings["epochs"]))
        ssim = 0.5 + 0.1 * (Path(run_dir).name == "b") + 0.01 * len(calls)
        return dict(ssim=ssim, psnr=20.0, l1=0.1 - (Path(run_dir).name == "b") * 0.01, cpu_s=1.0, wall_s=2.0,
                    load_before=0.0, load_after=0.0)

    monkeypatch.setattr(kfold, "run_one", fake_run)
    argv = [str(tmp_path / "data"), str(tmp_path / "out"), "--folds", "3", "--seed", "4", "--epochs", "2",
            "--candidate", "a:preset=faces", "--candidate", "b:preset=faces,lr_decay_epochs=0"]
    kfold.main(argv)
    assert [c["name"] for c in calls] == ["a", "b"] * 3  # interleaved fold by fold
    for first, second in zip(calls[::2], calls[1::2]):
        assert first["trained"] == second["trained"] and first["held"] == second["held"]
        assert not set(first["trained"]) & set(first["held"])
        assert sorted(first["trained"] + first["held"]) == sorted(pairs)
    assert {c["seed"] for c in calls} == {4} and {c["epochs"] for c in calls} == {2}
    assert sorted(p for c in calls[::2] for p in c["held"]) == sorted(pairs)

    record = json.loads((tmp_path / "out" / "kfold.json").read_text())
    diff = record["summary"]["b"]["ssim_diff"]
    assert diff["wins"] == 3 and diff["mean"] == pytest.approx(0.11)
    assert record["summary"]["b"]["l1_diff"]["wins"] == 3  # lower L1 wins
    assert "wins 3/3" in capsys.readouterr().out

    kfold.main(argv)  # everything done: nothing reruns
    assert len(calls) == 6
    with pytest.raises(SystemExit):
        kfold.main([*argv[:-1], "b:preset=faces,lr_decay_epochs=0.1"])
    assert "holds another comparison" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_candidate(name):
    assert kfold.parse_candidate(f"c:preset={name}")[0] == "c"


def test_bad_data_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    from keras_s2p.errors import DataError

    with pytest.raises(SystemExit):
        kfold.main([str(tmp_path / "nowhere"), str(tmp_path / "out"), "--candidate", "a:preset=faces"])
    assert "data folder not found" in capsys.readouterr().err
    _pairs_folder(tmp_path / "data", 4)

    def unreadable(*args):
        raise DataError("cannot decode data/s/0.png")

    monkeypatch.setattr(kfold, "run_one", unreadable)
    with pytest.raises(SystemExit, match="kfold.py: error: cannot decode data/s/0.png"):
        kfold.main([str(tmp_path / "data"), str(tmp_path / "out"), "--folds", "2", "--candidate", "a:preset=faces"])
