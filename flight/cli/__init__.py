"""The `rover` command line."""
