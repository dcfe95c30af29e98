"""benchmarks/bench_robust.py at its smoke-test size: it runs, and its figures mean what they say."""

from __future__ import annotations

import math


def test_the_robust_benchmark_runs_and_its_robust_roadmap_holds_at_its_level() -> None:
    from benchmarks.bench_robust import main

    out = main(quick=True)
    (row,) = out["speed"].values()
    assert row["status"] == "optimal" and row["held"] >= math.ceil(0.9 * row["draws"])
    rows = out["survival"]
    assert len(rows) == 3 and all(0.0 <= r["complete"] <= 1.0 and r["runs"] == 20 for r in rows.values())
    likely, _, robust95 = rows.values()
    # korea-2019's Kalai-Smorodinsky roadmap at 0.95 differs from the likely-value one and survives more often
    assert robust95["complete"] > likely["complete"]
