"""Keeping TensorFlow's start-up log lines off the command line's stderr (``s2p --verbose`` shows them).

TensorFlow writes INFO lines while its native libraries load ("oneDNN custom operations are on", "Could not find
cuda drivers"), before it reads ``TF_CPP_MIN_LOG_LEVEL``, so that variable alone does not silence them (TensorFlow
2.21). `import_tensorflow` therefore imports TensorFlow with file descriptor 2 redirected to a temporary file, then
writes back every line that is not an absl INFO or WARNING line.
"""

import os
import re
import sys
import tempfile

# absl's prefix ("I0000 00:00:1795705512.504079    3420 port.cc:153] "), and its notice about that early output.
_ABSL_INFO = re.compile(r"^[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^ \]]+\] |^WARNING: All log messages before absl::")


def import_tensorflow(verbose=False):
    """Import TensorFlow; unless `verbose`, without its INFO and WARNING lines (errors still reach stderr).

    Args:
        verbose: show every TensorFlow log line (``TF_CPP_MIN_LOG_LEVEL=0``).
    """
    if verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
        import tensorflow  # noqa: F401

        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # the lines TensorFlow logs after start-up
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    stderr = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(stderr, 2)
            os.close(stderr)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines()
            kept = [line for line in lines if not _ABSL_INFO.match(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)
