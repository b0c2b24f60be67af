"""The ``s2p`` command line end to end, as a user runs it (tiny sizes).

Each command runs at least once in a real subprocess (``s2p``); its other cases run `keras_s2p.cli.main` in this
process (``run_main``), which skips a TensorFlow start-up per call."""

import csv
import json

import numpy as np
import pytest

from cli_runner import assert_one_line_error, main_one_line_error, run_main, s2p
from keras_s2p.data import builtin_pairs, load_image, save_image
from keras_s2p.presets import preset

pytestmark = pytest.mark.slow  # trains and runs the s2p command line, in part in subprocesses

TINY_TRAIN = ["--image-size", "32", "--batch-size", "8", "--builtin-pairs", "40", "--validation-split", "8",
              "--base-filters", "4", "--res-blocks", "1", "--critic-filters", "4", "--critic-steps", "1",
              "--perceptual-weight", "0", "--precision", "float32", "--quiet"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    result = s2p("train", "--epochs", "2", "--sample-every", "1", "--run-dir", run_dir, *TINY_TRAIN)
    assert result.returncode == 0, result.stderr
    return run_dir, result


@pytest.fixture(scope="module")
def sketch_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sketches")
    sketches, photos = builtin_pairs(3, 40, seed=7)
    for i, (sketch, photo) in enumerate(zip(sketches, photos)):
        save_image(sketch, folder / "sketches" / f"s{i}.png")
        save_image(photo, folder / "photos" / f"s{i}.png")
    return folder


def test_help_for_every_command():
    assert s2p("--help").returncode == 0
    for command in ("demo", "train", "pack", "generate", "draw", "evaluate", "sketchify", "export"):
        result = s2p(command, "--help")
        assert result.returncode == 0 and "usage: s2p " + command in result.stdout


@pytest.mark.smoke
def test_train_writes_a_complete_run_folder(trained_run):
    run_dir, result = trained_run
    for name in ("config.json", "history.csv", "loss_curves.png", "model.keras", "generator.keras",
                 "samples/epoch_0001.png", "samples/epoch_0002.png", "checkpoints/epoch_0002.weights.h5"):
        assert (run_dir / name).is_file(), name
    assert any((run_dir / "tensorboard").rglob("events.out.tfevents*"))
    config = json.loads((run_dir / "config.json").read_text())
    assert config["hyperparameters"]["image_size"] == 32 and config["hyperparameters"]["epochs"] == 2
    assert config["hyperparameters"]["num_downsamples"] == 2  # the number the size chose, not "default"
    assert config["versions"]["tensorflow"] and config["data_fingerprint"].startswith("builtin")
    assert str(run_dir) in result.stdout and f"samples: {run_dir / 'samples'}" in result.stdout


@pytest.mark.smoke
def test_rerun_resumes_the_run(trained_run, tmp_path):
    run_dir, _ = trained_run
    assert run_main("train", "--epochs", "3", "--sample-every", "1", "--run-dir", run_dir, *TINY_TRAIN) == 0
    rows = list(csv.DictReader(open(run_dir / "history.csv")))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]  # epoch 3 only: not restarted from zero
    assert len(json.loads((run_dir / "config.json").read_text())["resumed"]) == 1


def test_resume_with_other_architecture_is_refused(trained_run, capsys):
    run_dir, _ = trained_run
    args = [a if a != "4" else "8" for a in TINY_TRAIN]  # other filter counts
    main_one_line_error(capsys, ["train", "--epochs", "3", "--run-dir", run_dir, *args], run_dir, "base_filters")


