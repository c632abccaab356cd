"""Crash and fault drills: `python -m drill` (see drill/__main__.py)."""
