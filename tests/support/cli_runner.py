"""Run the ``s2p`` command line in a subprocess and check its one-line errors (importable as `cli_runner`)."""

import os
import subprocess
import sys


def s2p(*args, cwd=None, timeout=300):
    """The finished ``python -m keras_s2p ARGS`` (text output captured, TensorFlow's C++ logs off).

    Example:
        >>> s2p("generate", "--help").returncode
        0
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "keras_s2p", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def assert_one_line_error(result, *needles, status=1):
    """Assert `result` exited with `status` (1: a user mistake, 2: an argparse usage error) without a traceback,
    printing exactly one ``error:`` line that contains every needle; returns that line."""
    assert result.returncode == status, result.stdout + result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def run_main(*args):
    """``s2p ARGS`` in this process (`keras_s2p.cli.main`: no TensorFlow start-up per call); returns the exit status
    (argparse's usage errors: 2)."""
    from keras_s2p.cli import main

    try:
        return main([str(arg) for arg in args])
    except SystemExit as exit:
        return exit.code


def main_one_line_error(capsys, argv, *needles, status=1):
    """Run ``s2p argv`` in this process (`keras_s2p.cli.main`, no TensorFlow start-up per call) and assert `status`
    and one ``error:`` line naming every needle, without a traceback (one would fail the test as an exception).

    Returns:
        (stdout, the error line).
    """
    code = run_main(*argv)
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if "error:" in line]
    assert code == status and len(errors) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert str(needle) in errors[0], errors[0]
    return out, errors[0]
