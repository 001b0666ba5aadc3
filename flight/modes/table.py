"""The mode transition table, as data.

Every allowed (from -> to) pair is one row with the names of the guards that
must pass; anything not in the table is refused with the list of modes that
*are* reachable.  ``validate_transitions`` enforces the structural safety
rules so that an edited table cannot quietly break them:

- SAFE is reachable from every mode with no guard (nothing may refuse SAFE);
- there is no DRIVE <-> PRINT edge (driving while printing would drag a
  1000 C sintering head across the ground; the rover must pass through IDLE,
  whose PRINT entry guard checks it is stopped).

``python -m flight.modes`` prints the table as Markdown (docs/modes.md
embeds that output; a test checks they match).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from common.dictionary import default_dictionary

# The modes and their order are the dictionary's (meta.modes); the names the
# transition table uses are bound to them here, so a dictionary with other
# modes fails at import rather than running a table that does not fit it.
MODES: tuple[str, ...] = default_dictionary().modes
BOOT, SAFE, IDLE, DRIVE, PRINT, SURVIVAL = MODES


class UnknownModeError(ValueError):
    """A mode name that is not one of MODES (the message lists the valid ones)."""


class TransitionTableError(ValueError):
    """A transition table that breaks a structural rule."""


def check_mode(name: object) -> str:
    """Return the canonical mode name, or raise UnknownModeError listing valid ones.

    Case-insensitive, because operators type ``safe`` as often as ``SAFE``.
    """
    if isinstance(name, str):
        canon = name.strip().upper()
        if canon in MODES:
            return canon
    raise UnknownModeError(f"unknown mode {name!r}; valid modes: {', '.join(MODES)}")


@dataclass(frozen=True)
class Transition:
    src: str
    dst: str
    guards: tuple[str, ...] = ()
    why: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(BOOT, SAFE, (), "boot found a problem, or operator choice"),
    Transition(BOOT, IDLE, (), "boot complete"),
    Transition(BOOT, SURVIVAL, (), "woke up cold or flat (e.g. after lunar night)"),

    Transition(SAFE, IDLE, (), "operator clears SAFE after reviewing the fault"),
    Transition(SAFE, SURVIVAL, (), "power or thermal emergency while safed"),

    Transition(IDLE, SAFE, (), "always allowed"),
    Transition(IDLE, DRIVE, ("no_stall", "tilt_ok", "soc_ok"),
               "no latched wheel stall, ground within the operable slope, enough charge"),
    Transition(IDLE, PRINT, ("rover_stopped", "soc_ok", "printer_ready"),
               "sintering needs a stationary rover, enough charge, cool electronics and no "
               "latched head fault"),
    Transition(IDLE, SURVIVAL, (), "power or thermal emergency"),

    Transition(DRIVE, SAFE, (), "always allowed"),
    Transition(DRIVE, IDLE, (), "drive finished"),
    Transition(DRIVE, SURVIVAL, (), "power or thermal emergency"),

    Transition(PRINT, SAFE, (), "always allowed"),
    Transition(PRINT, IDLE, (), "print finished or aborted"),
    Transition(PRINT, SURVIVAL, (), "power or thermal emergency"),

    Transition(SURVIVAL, SAFE, (), "always allowed"),
    Transition(SURVIVAL, IDLE, ("survival_exit_ok",),
               "battery recharged and electronics warm again (with margin over the FP limits)"),
)


def validate_transitions(transitions: Iterable[Transition], guard_names: Iterable[str]) -> None:
    """Raise TransitionTableError naming the first broken rule."""
    known_guards = set(guard_names)
    seen: set[tuple[str, str]] = set()
    rows = list(transitions)
    for t in rows:
        for m in (t.src, t.dst):
            if m not in MODES:
                raise TransitionTableError(f"transition {t.src}->{t.dst}: unknown mode {m!r}; "
                                           f"valid modes: {', '.join(MODES)}")
        if t.src == t.dst:
            raise TransitionTableError(f"transition {t.src}->{t.dst}: self-transitions are implicit")
        if (t.src, t.dst) in seen:
            raise TransitionTableError(f"transition {t.src}->{t.dst} declared twice")
        seen.add((t.src, t.dst))
        if {t.src, t.dst} == {DRIVE, PRINT}:
            raise TransitionTableError(f"transition {t.src}->{t.dst}: DRIVE and PRINT must not "
                                       "connect directly (leave through IDLE)")
        for g in t.guards:
            if g not in known_guards:
                raise TransitionTableError(f"transition {t.src}->{t.dst}: unknown guard {g!r}; "
                                           f"known guards: {', '.join(sorted(known_guards))}")
        if t.dst == SAFE and t.guards:
            raise TransitionTableError(f"transition {t.src}->SAFE has guards {t.guards}; "
                                       "SAFE must never be refusable")
    for m in MODES:
        if m != SAFE and (m, SAFE) not in seen:
            raise TransitionTableError(f"no transition {m}->SAFE; SAFE must be reachable from every mode")


def render_markdown(transitions: Iterable[Transition] = TRANSITIONS) -> str:
    """The table as Markdown: one row per allowed transition, in table order."""
    lines = ["| From | To | Guards (all must pass) | Why |", "|---|---|---|---|"]
    for t in transitions:
        guards = ", ".join(f"`{g}`" for g in t.guards) or "none"
        lines.append(f"| {t.src} | {t.dst} | {guards} | {t.why} |")
    return "\n".join(lines) + "\n"

