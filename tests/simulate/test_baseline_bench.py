"""Smoke test of benchmarks/bench_baseline.py (tiny sizes): it exports the baseline and times both trees."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_baseline.py"


def test_bench_baseline_runs_small() -> None:
    spec = importlib.util.spec_from_file_location("bench_baseline", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.run(mc_runs=4, cells_runs=1, cold_reps=1, turns=1)
    if "skipped" in out:  # not a git checkout holding the baseline commit
        return
    for key in ("montecarlo_runs_per_s", "compare_runs_per_s", "cold_negotiations_per_s"):
        figure = out[key]
        assert figure["now"] > 0 and figure["baseline"] > 0
        assert figure["ratio"] > 0