def test_generate_file_folder_glob_and_sizes(trained_run, sketch_folder, tmp_path):
    model = trained_run[0] / "generator.keras"
    assert run_main("generate", "--model", model, sketch_folder / "sketches" / "s0.png", "--output",
                    tmp_path / "p.png") == 0
    assert load_image(tmp_path / "p.png").shape == (32, 32, 3)  # the model's size

    assert run_main("generate", "--model", model, sketch_folder / "sketches", "--output", tmp_path / "out",
                    "--size", "input", "--side-by-side") == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["s0.png", "s1.png", "s2.png"]
    assert load_image(tmp_path / "out" / "s1.png").shape == (40, 80, 3)  # input size, sketch | photo

    pattern = str(sketch_folder / "sketches" / "s[12].png")
    assert run_main("generate", "--model", trained_run[0] / "model.keras", pattern, "--output", tmp_path / "g") == 0
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["s1.png", "s2.png"]


@pytest.mark.compat_smoke
def test_generate_matches_the_python_api(trained_run, sketch_folder, tmp_path):
    import keras

    generator = keras.saving.load_model(trained_run[0] / "generator.keras")
    sketch = load_image(sketch_folder / "sketches" / "s0.png", image_size=32)
    expected = generator.predict(sketch[None], verbose=0)[0]
    s2p("generate", "--model", trained_run[0] / "generator.keras", sketch_folder / "sketches" / "s0.png",
        "--output", tmp_path / "p.png")
    np.testing.assert_allclose(load_image(tmp_path / "p.png"), expected, atol=2 / 255 + 1e-6)


def test_evaluate_prints_table_and_writes_json(trained_run, sketch_folder, tmp_path, capsys):
    out = tmp_path / "scores.json"
    assert run_main("evaluate", "--model", trained_run[0] / "generator.keras", sketch_folder, "--output", out) == 0
    stdout = capsys.readouterr().out
    scores = json.loads(out.read_text())
    assert scores["count"] == 3 and "ssim" in stdout and f"{scores['ssim']:.4f}" in stdout
    # The same numbers as the Python API on the same pairs.
    from keras_s2p.data import paired_dataset
    from keras_s2p.evaluation import evaluate_generator
    from keras_s2p.model_file import load_generator

    generator, size = load_generator(trained_run[0] / "generator.keras")
    expected = evaluate_generator(generator, paired_dataset(sketch_folder, image_size=size, batch_size=16,
                                                            augment=False, shuffle=False))
    for name in ("count", "l1", "l1_std", "psnr", "ssim", "ssim_std"):
        assert scores[name] == pytest.approx(expected[name], rel=1e-5, abs=1e-6), name


def test_sketchify_makes_a_trainable_folder(sketch_folder, tmp_path):
    result = s2p("sketchify", sketch_folder / "photos", tmp_path / "paired")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(tmp_path / "paired" / "pairs.csv")))
    assert len(rows) == 3 and all((tmp_path / "paired" / r["sketch"]).is_file() for r in rows)
    # The folder trains on the right pairs: each photo with the drawing made from it.
    from keras_s2p.data import find_pairs, paired_dataset, sketchify

    pairs = find_pairs(tmp_path / "paired")
    assert [(s.name, p.name) for s, p in pairs] == [(f"s{i}.png", f"s{i}.png") for i in range(3)]
    for sketch, photo in pairs:
        assert sketch.parent.name == "sketches"
        assert photo.read_bytes() == (sketch_folder / "photos" / photo.name).read_bytes()
        np.testing.assert_allclose(load_image(sketch), sketchify(load_image(photo)), atol=1 / 255 + 1e-6)
    _, photos = next(iter(paired_dataset(tmp_path / "paired", image_size=40, batch_size=3, augment=False,
                                                shuffle=False)))
    np.testing.assert_allclose(photos, [load_image(p) for _, p in pairs], atol=2 / 255)


