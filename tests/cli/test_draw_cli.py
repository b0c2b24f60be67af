"""``s2p draw`` as a user runs it: serves the page on 127.0.0.1 until Ctrl+C."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest

from keras_s2p import SketchToPhotoGAN, build_generator
from keras_s2p.errors import ConfigError
from keras_s2p.models.style import page_variations
from tiny_settings import TINY

pytestmark = pytest.mark.slow  # runs the command line in a subprocess


@pytest.mark.parametrize("style_dim", [0, 4], ids=["generator-file", "style-model-file"])
def test_draw_serves_until_interrupted(tmp_path, style_dim):
    if style_dim:  # the run's model.keras: the generator and its style encoder ("Style from photo")
        model = SketchToPhotoGAN(**TINY, style_dim=style_dim)
        model.save(tmp_path / "model.keras")
    else:
        build_generator(image_size=32, base_filters=4, num_res_blocks=1).save(tmp_path / "model.keras")
    command = [sys.executable, "-m", "keras_s2p", "draw", "--model", str(tmp_path / "model.keras"),
               "--image-size", "32", "--port", "0"]
    # SIGINT as a terminal delivers it: a shell starts background jobs (pytest ... &) with SIGINT ignored, which
    # the child would inherit, and Python then never raises KeyboardInterrupt.
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = server.stdout.readline()
        assert "open http://127.0.0.1:" in line, line + server.stderr.read()
        url = line.split("open ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "info", timeout=60) as response:
            assert json.load(response) == {"image_size": 32, "color_hints": False, "style_dim": style_dim,
                                           "variations": page_variations(style_dim), "style_encoder": bool(style_dim)}
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=180)  # generous: a loaded CI machine exits TensorFlow slowly
    finally:
        server.kill()
    assert server.returncode == 0 and "stopped" in out, err


def test_a_size_the_generator_cannot_run_at_is_refused():
    from keras_s2p.draw.inference import DrawModel

    with pytest.raises(ConfigError, match="cannot run at 30x30"):
        DrawModel(build_generator(image_size=32, base_filters=4, num_res_blocks=1, skip_connections=True), 30)
