"""Smoke test of benchmarks/bench_store.py (tiny sizes), so the benchmark cannot rot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_store.py"


def test_bench_store_runs_and_reports() -> None:
    spec = importlib.util.spec_from_file_location("bench_store", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_store"] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        out = module.main(quick=True)
    finally:
        sys.modules.pop("bench_store", None)
    assert out["replicates"] == 2000
    assert out["recorded_replicates_per_s"] > 0
    assert out["file_mb"] > 0