@pytest.mark.parametrize(
    "args, needles",
    [
        (["train", "/no/such/folder", "--epochs", "1"], ["/no/such/folder"]),
        (["generate", "--model", "/no/model.keras", "x.png", "--output", "o.png"], ["x.png"]),
        (["evaluate", "--model", "/no/model.keras", "/no/data"], ["/no/model.keras"]),
        (["sketchify", "/no/photos", "out"], ["/no/photos"]),
        (["draw"], ["--model", "generator.keras", "model.keras"]),
        (["draw", "--model", "/no/model.keras"], ["/no/model.keras"]),
        (["draw", "--model", "/no/model.keras", "--port", "70000"], ["--port 70000"]),
    ],
)
def test_user_mistakes_are_one_line_errors(args, needles, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # in this process: TensorFlow is imported once, not per case
    main_one_line_error(capsys, args, *needles)


def test_missing_vgg_weights_warn_or_fail(tmp_path, capsys):
    args = ["train", "--epochs", "1", *TINY_TRAIN, "--perceptual-weight", "1",
            "--perceptual-weights", tmp_path / "missing.h5"]
    main_one_line_error(capsys, [*args, "--require-perceptual", "--run-dir", tmp_path / "strict"], "missing.h5")
    # The warning in a real process: in this one, pytest would record it instead of printing it.
    lenient = s2p(*args, "--run-dir", tmp_path / "lenient")
    assert lenient.returncode == 0, lenient.stderr
    warnings = [line for line in lenient.stderr.splitlines() if "warning:" in line and "perceptual" in line]
    assert len(warnings) == 1 and "missing.h5" in warnings[0]
    config = json.loads((tmp_path / "lenient" / "config.json").read_text())
    assert config["hyperparameters"]["perceptual_weight"] == 0 and "disabled" in config["hyperparameters"]["perceptual"]
    # One epoch, a grid every 10: the folder it prints must exist, or it says there is none.
    assert not (tmp_path / "lenient" / "samples").exists()
    assert "samples: none (a grid every --sample-every 10 epochs)" in lenient.stdout


def test_export_saved_model_and_tflite_match_keras(trained_run, tmp_path):
    import keras
    import tensorflow as tf

    model = trained_run[0] / "generator.keras"
    assert s2p("export", "--model", model, "--output", tmp_path / "sm").returncode == 0
    assert run_main("export", "--model", model, "--format", "tflite", "--output", tmp_path / "g.tflite") == 0
    generator = keras.saving.load_model(model)
    images = np.random.default_rng(0).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8)
    expected = (generator.predict(images / 127.5 - 1, verbose=0) + 1) * 127.5
    served = tf.saved_model.load(str(tmp_path / "sm")).signatures["serve"](images=tf.constant(images))["photos"]
    assert np.max(np.abs(served.numpy().astype(float) - expected)) <= 1.0
    interpreter = tf.lite.Interpreter(model_path=str(tmp_path / "g.tflite"))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], images)
    interpreter.invoke()
    lite = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    assert np.max(np.abs(lite.astype(float) - expected)) <= 1.0


def test_presets_fill_unset_options_only():
    from keras_s2p.cli import build_parser
    from keras_s2p.cli.train import apply_preset
    from keras_s2p.presets import PRESETS

    argv = ["train", "--preset", "faces", "--epochs", "7"]
    args = apply_preset(build_parser().parse_args(argv), argv)
    no_skips = argv + ["--no-skip-connections"]
    assert apply_preset(build_parser().parse_args(no_skips), no_skips).skip_connections is False  # also --no-*
    assert args.epochs == 7  # explicit flag wins
    assert args.skip_connections is PRESETS["faces"]["skip_connections"]
    assert args.batch_size == PRESETS["faces"]["batch_size"]
    train_flags = {action.dest for action in build_parser()._subparsers._group_actions[0].choices["train"]._actions}
    for name in PRESETS:
        assert set(PRESETS[name]) <= train_flags, name  # every preset key is an `s2p train` option


def test_unknown_preset_is_refused():
    assert_one_line_error(s2p("train", "--preset", "nope"), "invalid choice: 'nope'", status=2)


