"""The command/telemetry/event dictionary: one TOML file, Python tables and a C header."""
from .loader import DEFAULT_PATH, DictionaryError, default_dictionary, load_dictionary
from .model import (ArgDef, ArgumentError, ChannelDef, CommandDef, Dictionary, EventDef,
                    UnknownNameError)
from .units import UnitError

__all__ = ["ArgDef", "ArgumentError", "ChannelDef", "CommandDef", "DEFAULT_PATH", "Dictionary",
           "DictionaryError", "EventDef", "UnitError", "UnknownNameError", "default_dictionary",
           "load_dictionary"]
