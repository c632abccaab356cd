"""Benchmarks: each module `bench_*.py` exposes `run() -> list[Figure]`, a ratio against a baseline
measured in the same run."""
