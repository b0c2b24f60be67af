"""Running Python code in a new interpreter, as a user loading a saved file in a new process does."""

import subprocess
import sys


def run_python(script, *args, timeout=300):
    """Run ``python -c script *args``; fail the test with its stderr's tail unless it exits 0.

    Returns:
        str: its stdout.
    """
    result = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
