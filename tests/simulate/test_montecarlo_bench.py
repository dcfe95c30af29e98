"""Smoke test of benchmarks/bench_simulate.py, so the benchmark cannot rot (tiny sizes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_simulate.py"


def test_bench_simulate_runs_small() -> None:
    spec = importlib.util.spec_from_file_location("bench_simulate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    s = module.synthetic_scenario()
    assert len(s.moves) == 10 and s.time.horizon == 100  # 2**10 = 1024 packages, 100 rounds
    out = module.run(negotiations=2, repeats=1, mc_runs=0, korea_runs=1, compare_runs=0, dask_runs=0)
    d = out["detente"]
    assert d["negotiations_per_s"] > 0 and 0 < d["rounds_per_negotiation"] <= 100
    if out["negmas"] is not None:
        assert out["negmas"]["rounds_per_negotiation"] <= 100
    k = out["korea_2019"]
    assert k["pairs"] == 81 and k["rounds_per_negotiation"] == 36  # every pair, korea-2019's horizon
    nk = out["negmas_korea"]
    if nk is not None:  # NegMAS on korea-2019's own negotiation: 22 binary issues, 36 steps
        assert nk["outcomes"] == 2**22 and nk["steps"] == 36
        assert nk["fastest"] in nk["negotiators"] and nk["rounds_per_negotiation"] <= 36
        assert out["korea_2019_vs_negmas_korea"] == k["negotiations_per_s"] / nk["negotiations_per_s"]
