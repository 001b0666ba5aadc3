"""``python -m flight.modes``: print the transition table as Markdown."""
from flight.modes.table import render_markdown

print(render_markdown(), end="")
