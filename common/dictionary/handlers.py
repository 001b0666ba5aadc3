"""Where each command is handled, checked against the code.

The dictionary names every command's owner (a [[component]]) and handler.
The code declares each handler beside its body:

- firmware (C): ``FW_COMMAND(MOB_DRIVE, cmd_mob_drive)`` opens the handler's
  definition in the owner's source file (csrc/firmware/fw.h);
- flight (Python): ``@handles("DRIVE_TO")`` marks the handler method on the
  owner's class (flight/commands/handlers.py).

``check_handlers`` reads those declarations as text (no build, no import)
and reports, one line each, a command without a handler on its side, a
handler declared twice, a declaration in another file than its owner's, one
whose name differs from the dictionary's, and one for a command the
dictionary does not have.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .model import Dictionary

REPO_ROOT = Path(__file__).resolve().parents[2]
# where each side's declarations may live (relative to the repository root)
SCAN = {"firmware": ("csrc/firmware", "*.c"), "flight": ("flight", "*.py")}
_PATTERNS = {
    "firmware": re.compile(r"^FW_COMMAND\(\s*([A-Za-z0-9_]+)\s*,\s*([A-Za-z0-9_]+)\s*\)", re.M),
    "flight": re.compile(r"^[ \t]*@handles\(\s*[\"']([A-Za-z0-9_]+)[\"']\s*\)\s*\n"
                         r"[ \t]*def[ \t]+([A-Za-z0-9_]+)", re.M),
}


@dataclass(frozen=True)
class Declaration:
    side: str
    command: str
    handler: str
    path: str           # relative to the repository root
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def scan_declarations(root: str | Path = REPO_ROOT) -> list[Declaration]:
    """Every handler declaration in the firmware and flight sources."""
    root = Path(root)
    out = []
    for side, (sub, glob) in SCAN.items():
        for path in sorted((root / sub).rglob(glob)):
            text = path.read_text(encoding="utf-8", errors="replace")
            for m in _PATTERNS[side].finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                if side == "flight":
                    line += 1     # the def line, not the decorator
                out.append(Declaration(side, m.group(1), m.group(2),
                                       path.relative_to(root).as_posix(), line))
    return out


def check_handlers(d: Dictionary, declarations: list[Declaration],
                   sides: tuple[str, ...] = tuple(SCAN)) -> list[str]:
    """Problems, one line each; empty when every command has exactly one
    handler on the side it runs on, where the dictionary says."""
    problems = []
    by_cmd: dict[tuple[str, str], list[Declaration]] = {}
    for decl in declarations:
        by_cmd.setdefault((decl.side, decl.command), []).append(decl)
    for side in sides:
        expected = d.handlers(side)
        for (s, name), decls in sorted(by_cmd.items()):
            if s == side and name not in expected:
                problems.append(f"{decls[0].where}: handler {decls[0].handler} is declared for "
                                f"{name}, which is not a {side} command in the dictionary")
        for name, c in sorted(expected.items()):
            comp = d.components[c.owner]
            decls = by_cmd.get((side, name), [])
            if not decls:
                how = (f"FW_COMMAND({name}, {c.handler})" if side == "firmware"
                       else f'@handles("{name}") def {c.handler}')
                problems.append(f"command {name}: handler missing: no {how} in {comp.source}")
                continue
            if len(decls) > 1:
                problems.append(f"command {name}: handler declared twice: "
                                f"{', '.join(x.where for x in decls)}")
                continue
            decl = decls[0]
            if decl.handler != c.handler:
                problems.append(f"{decl.where}: {name} is handled by {decl.handler}, but the "
                                f"dictionary names {c.handler}")
            if decl.path != comp.source:
                problems.append(f"{decl.where}: {name} is declared outside its owner "
                                f"{c.owner} ({comp.source})")
    return problems


def check_repository(d: Dictionary, root: str | Path = REPO_ROOT,
                     sides: tuple[str, ...] = tuple(SCAN)) -> list[str]:
    return check_handlers(d, scan_declarations(root), sides)
