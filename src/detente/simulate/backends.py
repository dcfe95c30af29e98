"""Where replicates run: in this process, in local worker processes, or on a Dask cluster.

A backend maps a module-level function over a list of argument tuples and returns the
results **in task order**, whatever order they finish in. Monte Carlo work is cut into
chunks of replicates (:meth:`Backend.chunk_size`) to amortise the cost of shipping a
task; since a replicate's result depends only on the seed and its index (see
:mod:`detente.simulate.montecarlo`), every backend and every worker count gives
bit-identical results.

- ``inprocess``: a plain loop (no start-up cost; the default).
- ``processes``: :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn``
  start method (safe alongside threads such as a progress bar).
- ``dask``: a :class:`dask.distributed.LocalCluster` started for the run, or an existing
  cluster given by its scheduler address (``tcp://host:8786``).

Failures outside the work end a run loudly and keep what is done (each result is handed to
``on_result`` as it arrives, so a recorded sweep has stored it and resumes from there): a Dask
run whose cluster has had no worker, or whose scheduler has been unreachable, for
:attr:`DaskBackend.lost_seconds` raises :class:`~detente.model.errors.RunError`, as does a task
whose workers kept dying (``KilledWorker``); a worker process of ``processes`` exits within a
second of its parent's death, however the parent died (see docs/security.md).

Examples
--------
>>> with make_backend("inprocess") as b:
...     b.map(pow, [(2, 3), (3, 2)])
[8, 9]
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from detente.model.errors import ScenarioError

from .backend import AUTO_MIN_RUNS, BACKENDS, Backend, OnResult, Progress, gather_in_order
from .dask_backend import DaskBackend

__all__ = [
    "AUTO_MIN_RUNS",
    "BACKENDS",
    "Backend",
    "DaskBackend",
    "InProcessBackend",
    "ProcessBackend",
    "Progress",
    "make_backend",
    "watch_parent",
]


class InProcessBackend(Backend):
    """Run every task in this process, one after the other."""

    name = "inprocess"

    def chunk_size(self, total: int) -> int:
        # No shipping cost: chunks only set how often the progress bar moves.
        return max(1, math.ceil(total / 100))

    def _map(
        self,
        fn: Callable[..., Any],
        tasks: list[tuple[Any, ...]],
        weights: list[int],
        progress: Progress | None,
        on_result: OnResult | None = None,
    ) -> list[Any]:
        total, done, out = sum(weights), 0, []
        for k, (task, w) in enumerate(zip(tasks, weights, strict=True)):
            out.append(fn(*task))
            if on_result is not None:
                on_result(k, out[-1])
            done += w
            if progress is not None:
                progress(done, total)
        return out


class ProcessBackend(Backend):
    """Run tasks in local worker processes (``concurrent.futures``, spawn start method)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__(workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _map(
        self,
        fn: Callable[..., Any],
        tasks: list[tuple[Any, ...]],
        weights: list[int],
        progress: Progress | None,
        on_result: OnResult | None = None,
    ) -> list[Any]:
        pool = self._executor()
        futures: list[Future[Any]] = [pool.submit(fn, *t) for t in tasks]

        def next_done(pending: set[Any]) -> set[Any]:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            return set(finished)

        try:
            return gather_in_order(futures, weights, progress, next_done, on_result)
        except BaseException:
            for f in futures:
                f.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def watch_parent(parent: int, every: float = 0.5) -> None:
    """Run in each worker process as it starts: exit as soon as ``parent`` is gone.

    A worker blocks reading its task queue, whose other end it shares with its siblings, so
    it would outlive a parent killed with SIGKILL (and keep the resource tracker alive, some
    200 MB each on korea-2019). A daemon thread compares the parent process id every
    ``every`` seconds (a process whose parent died is re-parented).
    """

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="detente-parent-watch", daemon=True).start()


def make_backend(
    name: str = "inprocess",
    *,
    workers: int | None = None,
    address: str | None = None,
    total: int | None = None,
) -> Backend:
    """A backend by name (``auto``, ``inprocess``, ``processes``, ``dask``); an ``address`` implies Dask.

    ``auto`` chooses by the size of the job (``total`` replicates): worker processes, one per
    core (or ``workers``), for at least :data:`AUTO_MIN_RUNS` replicates on a machine with
    more than one core; this process otherwise. Results are the same on every backend.

    >>> make_backend("auto", total=100).name
    'inprocess'
    >>> make_backend("threads")
    Traceback (most recent call last):
    ...
    detente.model.errors.ScenarioError: backend: unknown backend 'threads'; expected one of auto, inprocess, processes, dask
    """
    if workers is not None and workers < 1:
        raise ScenarioError.single("workers", f"expected at least 1 worker, found {workers}")
    if address is not None:
        if name not in ("dask", "inprocess", "auto"):
            raise ScenarioError.single(
                "address", f"a scheduler address needs the dask backend, found backend {name!r}"
            )
        if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
            raise ScenarioError.single(
                "address", f"expected a scheduler address like tcp://host:8786, found {address!r}"
            )
        return DaskBackend(workers, address)
    if name == "auto":
        parallel = (workers or os.cpu_count() or 1) > 1
        big = total is not None and total >= AUTO_MIN_RUNS
        name = "processes" if parallel and (big or workers is not None) else "inprocess"
    if name == "inprocess":
        return InProcessBackend()
    if name == "processes":
        return ProcessBackend(workers)
    if name == "dask":
        return DaskBackend(workers)
    raise ScenarioError.single("backend", f"unknown backend {name!r}; expected one of {', '.join(BACKENDS)}")
