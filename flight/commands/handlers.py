"""How a flight component declares the commands it handles.

The dictionary names each command's owner (a [[component]]) and handler;
the owner marks that method with ``@handles("NAME")`` beside its code
(Rover.cmd_drive_to is marked ``@handles("DRIVE_TO")``).

A handler gets the dispatched ``CommandHandle`` (``cmd.args`` already
converted to the dictionary's units and range-checked where the command
entered; ``cmd.source``, ``cmd.cmd_id``) and returns

- None: the command completed now;
- a ``Pending``: polled once per cycle until it says how it ended;

or raises ``CommandFailed(reason)``.  ``rover dict check`` proves every
flight command has exactly one ``@handles`` in its owner's source file;
``bind_handlers`` finds them on the component objects at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


class CommandFailed(Exception):
    """A command its handler could not carry out; the message is the reason."""


@dataclass
class Pending:
    """A command still running: ``poll()`` returns None while it runs, else
    (succeeded, reason); ``cancel()`` (optional) is called if it is cancelled."""
    poll: Callable[[], tuple[bool, str] | None]
    cancel: Callable[[], None] | None = None


def handles(command: str):
    """Marks a method as the handler of dictionary command ``command``."""
    def mark(fn):
        fn.handles_command = command
        return fn
    return mark


class HandlerError(ValueError):
    """The flight components do not match the dictionary's owners and handlers."""


def bind_handlers(dictionary, components: dict[str, object]) -> dict[str, Callable]:
    """Command name -> bound handler for every flight command, from the
    component objects by their dictionary names.  Raises HandlerError naming
    the first command whose owner or handler is missing."""
    out = {}
    for name, c in sorted(dictionary.handlers("flight").items()):
        obj = components.get(c.owner)
        if obj is None:
            raise HandlerError(f"command {name}: owner {c.owner} is not running "
                               f"(components: {', '.join(sorted(components)) or 'none'})")
        fn = getattr(obj, c.handler, None)
        if fn is None or getattr(fn, "handles_command", None) != name:
            raise HandlerError(f"command {name}: {type(obj).__name__}.{c.handler} is not "
                               f"declared @handles({name!r})")
        out[name] = fn
    return out
