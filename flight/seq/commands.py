"""The sequencer's commands: SEQ_START and SEQ_CANCEL.

A stored sequence is found in the library (relative to the calling
sequence's file when a sequence starts another) and started in a slot.

Commands start sequences and sequences send commands, so the executor and
the sequencer need each other; this component takes the sequencer as a
callable (``sequencer()``) so both can be built by their constructors."""
from __future__ import annotations

from typing import Callable

from flight.commands.handlers import CommandFailed, handles
from flight.seq.engine import Sequencer, SequencerError

MAX_SEQ_START_CHAIN = 8           # a -> SEQ_START b -> SEQ_START c ...: our bound, 4 slots x 2


class SequenceCommands:
    def __init__(self, sequencer: Callable[[], Sequencer], library):
        self._sequencer = sequencer
        self.library = library

    @property
    def sequencer(self) -> Sequencer:
        return self._sequencer()

    @handles("SEQ_START")
    def cmd_seq_start(self, cmd) -> None:
        try:
            caller = self.sequencer.slots.get(cmd.source)
            lineage = ()
            if caller is not None and caller.sequence is not None:
                lineage = caller.lineage + (caller.sequence.name,)
            name = cmd.args["name"]
            if name in lineage:
                raise SequencerError(f"SEQ_START cycle {' -> '.join(lineage + (name,))}: "
                                     f"sequences must not start each other in a loop")
            if len(lineage) >= MAX_SEQ_START_CHAIN:
                raise SequencerError(f"SEQ_START chain {' -> '.join(lineage + (name,))} is "
                                     f"longer than {MAX_SEQ_START_CHAIN}")
            seq = self.library.get(name, caller.sequence if caller is not None else None)
            self.sequencer.start(cmd.args["slot"], seq, lineage=lineage)
        except (KeyError, SequencerError) as e:
            # KeyError's str() quotes its message; hand on the message itself
            raise CommandFailed(e.args[0] if e.args else str(e)) from None

    @handles("SEQ_CANCEL")
    def cmd_seq_cancel(self, cmd) -> None:
        try:
            self.sequencer.cancel(cmd.args["slot"], f"SEQ_CANCEL from {cmd.source}")
        except SequencerError as e:
            raise CommandFailed(str(e)) from None
