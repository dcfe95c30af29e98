"""Kill a real sweep subprocess (SIGKILL) at random points, resume it, and check exactly-once results."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest

WORKER = Path(__file__).with_name("sweep_worker.py")


def _worker_module():
    spec = importlib.util.spec_from_file_location("sweep_worker_for_tests", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference(runs: int, seed: int) -> np.ndarray:
    """The oracle: every replicate computed directly, in order, with no store involved."""
    job = _worker_module().make_job(seed)
    return np.vstack([job.replicate(i) for i in range(runs)])


def _start(store: Path, runs: int, seed: int, delay: float, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(store), str(runs), str(seed), str(delay), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _replicate_rows(store: Path) -> list[tuple[str, int, int]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return [tuple(r) for r in con.execute("SELECT run_id, job, replicate FROM replicates").fetchall()]
    finally:
        con.close()


def _stored_count(store: Path) -> int:
    """Replicates committed so far (0 while the file is missing or locked by the writer)."""
    if not store.exists():
        return 0
    try:
        con = duckdb.connect(str(store), read_only=True)
    except duckdb.Error:
        return 0
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "replicates" not in tables:
            return 0
        return int(con.execute("SELECT count(*) FROM replicates").fetchone()[0])
    finally:
        con.close()


def _runs(store: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return [tuple(r) for r in con.execute("SELECT run_id, status FROM runs").fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_at_random_points_then_resume_gives_every_replicate_once(tmp_path: Path, trial: int) -> None:
    rng = np.random.default_rng(1000 + trial)
    runs, seed = 240, 11 + trial
    store = tmp_path / "runs.duckdb"
    kills = 0
    # Up to three kills at random moments (from before the first commit to late in the sweep).
    for _ in range(3):
        proc = _start(store, runs, seed, 0.02, "--resume")  # about 5 s of work: longer than any wait
        time.sleep(float(rng.uniform(0.3, 3.0)))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        else:
            proc.communicate()
    assert kills >= 1, "the sweep finished before any kill: make it slower"
    assert _stored_count(store) <= runs
    out = tmp_path / "final.npy"
    proc = _start(store, runs, seed, 0.0, "--resume", "--out", str(out))
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    rows = _replicate_rows(store)
    assert len(rows) == runs
    assert sorted(r[2] for r in rows) == list(range(runs))
    assert len({r[0] for r in rows}) == 1
    # Resuming never starts a second run of the same sweep once one is recorded.
    assert [status for _, status in _runs(store)].count("complete") == 1
    result = np.load(out)
    np.testing.assert_array_equal(result, _reference(runs, seed))


def test_resume_after_kill_with_process_backend(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    runs, seed = 400, 5
    proc = _start(store, runs, seed, 0.02, "--backend", "processes")
    # Kill the sweep (and its workers) once a first commit is visible, well before the end.
    deadline = time.monotonic() + 120
    while not _stored_count(store) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
    proc.wait()
    partial = len(_replicate_rows(store))
    assert 0 < partial < runs
    out = tmp_path / "final.npy"
    proc = _start(store, runs, seed, 0.0, "--resume", "--backend", "processes", "--out", str(out))
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert len(_replicate_rows(store)) == runs
    np.testing.assert_array_equal(np.load(out), _reference(runs, seed))


def test_two_processes_write_the_same_store_at_once(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    outs = [tmp_path / "a.npy", tmp_path / "b.npy"]
    procs = [
        _start(store, 150, seed, 0.004, "--out", str(out)) for seed, out in zip((1, 2), outs, strict=True)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    rows = _replicate_rows(store)
    assert len(rows) == 300
    assert sorted(status for _, status in _runs(store)) == ["complete", "complete"]
    for seed, out in zip((1, 2), outs, strict=True):
        np.testing.assert_array_equal(np.load(out), _reference(150, seed))


def test_two_processes_resuming_the_same_sweep_store_each_replicate_once(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    runs, seed = 200, 21
    proc = _start(store, runs, seed, 0.02, "--resume")
    deadline = time.monotonic() + 120
    while not _stored_count(store) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < _stored_count(store) < runs
    outs = [tmp_path / "a.npy", tmp_path / "b.npy"]
    procs = [_start(store, runs, seed, 0.005, "--resume", "--out", str(out)) for out in outs]
    for p in procs:
        _, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr
    rows = _replicate_rows(store)
    assert len(rows) == runs and len({r[0] for r in rows}) == 1
    reference = _reference(runs, seed)
    for out in outs:
        np.testing.assert_array_equal(np.load(out), reference)
