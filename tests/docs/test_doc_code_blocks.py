"""Every ```python block of README.md and docs/**/*.md runs, as written, in a fresh process, offline.

Blocks are found when the tests are collected, so a new docs page is tested without touching this file. HTML
comments on the lines right above a block's fence (invisible on the rendered page) adapt it to the test:

    <!-- doc-test: OLD => NEW -->            replace the text OLD (which must occur) with NEW: tiny settings
    <!-- doc-test: creates PATH [PATH...] --> the block must leave these files behind (its documented output)
    <!-- doc-test: skip: REASON -->          do not run the block (a reason is required)

Each block runs in its own folder holding ``data/faces`` (24 built-in pairs at 32², see conftest.py).
"""

import re
import shutil
from pathlib import Path

import pytest
from offline_user import run_python

pytestmark = pytest.mark.slow  # every block runs in a subprocess

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(\s*)```(python|py)\s*$")
MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(.*?)\s*-->\s*$")


def markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def code_blocks(path):
    """``[(line, code, markers)]``: each python block of `path`, its 1-based fence line and its marker texts."""
    lines, blocks, i = path.read_text(encoding="utf-8").splitlines(), [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        markers, j = [], i - 1
        while j >= 0 and MARKER.match(lines[j]):
            markers.insert(0, MARKER.match(lines[j]).group(1))
            j -= 1
        indent, start = len(fence.group(1)), i
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        blocks.append((start + 1, "\n".join(body) + "\n", markers))
        i += 1
    return blocks


def prepared(code, markers):
    """(code with the substitutions made, files it must create, skip reason or None); bad markers raise."""
    creates, skip = [], None
    for marker in markers:
        if marker.startswith("skip"):
            skip = marker[len("skip"):].lstrip(": ").strip()
            if not skip:
                raise ValueError(f"'doc-test: {marker}' needs a reason: 'doc-test: skip: WHY'")
        elif marker.startswith("creates "):
            creates += marker.split()[1:]
        elif " => " in marker:
            old, new = marker.split(" => ", 1)
            if old not in code:
                raise ValueError(f"'doc-test: {marker}': {old!r} does not occur in the block")
            code = code.replace(old, new)
        else:
            raise ValueError(f"unknown marker 'doc-test: {marker}' (OLD => NEW, creates PATH..., skip: REASON)")
    return code, creates, skip


BLOCKS = [pytest.param(path, line, code, markers, id=f"{path.relative_to(ROOT)}:{line}")
          for path in markdown_files() for line, code, markers in code_blocks(path)]


@pytest.mark.parametrize(("path", "line", "code", "markers"), BLOCKS)
def test_python_block_runs(path, line, code, markers, user_folder, tmp_path):
    code, creates, skip = prepared(code, markers)
    if skip:
        pytest.skip(f"{path.name}:{line}: {skip}")
    shutil.copytree(user_folder / "data", tmp_path / "data")
    (tmp_path / "block.py").write_text(code)
    result = run_python(["block.py"], cwd=tmp_path)
    assert result.returncode == 0, f"{path.name}:{line} failed:\n{result.stderr[-3000:]}"
    missing = [name for name in creates if not (tmp_path / name).is_file()]
    assert not missing, f"{path.name}:{line} did not write {missing}"


def test_markers_are_checked(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("<!-- doc-test: x = 1 => x = 2 -->\n```python\nx = 1\n```\n\n<!-- doc-test: skip -->\n"
                    "```python\nboom\n```\n<!-- doc-test: y => z -->\n```python\nx\n```\n")
    (line, code, markers), (_, skipped, no_reason), (_, other, stale) = code_blocks(page)
    assert line == 2 and prepared(code, markers) == ("x = 2\n", [], None)
    with pytest.raises(ValueError, match="needs a reason"):
        prepared(skipped, no_reason)
    with pytest.raises(ValueError, match="does not occur"):
        prepared(other, stale)
