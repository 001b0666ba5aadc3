"""Imports run one way (docs/architecture.md): ground -> flight -> hal ->
sim_hw -> common.  The import-linter contracts in pyproject.toml say it; this
runs them, and checks what they cannot see (the compiled extension)."""
import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    r = subprocess.run([sys.executable, "-c", "import importlinter.cli as c; c.lint_imports_command()"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


def test_contracts_ignore_nothing():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert cfg["contracts"], "no import contracts"
    for c in cfg["contracts"]:
        assert "ignore_imports" not in c, c["name"]
    layers = next(c for c in cfg["contracts"] if c["type"] == "layers")["layers"]
    assert layers == ["ground", "flight", "hal", "sim_hw", "common"]


def _imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def test_only_the_lower_layers_touch_the_native_extension():
    """common._native is a compiled module, invisible to import-linter: the
    flight software and the ground tools never import it directly."""
    offenders = [f"{p.relative_to(ROOT)}: {m}"
                 for pkg in ("flight", "ground") for p in (ROOT / pkg).rglob("*.py")
                 for m in _imports(p) if m.startswith("common._native")]
    assert offenders == []
