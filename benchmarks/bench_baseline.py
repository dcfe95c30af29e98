"""The simulator's throughput against an earlier commit, measured in the same run on the same machine.

``python -m benchmarks baseline`` exports the baseline commit (``DETENTE_BASELINE_REF``,
default: the commit before the simulator core was redesigned) with ``git archive`` into a
temporary folder and times the same work with both code trees, each in a fresh process,
in turn (A B A B ...), so a drift of the machine's speed hits both alike. It reports
medians and the ratio now / baseline for:

- Monte Carlo in process: korea-2019, tit-for-tat vs grit, sampled values (runs/s);
- the comparison matrix in process: korea-2019, the 9 x 9 built-in strategies (runs/s);
- cold negotiations: korea-2019 with likely values, every strategy pair, a fresh scenario
  object for each (negotiations/s).

The times are CPU seconds of the measured call (``time.process_time``), after a warm-up
call, so other processes on the machine matter less than for wall time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

BASELINE_REF = os.environ.get("DETENTE_BASELINE_REF", "25f50ab")  # main before the simulator core redesign
ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
from detente.scenarios import load_builtin
from detente.simulate.compare import compare
from detente.simulate.engine import play
from detente.simulate.montecarlo import simulate
from detente.simulate.strategies import REGISTRY, make_strategy
mc_runs, cells_runs, cold_reps = (int(x) for x in sys.argv[1:4])
sc = load_builtin("korea-2019")
specs = list(REGISTRY)
simulate(sc, {"USA": "tit-for-tat", "DPRK": "grit"}, runs=20, seed=99)
compare(sc, specs, runs=1, seed=99)
out = {}
t = time.process_time(); simulate(sc, {"USA": "tit-for-tat", "DPRK": "grit"}, runs=mc_runs, seed=0)
out["montecarlo_runs_per_s"] = mc_runs / (time.process_time() - t)
t = time.process_time(); compare(sc, specs, runs=cells_runs, seed=0)
out["compare_runs_per_s"] = cells_runs * len(specs) ** 2 / (time.process_time() - t)
pairs = [(a, b) for a in specs for b in specs]
copies = [sc.replace() for _ in range(len(pairs) * cold_reps)]
t = time.process_time()
k = 0
for a, b in pairs:
    for i in range(cold_reps):
        play(copies[k], {"USA": make_strategy(a), "DPRK": make_strategy(b)}, seed=i)
        k += 1
out["cold_negotiations_per_s"] = len(copies) / (time.process_time() - t)
print(json.dumps(out))
"""


def _export(ref: str, into: Path) -> Path | None:
    """The ``src`` tree of commit ``ref``, or ``None`` if this is not a git checkout holding it."""
    archive = into / "baseline.tar"
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(archive), ref, "src"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"baseline {ref}: cannot export it ({done.stderr.strip()}); skipped")
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _measure(src: Path, args: tuple[int, int, int]) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, args)], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(mc_runs: int = 600, cells_runs: int = 20, cold_reps: int = 2, turns: int = 3) -> dict[str, Any]:
    """Measure and print; small arguments make a quick smoke run."""
    with tempfile.TemporaryDirectory() as tmp:
        base = _export(BASELINE_REF, Path(tmp))
        if base is None:
            return {"skipped": f"baseline {BASELINE_REF} not available"}
        args = (mc_runs, cells_runs, cold_reps)
        now: list[dict[str, float]] = []
        before: list[dict[str, float]] = []
        for _ in range(turns):
            now.append(_measure(ROOT / "src", args))
            before.append(_measure(base, args))
    out: dict[str, Any] = {"baseline": BASELINE_REF, "turns": turns}
    for key in now[0]:
        a = statistics.median(m[key] for m in now)
        b = statistics.median(m[key] for m in before)
        ratios = [x[key] / y[key] for x, y in zip(now, before, strict=True)]
        out[key] = {"now": a, "baseline": b, "ratio": statistics.median(ratios)}
        print(
            f"{key}: {a:,.0f} now vs {b:,.0f} at {BASELINE_REF} (medians of {turns}, CPU time) = "
            f"{statistics.median(ratios):.3f}x (turns {', '.join(f'{r:.3f}' for r in ratios)})"
        )
    return out


def main() -> dict[str, Any]:
    return run()


if __name__ == "__main__":
    main()
