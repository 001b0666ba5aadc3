"""The sequence language front end: parser, checker, conditions, binary format."""
from .conditions import Condition, compile_condition, render
from .errors import SeqError, SequenceErrors
from .loader import check_sequence, load_sequence, parse_sequence
from .resolve import BindError, bind_call, command_args

__all__ = ["BindError", "Condition", "SeqError", "SequenceErrors", "bind_call", "check_sequence",
           "command_args", "compile_condition", "load_sequence", "parse_sequence", "render"]