def test_evaluate_fid_with_local_inception_weights_else_skipped(trained_run, sketch_folder, tmp_path, monkeypatch,
                                                              capsys):
    from keras_s2p import pretrained

    weights = tmp_path / "inception.weights.h5"
    pretrained.load_inception_v3(None).save_weights(weights)
    model = trained_run[0] / "generator.keras"
    with_fid = s2p("evaluate", "--model", model, sketch_folder, "--output", tmp_path / "a.json",
                   "--inception-weights", weights)
    assert with_fid.returncode == 0, with_fid.stderr
    assert "fid " in with_fid.stdout
    # The value the Python API gives with the same weights on the same pairs.
    from keras_s2p.data import paired_dataset
    from keras_s2p.evaluation import evaluate_generator
    from keras_s2p.fid import FIDScorer
    from keras_s2p.model_file import load_generator

    generator, size = load_generator(model)
    pairs = paired_dataset(sketch_folder, image_size=size, batch_size=16, augment=False, shuffle=False)
    expected = evaluate_generator(generator, pairs, FIDScorer(str(weights)))["fid"]
    assert json.loads((tmp_path / "a.json").read_text())["fid"] == pytest.approx(expected, rel=1e-4)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))  # no cached InceptionV3 weights
    capsys.readouterr()
    assert run_main("evaluate", "--model", model, sketch_folder, "--output", tmp_path / "b.json") == 0
    assert "fid      skipped" in capsys.readouterr().out
    assert "fid" not in json.loads((tmp_path / "b.json").read_text())


def test_demo_runs_end_to_end(tmp_path):
    result = s2p("demo", "--epochs", "1", "--image-size", "32", "--run-dir", tmp_path / "demo", "--quiet")
    assert result.returncode == 0, result.stderr
    for name in ("generator.keras", "model.keras", "demo_sketch.png", "demo_photo.png", "history.csv"):
        assert (tmp_path / "demo" / name).is_file(), name
    assert load_image(tmp_path / "demo" / "demo_photo.png").shape == (32, 64, 3)  # sketch | photo
    assert "Everything is in" in result.stdout
    assert f"s2p draw --model {tmp_path / 'demo' / 'generator.keras'}" in result.stdout
    trained = json.loads((tmp_path / "demo" / "config.json").read_text())["hyperparameters"]
    recipe = dict(preset("demo"), epochs=1, image_size=32)  # the demo trains with the "demo" preset
    recorded = {key: trained[key] for key in recipe if key in trained}  # config.json has the model and fit options
    assert recorded == {key: recipe[key] for key in recorded} and len(recorded) >= 12, recorded


def test_critic_scales_and_attention_flags_reach_the_model(tmp_path):
    import keras

    assert run_main("train", "--epochs", "1", "--run-dir", tmp_path / "run", *TINY_TRAIN, "--critic-scales", "2",
                    "--attention") == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())["hyperparameters"]
    assert config["critic_scales"] == 2 and config["attention"] is True
    model = keras.saving.load_model(tmp_path / "run" / "model.keras")
    assert model.critic_scales == 2 and model.attention
    assert model.critic.get_layer("critic_scale1").get_layer("attention").spectral_norm
    assert keras.saving.load_model(tmp_path / "run" / "generator.keras").get_layer("attention")


def test_bad_critic_scales_is_a_one_line_error():
    assert_one_line_error(s2p("train", "--critic-scales", "4"), "--critic-scales: invalid choice: 4", status=2)


def test_generate_with_sketch_and_its_old_spelling(capsys):
    from keras_s2p.cli import build_parser

    command = ["generate", "--model", "m.keras", "s.png", "--output", "p.png"]
    assert build_parser().parse_args([*command, "--with-sketch"]).with_sketch is True
    assert build_parser().parse_args(command).with_sketch is False
    assert capsys.readouterr().err == ""
    assert build_parser().parse_args([*command, "--side-by-side"]).with_sketch is True
    assert capsys.readouterr().err == ("s2p generate: warning: --side-by-side is deprecated here, use --with-sketch\n")
