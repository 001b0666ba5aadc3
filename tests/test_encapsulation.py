"""No module reaches into another object's private state: an attribute
starting with one underscore is read or written only through ``self`` (or
``cls``) inside its own class.  Scans the flight software, the shared bottom
and the ground tools as text (AST), so it fails on the line that does it."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "flight", "ground", "hal/link")


def private_reaches(path: Path) -> list[str]:
    out = []
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(n, ast.Attribute) and n.attr.startswith("_")
                and not n.attr.startswith("__")
                and not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))
                and not (isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)
                         and n.value.func.id == "super")):
            out.append(f"{path.relative_to(ROOT)}:{n.lineno}: {ast.unparse(n)}")
    return out


def test_no_reaching_into_private_state():
    hits = [h for pkg in PACKAGES for f in sorted((ROOT / pkg).rglob("*.py"))
            for h in private_reaches(f)]
    assert not hits, "private state reached from outside its object:\n" + "\n".join(hits)


def test_the_scan_sees_a_reach(tmp_path):
    f = ROOT / "tests" / "_scan_sample.py"
    try:
        f.write_text("def f(nav):\n    return nav._activity\n")
        assert private_reaches(f) == ["tests/_scan_sample.py:2: nav._activity"]
    finally:
        f.unlink()
