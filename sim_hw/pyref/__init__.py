"""Pure-Python references of the portable C in csrc/core, bit-exact with it.

Used by the differential tests and by the C-vs-Python speed benchmark.
"""
