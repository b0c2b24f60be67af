"""Browser tests without a browser: skipped with a one-line reason on a user's machine, failed under CI."""

import os
import subprocess
import sys
from pathlib import Path

import draw_browser

NEEDS_BROWSER = "from draw_browser import require_browser\n\ndef test_needs_browser():\n    require_browser()\n"


def run_pytest(tmp_path, **env):
    """Run a test that calls `require_browser()` in a fresh pytest; returns (exit status, output)."""
    (tmp_path / "test_needs_browser.py").write_text(NEEDS_BROWSER)
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "S2P_CHROMIUM")}
    environ.update(env, PYTHONPATH=str(Path(draw_browser.__file__).parent))
    result = subprocess.run([sys.executable, "-m", "pytest", "-rsf", "-p", "no:cacheprovider", "test_needs_browser.py"],
                            cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout + result.stderr


def test_missing_browser_skips_with_how_to_enable_it(tmp_path):
    status, output = run_pytest(tmp_path, S2P_CHROMIUM=str(tmp_path / "no-chromium"))
    assert status == 0 and "1 skipped" in output, output
    assert f"no Chromium at {tmp_path / 'no-chromium'}: `apt-get install chromium`, or point S2P_CHROMIUM=PATH" \
        in output


def test_missing_browser_fails_under_ci(tmp_path):
    status, output = run_pytest(tmp_path, S2P_CHROMIUM=str(tmp_path / "no-chromium"), CI="true")
    assert status == 1 and "1 failed" in output, output
    assert f"CI=true: no Chromium at {tmp_path / 'no-chromium'}" in output


def test_s2p_chromium_selects_the_browser(tmp_path, monkeypatch):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("S2P_CHROMIUM", str(fake))
    assert draw_browser.chromium_path() == str(fake) and draw_browser.missing_browser() is None
    fake.chmod(0o644)  # there but not executable
    assert draw_browser.missing_browser().startswith(f"no Chromium at {fake}:")
    monkeypatch.delenv("S2P_CHROMIUM")
    assert draw_browser.chromium_path() == "/usr/bin/chromium"
