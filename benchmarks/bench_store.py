"""Results-store benchmark: what recording and resuming a sweep costs.

Measured (median of several repeats, each in a fresh database):

1. **Recording overhead**: a sweep of a cheap job (11 outcome columns, like a two-party
   simulation row) run plainly with ``run_jobs`` and recorded with ``record_sweep``
   (commit per wave, in-process backend); replicates stored per second.
2. **Resume**: the same sweep with half its replicates already stored, resumed.
3. **Read back and export**: ``store.outcomes`` and Parquet / CSV export of the run.
4. **Connection**: opening and closing the store for one read (the price of the
   open-per-operation locking scheme).

Run with ``make bench`` or ``python -m benchmarks store``; ``main(quick=True)`` is the
smoke-test size.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.simulate.montecarlo import replicate_seed
from detente.store import RunStore, record_sweep

__all__ = ["RowJob", "main"]


@dataclass(frozen=True)
class RowJob:
    """Replicate ``i``: 11 numbers drawn from the replicate's own seed (cheap, like an outcome row)."""

    seed: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f"c{k}" for k in range(11))

    def replicate(self, index: int) -> np.ndarray:
        return np.random.default_rng(replicate_seed(self.seed, index)).random(11)


def _median(fn: Callable[[], float], repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def main(quick: bool = False) -> dict[str, Any]:
    runs = 2_000 if quick else 50_000
    repeats = 1 if quick else 3
    job = RowJob(1)
    out: dict[str, Any] = {"replicates": runs, "columns": 11, "repeats": repeats}

    def plain() -> float:
        from detente.simulate.montecarlo import run_jobs

        t = time.perf_counter()
        run_jobs([(job, runs)])
        return time.perf_counter() - t

    def recorded() -> float:
        with tempfile.TemporaryDirectory() as d:
            store = RunStore(Path(d) / "runs.duckdb")
            t = time.perf_counter()
            record_sweep([(job, runs)], store, kind="bench")
            return time.perf_counter() - t

    def resumed() -> float:
        with tempfile.TemporaryDirectory() as d:
            store = RunStore(Path(d) / "runs.duckdb")
            record_sweep([(job, runs)], store, kind="bench")
            import duckdb

            con = duckdb.connect(str(store.path))
            con.execute("DELETE FROM replicates WHERE replicate % 2 = 1")
            con.execute("UPDATE runs SET status = 'running'")
            con.close()
            t = time.perf_counter()
            record_sweep([(job, runs)], store, kind="bench", resume=True)
            return time.perf_counter() - t

    out["plain_s"] = _median(plain, repeats)
    out["recorded_s"] = _median(recorded, repeats)
    out["recorded_replicates_per_s"] = runs / out["recorded_s"]
    out["overhead_s_per_1000"] = 1000 * (out["recorded_s"] - out["plain_s"]) / runs
    out["resume_half_s"] = _median(resumed, repeats)

    with tempfile.TemporaryDirectory() as d:
        store = RunStore(Path(d) / "runs.duckdb")
        run_id, _ = record_sweep([(job, runs)], store, kind="bench")

        def read() -> float:
            t = time.perf_counter()
            store.outcomes(run_id)
            return time.perf_counter() - t

        def export(fmt: str) -> Callable[[], float]:
            def go() -> float:
                t = time.perf_counter()
                store.export(run_id, Path(d) / f"out.{fmt}")
                return time.perf_counter() - t

            return go

        def connect() -> float:
            t = time.perf_counter()
            store.list_runs(limit=1)
            return time.perf_counter() - t

        out["read_back_s"] = _median(read, repeats)
        out["export_parquet_s"] = _median(export("parquet"), repeats)
        out["export_csv_s"] = _median(export("csv"), repeats)
        out["list_runs_ms"] = 1000 * _median(connect, 5 * repeats)
        out["file_mb"] = store.path.stat().st_size / 1e6

    rows = [
        ("plain run_jobs", f"{out['plain_s']:.2f} s"),
        (
            "recorded sweep",
            f"{out['recorded_s']:.2f} s ({out['recorded_replicates_per_s']:,.0f} replicates/s)",
        ),
        ("recording overhead", f"{out['overhead_s_per_1000']:.3f} s per 1000 replicates"),
        ("resume (half stored)", f"{out['resume_half_s']:.2f} s"),
        ("read back", f"{out['read_back_s']:.2f} s"),
        ("export parquet / csv", f"{out['export_parquet_s']:.2f} s / {out['export_csv_s']:.2f} s"),
        ("open + list (one op)", f"{out['list_runs_ms']:.1f} ms"),
        ("file size", f"{out['file_mb']:.1f} MB"),
    ]
    print(f"results store, {runs:,} replicates x 11 columns (median of {repeats})")
    for name, value in rows:
        print(f"  {name:<24} {value}")
    return out


if __name__ == "__main__":
    main()
