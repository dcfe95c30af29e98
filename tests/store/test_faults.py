"""Lost machines: a recorded sweep whose workers, scheduler or own process die part way.

Each test runs the sweep of ``sweep_worker.py`` (a real Monte Carlo job, an engine that sleeps)
in a subprocess, kills something once a first batch of replicates is stored, and checks what
a user would see: a bounded end with a clear message and exit code (or a finished run when a
spare worker is left), no traceback, no process left behind after 10 s, and a resume that
gives exactly the numbers of an undisturbed run.

The Dask clusters are separate ``dask scheduler`` / ``dask worker`` processes (workers without
a nanny, so a killed worker stays dead); each test stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_kill_resume import WORKER, _reference, _replicate_rows, _stored_count

pytest.importorskip("distributed")

DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
DASK_WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]
LOST = 3.0  # DaskBackend.lost_seconds in these sweeps
DELAY = "0.02"  # seconds per replicate in the stand-in engine


class Cluster:
    """A scheduler and workers in their own processes, stopped by :meth:`stop`."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.file = where / "scheduler.json"
        self.file.unlink(missing_ok=True)
        self.env = dict(os.environ, SWEEP_DELAY=DELAY, DASK_DISTRIBUTED__WORKER__DAEMON="False")
        self.scheduler = self._start(
            [*DASK, "--scheduler-file", str(self.file), "--port", "0", "--no-dashboard"]
        )
        self.workers: list[subprocess.Popen[bytes]] = []
        deadline = time.monotonic() + 20
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.file.exists(), "the scheduler did not start"
        import json

        for _ in range(50):  # the file may be written in two steps
            try:
                self.address = json.loads(self.file.read_text())["address"]
                break
            except (ValueError, KeyError):
                time.sleep(0.05)

    def _start(self, cmd: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

    def add_worker(self) -> subprocess.Popen[bytes]:
        worker = self._start(
            [*DASK_WORKER, "--scheduler-file", str(self.file), "--nthreads", "1", "--no-nanny",
             "--no-dashboard", "--death-timeout", "10"]
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, n: int) -> None:
        from dask.distributed import Client

        with Client(self.address, timeout="20s") as client:
            client.wait_for_workers(n, timeout=30)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.stop()


def _sweep(store: Path, runs: int, seed: int, *extra: str, delay: str = DELAY) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(store), str(runs), str(seed), delay, "--resume",
         "--lost-seconds", str(LOST), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )  # fmt: skip


def _wait_stored(store: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not _stored_count(store) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert _stored_count(store) > 0, "no replicate stored before the fault"


def _finish(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str, float]:
    start = time.monotonic()
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the sweep did not end within {timeout} s of the fault")
    return proc.returncode, stderr, time.monotonic() - start


def _no_orphans(pids: list[int], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    alive = pids
    while time.monotonic() < deadline:
        alive = [
            p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
        if not alive:
            return
        time.sleep(0.1)
    for p in alive:
        os.kill(p, signal.SIGKILL)
    pytest.fail(f"processes left running {within} s after the fault: {alive}")


def _resume_matches(store: Path, runs: int, seed: int, tmp_path: Path, *extra: str) -> None:
    out = tmp_path / "resumed.npy"
    proc = _sweep(store, runs, seed, "--out", str(out), *extra, delay="0")
    code, stderr, _ = _finish(proc, 120)
    assert code == 0, stderr
    assert len(_replicate_rows(store)) == runs
    np.testing.assert_array_equal(np.load(out), _reference(runs, seed))


def test_losing_one_of_two_dask_workers_still_finishes_with_the_same_numbers(
    cluster: Cluster, tmp_path: Path
) -> None:
    store, runs, seed = tmp_path / "runs.duckdb", 160, 3
    cluster.add_worker()
    cluster.add_worker()
    cluster.wait_for_workers(2)
    out = tmp_path / "out.npy"
    proc = _sweep(store, runs, seed, "--address", cluster.address, "--out", str(out))
    _wait_stored(store, proc)
    cluster.workers[0].kill()
    code, stderr, _ = _finish(proc, 60)
    assert code == 0, stderr
    np.testing.assert_array_equal(np.load(out), _reference(runs, seed))


def test_losing_the_last_dask_worker_ends_the_run_clearly_and_resume_completes_it(
    cluster: Cluster, tmp_path: Path
) -> None:
    store, runs, seed = tmp_path / "runs.duckdb", 160, 4
    cluster.add_worker()
    cluster.wait_for_workers(1)
    proc = _sweep(store, runs, seed, "--address", cluster.address)
    _wait_stored(store, proc)
    cluster.workers[0].kill()
    code, stderr, took = _finish(proc, 25)
    assert code == 1, stderr
    assert "no worker left" in stderr and "--resume" in stderr, stderr
    assert "Traceback" not in stderr and "FutureCancelledError" not in stderr, stderr
    assert took < LOST + 15
    _no_orphans([proc.pid])
    assert 0 < len(_replicate_rows(store)) < runs
    cluster.add_worker()
    cluster.wait_for_workers(1)
    _resume_matches(store, runs, seed, tmp_path, "--address", cluster.address)


def test_losing_the_dask_scheduler_ends_the_run_clearly_not_a_hang(cluster: Cluster, tmp_path: Path) -> None:
    store, runs, seed = tmp_path / "runs.duckdb", 160, 5
    cluster.add_worker()
    cluster.wait_for_workers(1)
    proc = _sweep(store, runs, seed, "--address", cluster.address)
    _wait_stored(store, proc)
    cluster.scheduler.kill()
    code, stderr, took = _finish(proc, 25)
    assert code == 1, stderr
    assert "scheduler" in stderr and "--resume" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    assert took < LOST + 20
    _no_orphans([proc.pid])
    stored = len(_replicate_rows(store))
    assert 0 < stored < runs
    cluster.stop()
    again = Cluster(tmp_path)
    try:
        again.add_worker()
        again.wait_for_workers(1)
        _resume_matches(store, runs, seed, tmp_path, "--address", again.address)
    finally:
        again.stop()


def test_killing_a_local_cluster_worker_is_survived(tmp_path: Path) -> None:
    """A LocalCluster's nanny restarts a killed worker: the run finishes, numbers unchanged."""
    store, runs, seed = tmp_path / "runs.duckdb", 160, 6
    out = tmp_path / "out.npy"
    proc = _sweep(store, runs, seed, "--backend", "dask", "--out", str(out))
    _wait_stored(store, proc)
    me = psutil.Process(proc.pid)
    workers = [c for c in me.children(recursive=True) if "multiprocessing" in " ".join(c.cmdline())]
    assert workers, "no worker process found"
    workers[0].kill()
    code, stderr, _ = _finish(proc, 60)
    assert code == 0, stderr
    np.testing.assert_array_equal(np.load(out), _reference(runs, seed))


def test_processes_workers_die_with_their_parent_and_resume_gives_the_same_numbers(tmp_path: Path) -> None:
    store, runs, seed = tmp_path / "runs.duckdb", 400, 7
    proc = _sweep(store, runs, seed, "--backend", "processes")
    _wait_stored(store, proc)
    children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    assert children, "no worker process found"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only: its workers must notice
    proc.wait(timeout=10)  # not communicate(): an orphan would hold the pipes open
    _no_orphans(children)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    assert 0 < len(_replicate_rows(store)) < runs
    _resume_matches(store, runs, seed, tmp_path, "--backend", "processes")
