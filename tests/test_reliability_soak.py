"""Reliability, item 7: the soak benchmark keeps working (a few epochs; the 200-epoch figure is in the README)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # subprocess-heavy

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "soak.py"


def test_soak_script_reports_rss_growth(tmp_path):
    out = tmp_path / "soak.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--epochs", "3", "--warmup", "1", "--builtin-pairs", "16",
                             "--json", str(out), "--max-growth", "1000"],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "growth" in result.stdout and "RSS MiB" in result.stdout
    report = json.loads(out.read_text())
    assert [epoch for epoch, _, _ in report["samples"]] == [1, 2, 3]
    assert all(rss > 50 for _, _, rss in report["samples"])
    assert isinstance(report["growth_percent"], float)
