"""GMCR stability benchmark: every state of large random conflicts, without states x states matrices.

Cases (targets from the tracker; see docs/stability.md):

1. 2 decision makers, 12 options (4,096 states): all four concepts. The size at which the
   best-known open GMCR tool, which stores a dense states x states matrix per decision
   maker, was measured at about 12 s (anchor measured by the project, not here).
2. 2 decision makers, 16 options (65,536 states): Nash, GMR, SMR and SEQ (target < 10 s).
3. 3 decision makers, 20 options (1,048,576 states): Nash and SEQ (target < 60 s and
   < 4 GiB), with GMR and SMR timed too.

Conflicts are random but seeded: 10% of states infeasible, about 20% of the options
irreversible (``take`` or ``drop``), preferences random scores with ties. Each case runs
in a fresh process so its peak memory (max RSS) is its own; times are medians.

Run with ``make bench`` or ``python -m benchmarks stability``; ``main(quick=True)`` is the
smoke-test size.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

from detente.analysis.stability import Engine
from detente.model.conflict import Conflict, Option

__all__ = ["CASES", "main", "random_conflict", "run_case"]

CASES: dict[str, dict[str, Any]] = {
    "2dm-12": {"split": [6, 6], "concepts": ["nash", "gmr", "smr", "seq"], "repeats": 5},
    "2dm-16": {"split": [8, 8], "concepts": ["nash", "gmr", "smr", "seq"], "repeats": 3, "target_s": 10.0},
    "3dm-20": {
        "split": [7, 7, 6], "concepts": ["nash", "seq", "gmr", "smr"], "repeats": 1,
        "target_s": 60.0, "target_concepts": ["nash", "seq"], "target_gib": 4.0,
    },
}  # fmt: skip
QUICK: dict[str, dict[str, Any]] = {
    "2dm-8": {"split": [4, 4], "concepts": ["nash", "gmr", "smr", "seq"], "repeats": 1},
    "3dm-9": {"split": [3, 3, 3], "concepts": ["nash", "seq"], "repeats": 1},
}


def random_conflict(
    split: list[int], seed: int = 0, infeasible: float = 0.1, directed: float = 0.2
) -> Conflict:
    """A seeded random conflict: ``split[i]`` options for decision maker ``i``."""
    rng = np.random.default_rng(seed)
    options: list[Option] = []
    for i, k in enumerate(split):
        for _ in range(k):
            r = rng.random()
            direction = "take" if r < directed / 2 else ("drop" if r < directed else "both")
            options.append(Option(f"o{len(options)}", f"D{i}", direction))  # type: ignore[arg-type]
    n = 1 << len(options)
    feasible = rng.random(n) >= infeasible
    feasible[0] = True
    payoff = rng.integers(0, 1 << 12, size=(len(split), n)).astype(float)
    dms = tuple(f"D{i}" for i in range(len(split)))
    return Conflict(f"random-{len(options)}", "random", dms, tuple(options), feasible, payoff, 0)


def run_case(split: list[int], concepts: list[str], repeats: int) -> dict[str, Any]:
    """Time each concept for every decision maker and state (median over ``repeats``)."""
    c = random_conflict(split)
    times: dict[str, float] = {}
    counts: dict[str, int] = {}
    for concept in concepts:
        runs = []
        for _ in range(repeats):
            engine = Engine(c)  # fresh: no cached index from an earlier concept
            t = time.perf_counter()
            stable = np.stack([getattr(engine, concept)(i) for i in range(len(split))]) & c.feasible
            runs.append(time.perf_counter() - t)
        times[concept] = statistics.median(runs)
        counts[concept] = int(stable.all(axis=0).sum())
    return {"states": c.n_states, "feasible": int(c.feasible.sum()), "seconds": times, "equilibria": counts}


def _in_subprocess(spec: dict[str, Any]) -> dict[str, Any]:
    code = (
        "import json, resource, sys; from benchmarks.bench_stability import run_case; "
        "spec = json.loads(sys.argv[1]); out = run_case(spec['split'], spec['concepts'], spec['repeats']); "
        "out['max_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(out))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark case failed: {proc.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(quick: bool = False) -> dict[str, Any]:
    cases = QUICK if quick else CASES
    results: dict[str, Any] = {}
    print(f"{'case':8} {'states':>9} {'concept':8} {'seconds':>9} {'equilibria':>10} {'max RSS MiB':>12}")
    for name, spec in cases.items():
        out = _in_subprocess(spec)
        for concept in spec["concepts"]:
            print(
                f"{name:8} {out['states']:>9,} {concept:8} {out['seconds'][concept]:>9.2f} "
                f"{out['equilibria'][concept]:>10,} {out['max_rss_mib']:>12.0f}"
            )
        if "target_s" in spec:
            timed = spec.get("target_concepts", spec["concepts"])
            total = sum(out["seconds"][k] for k in timed)
            out["target"] = {"concepts": timed, "seconds": total, "limit_s": spec["target_s"],
                             "met": total < spec["target_s"]}  # fmt: skip
            if "target_gib" in spec:
                out["target"]["limit_gib"] = spec["target_gib"]
                out["target"]["met"] = out["target"]["met"] and out["max_rss_mib"] < spec["target_gib"] * 1024
            verdict = "met" if out["target"]["met"] else "MISSED"
            print(f"  target for {'+'.join(timed)}: {total:.2f} s < {spec['target_s']:.0f} s -> {verdict}")
        results[name] = out
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
