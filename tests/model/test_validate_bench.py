"""Smoke test of benchmarks/bench_validate.py (quick sizes), so the benchmark cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_validate.py"


def test_bench_validate_runs_quick() -> None:
    spec = importlib.util.spec_from_file_location("bench_validate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(quick=True)
    assert out["moves-1k"]["moves"] == 1_000
    assert out["moves-13k (cap lifted)"]["moves"] == 13_000
    assert "at most 10,000" in out["moves-13k"]["refused"]
    assert "aliases" in out["alias-bomb"]["refused"] and "nested" in out["depth-10k"]["refused"]
