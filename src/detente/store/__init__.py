"""The results database (DuckDB) and recorded, resumable sweeps.

See :mod:`detente.store.database` for the file and its tables and
:mod:`detente.store.sweep` for recording and resuming Monte Carlo work.
"""

from __future__ import annotations

from .database import (
    JobRecord,
    RunInfo,
    RunStore,
    StoreBusyError,
    canonical_json,
    default_store_path,
    scenario_hash,
)
from .sweep import StoreRecorder, describe_job, record_sweep, run_recorded, sweep_key

__all__ = [
    "JobRecord",
    "RunInfo",
    "RunStore",
    "StoreBusyError",
    "StoreRecorder",
    "canonical_json",
    "default_store_path",
    "describe_job",
    "record_sweep",
    "run_recorded",
    "scenario_hash",
    "sweep_key",
]
