"""Reading recorded runs back: one run as a document, and the differences between two runs.

Examples
--------
>>> import tempfile, pathlib
>>> from detente.store.sweep import Squares, record_sweep
>>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb")
>>> a, _ = record_sweep([(Squares(seed=1), 4)], store, kind="demo")
>>> b, _ = record_sweep([(Squares(seed=2), 4)], store, kind="demo")
>>> d = diff_document(store, a, b)
>>> d["same_numbers"], d["jobs"][0]["columns"]["seed"]["delta"]
(False, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .database import RunStore

__all__ = ["column_summary", "diff_document", "run_document"]


def column_summary(values: np.ndarray, columns: list[str]) -> dict[str, dict[str, Any]]:
    """Count (non-NaN), mean, standard deviation, min and max of each column.

    >>> column_summary(np.array([[1.0, np.nan], [3.0, 2.0]]), ["a", "b"])["a"]
    {'n': 2, 'mean': 2.0, 'std': 1.4142135623730951, 'min': 1.0, 'max': 3.0}
    """
    out: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(columns):
        x = values[:, k] if values.size else np.empty(0)
        x = x[~np.isnan(x)]
        n = int(x.size)
        out[name] = {
            "n": n,
            "mean": float(x.mean()) if n else None,
            "std": float(x.std(ddof=1)) if n > 1 else None,
            "min": float(x.min()) if n else None,
            "max": float(x.max()) if n else None,
        }
    return out


def run_document(store: RunStore, run_id: str) -> dict[str, Any]:
    """Everything recorded about a run: the run, its jobs with column summaries, its summary document."""
    info = store.run(run_id)
    jobs = store.jobs(info.run_id)
    arrays = store.outcomes(info.run_id)
    for job, arr in zip(jobs, arrays, strict=True):
        job["outcomes"] = column_summary(arr, job["columns"])
    return {**info.as_json(), "jobs": jobs, "summary": info.summary}


def _diff_dicts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [a.get(k), b.get(k)] for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def diff_document(store: RunStore, run_a: str, run_b: str) -> dict[str, Any]:
    """How two runs differ: parameters, version, per job the scenario and description, and numbers.

    For each job present in both, ``columns`` gives each outcome column's mean in A and B and
    the difference, and ``identical_replicates`` counts the replicates (by index) whose whole
    outcome rows are equal. ``same_numbers`` is true when every job has the same outcomes.
    """
    a, b = store.run(run_a), store.run(run_b)
    jobs_a, jobs_b = store.jobs(a.run_id), store.jobs(b.run_id)
    out_a, out_b = store.outcomes(a.run_id), store.outcomes(b.run_id)
    jobs: list[dict[str, Any]] = []
    same = len(jobs_a) == len(jobs_b)
    for k in range(max(len(jobs_a), len(jobs_b))):
        if k >= len(jobs_a) or k >= len(jobs_b):
            jobs.append({"job": k, "only_in": "A" if k < len(jobs_a) else "B"})
            same = False
            continue
        ja, jb, xa, xb = jobs_a[k], jobs_b[k], out_a[k], out_b[k]
        sa, sb = column_summary(xa, ja["columns"]), column_summary(xb, jb["columns"])
        columns = {}
        for name in ja["columns"]:
            if name in sb:
                ma, mb = sa[name]["mean"], sb[name]["mean"]
                delta = None if ma is None or mb is None else mb - ma
                columns[name] = {"A": ma, "B": mb, "delta": delta}
        n = min(xa.shape[0], xb.shape[0])
        identical = 0
        if ja["columns"] == jb["columns"] and n:
            equal = (xa[:n] == xb[:n]) | (np.isnan(xa[:n]) & np.isnan(xb[:n]))
            identical = int(equal.all(axis=1).sum())
        job_same = ja["columns"] == jb["columns"] and xa.shape == xb.shape and identical == xa.shape[0]
        same = same and job_same
        jobs.append(
            {
                "job": k,
                "scenario": [ja["scenario"], jb["scenario"]],
                "same_scenario": ja["scenario_hash"] == jb["scenario_hash"],
                "description": _diff_dicts(ja["description"], jb["description"]),
                "replicates": [int(xa.shape[0]), int(xb.shape[0])],
                "identical_replicates": identical,
                "columns": columns,
            }
        )
    return {
        "A": a.run_id,
        "B": b.run_id,
        "kind": [a.kind, b.kind],
        "detente_version": [a.detente_version, b.detente_version],
        "parameters": _diff_dicts(a.parameters, b.parameters),
        "same_sweep": a.sweep_key == b.sweep_key,
        "same_numbers": same,
        "jobs": jobs,
    }
