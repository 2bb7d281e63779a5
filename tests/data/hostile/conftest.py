"""Hostile submissions are data for the checker's tests: never collect or import them outside a
sandbox (they write where they should not, fork, and fill the disk on purpose)."""

collect_ignore_glob = ["*.py"]
