"""Command execution: dictionary commands -> actions, tracked to completion."""
from .executor import CommandExecutor, CommandHandle, CommandStatus  # noqa: F401
