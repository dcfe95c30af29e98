"""Smoke test of benchmarks/bench_deals.py (tiny sizes), so the benchmark cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from detente.analysis.deals import analyse_deals

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_deals.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_deals", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_deals_runs_small() -> None:
    out = _module().main(quick=True)
    ind = out["independent"]
    assert ind["packages"] == 2**12 and ind["same_as_brute_force"] is True
    assert ind["same_as_negmas"] in (True, None)  # None only when NegMAS is not installed
    assert out["constrained"]["frontier"] > 0 and out["sampling"]["samples"] == 20


def test_constrained_generator_merges_like_enumeration() -> None:
    s = _module().constrained_scenario(18)
    assert any(m.requires for m in s.moves) and any(m.excludes for m in s.moves) and s.interactions
    a, b = analyse_deals(s, method="merge"), analyse_deals(s, method="enumerate")
    assert a.frontier == b.frontier
    assert {k: v.moves for k, v in a.solutions.items()} == {k: v.moves for k, v in b.solutions.items()}
