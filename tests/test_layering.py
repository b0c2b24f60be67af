"""The layers, read from the imports (also those inside functions, and those of the keras-s2p modules imported in
turn): the model, loss and data layers use no command-line code, and no library module imports the command line
(docs/code-map.md)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keras_s2p"
NO_COMMAND_LINE = ("models", "losses.py", "data")  # argparse and keras_s2p.cli stay out of these
FORBIDDEN_THERE = ("argparse", "keras_s2p.cli")


def imported(path):
    """Every module `path` imports, anywhere in it, as dotted names."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level])
                names.append(f"{base}.{node.module}" if node.module else base)
            else:
                names.append(node.module)
            names += [f"{names[-1]}.{alias.name}" for alias in node.names]
    return names


def source(name):
    """The file of keras-s2p module `name`, or None (another package, or a name imported from a module)."""
    base = PACKAGE.parent.joinpath(*name.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def offending(path, forbidden):
    """The forbidden imports of `path` and of every keras-s2p module it imports, directly or not."""
    found, seen, todo = set(), set(), [path]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in imported(module):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.add(name)
            parts = name.split(".")
            todo += [source(".".join(parts[:i])) for i in range(2, len(parts) + 1)
                     if parts[0] == "keras_s2p" and source(".".join(parts[:i]))]
    return sorted(found)


def modules(*parts):
    for part in parts:
        target = PACKAGE / part
        yield from sorted(target.rglob("*.py")) if target.is_dir() else [target]


@pytest.mark.parametrize("path", list(modules(*NO_COMMAND_LINE)), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_model_loss_and_data_layers_use_no_command_line_code(path):
    assert offending(path, FORBIDDEN_THERE) == [], f"{path.relative_to(PACKAGE)} imports command-line code"


LIBRARY = [p for p in modules(".") if p.relative_to(PACKAGE).parts[0] not in ("cli", "__main__.py")]


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_never_imports_the_command_line(path):
    assert offending(path, ("keras_s2p.cli",)) == [], f"{path.relative_to(PACKAGE)} imports keras_s2p.cli"


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import argparse\n    from keras_s2p.cli.options import positive_int\n")
    assert {"argparse", "keras_s2p.cli.options"} <= set(offending(module, FORBIDDEN_THERE))
