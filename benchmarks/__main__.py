"""Run every benchmark module ``benchmarks/bench_*.py`` that defines ``main() -> dict``.

Usage: ``python -m benchmarks [NAME ...]`` (names like ``deals`` or ``bench_deals``).
Results are printed by each module and saved together as JSON in ``benchmarks/results.json``.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
    if wanted:
        unknown = wanted - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(names)}")
            return 2
        names = [n for n in names if n in wanted]
    results: dict[str, object] = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    failed = False
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n=== {name}", flush=True)
        start = time.perf_counter()
        try:
            results[name] = module.main()
        except Exception as exc:  # a failing benchmark must not hide the others
            failed = True
            results[name] = {"error": repr(exc)}
            print(f"FAILED: {exc!r}")
        print(f"({time.perf_counter() - start:.1f} s)")
    (here / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
