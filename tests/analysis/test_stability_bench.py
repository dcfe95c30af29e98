"""Smoke test of benchmarks/bench_stability.py (tiny sizes), so the benchmark cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from detente.analysis.stability import analyse

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_stability.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_stability_smoke", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_stability_runs_small() -> None:
    bench = _module()
    out = bench.run_case([3, 3], ["nash", "gmr", "smr", "seq"], 1)
    assert out["states"] == 64 and set(out["seconds"]) == {"nash", "gmr", "smr", "seq"}
    c = bench.random_conflict([3, 3])
    r = analyse(c)
    assert out["equilibria"] == {k: len(r.equilibrium_states(k)) for k in r.concepts}
    # Nash equilibria are also GMR, SMR and SEQ equilibria
    assert out["equilibria"]["nash"] <= min(out["equilibria"][k] for k in ("gmr", "smr", "seq"))
