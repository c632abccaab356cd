"""`python -m bench [NAME ...]`: run the benchmarks and print one table."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path

from bench.common import Figure


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def main(argv: list[str]) -> int:
    figures: list[Figure] = []
    failed: list[str] = []
    for name in _modules(argv):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            figures.extend(module.run())
        except Exception:
            traceback.print_exc()
            failed.append(name)
    header = (f"{'figure':<56} {'ours':>12} {'baseline':>12} {'unit':<8} {'ratio':>7} "
              f"{'goal':>8}  met")
    print(header)
    print("-" * len(header))
    for f in figures:
        goal = f"<= {f.goal:g}" if f.kind == "cost" else f">= {f.goal:g}"
        print(f"{f.name:<56} {f.ours:>12.4g} {f.baseline:>12.4g} {f.unit:<8} {f.ratio:>7.2f} "
              f"{goal:>8}  {'yes' if f.met else 'NO'}")
        if f.note:
            print(f"    {f.note}")
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
