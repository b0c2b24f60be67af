"""Running code as a user does: a fresh process, offline (downloads fail at once), no cached pretrained weights."""

import os
import subprocess
import sys


def offline_env(folder):
    """The environment of a user without internet and without cached weights (KERAS_HOME inside `folder`)."""
    unreachable = "http://127.0.0.1:9"  # the discard port: nothing listens, every download fails at once
    env = dict(os.environ, KERAS_HOME=str(folder / ".keras"), HTTPS_PROXY=unreachable, HTTP_PROXY=unreachable,
               https_proxy=unreachable, http_proxy=unreachable, NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # what a user's shell has: the examples must quiet TensorFlow themselves
    return env


def run_python(args, cwd, timeout=600):
    """``python ARGS`` in `cwd` as an offline user runs it; the CompletedProcess (text)."""
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, env=offline_env(cwd), capture_output=True,
                          text=True, timeout=timeout)
