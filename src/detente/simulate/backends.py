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

Examples
--------
>>> with make_backend("inprocess") as b:
...     b.map(pow, [(2, 3), (3, 2)])
[8, 9]
"""

from __future__ import annotations

import math
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any

from detente.model.errors import ScenarioError

__all__ = [
    "BACKENDS",
    "Backend",
    "DaskBackend",
    "InProcessBackend",
    "ProcessBackend",
    "Progress",
    "make_backend",
]

BACKENDS: tuple[str, ...] = ("auto", "inprocess", "processes", "dask")

AUTO_MIN_RUNS = 10_000
"""``auto`` starts worker processes for a job of at least this many replicates (about 5 s or
more of work on korea-2019): below that, starting them costs more than it saves."""


Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)``, in units of work (replicates), as tasks complete."""

OnResult = Callable[[int, Any], None]
"""Called as ``on_result(task_index, result)`` in this process as each task completes (any order)."""


class Backend(ABC):
    """Base class: runs tasks and reports progress. Use as a context manager to release workers."""

    name = "base"

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))

    def chunk_size(self, total: int) -> int:
        """Replicates per task: about four tasks per worker, so workers stay evenly loaded."""
        return max(1, math.ceil(total / (4 * self.workers)))

    def map(
        self,
        fn: Callable[..., Any],
        tasks: Sequence[tuple[Any, ...]],
        weights: Sequence[int] | None = None,
        progress: Progress | None = None,
        on_result: OnResult | None = None,
    ) -> list[Any]:
        """``[fn(*t) for t in tasks]``, in task order; ``progress`` counts ``weights`` (default 1 each).

        ``on_result(k, result)`` is called in this process as task ``k`` completes, before
        ``progress``: a caller can keep what is done (a recorded sweep writes it to the store)
        while the workers go on with the other tasks.
        """
        w = list(weights) if weights is not None else [1] * len(tasks)
        if len(w) != len(tasks):
            raise ValueError("one weight per task")
        return self._map(fn, list(tasks), w, progress, on_result)

    @abstractmethod
    def _map(
        self,
        fn: Callable[..., Any],
        tasks: list[tuple[Any, ...]],
        weights: list[int],
        progress: Progress | None,
        on_result: OnResult | None = None,
    ) -> list[Any]:
        """Run every task (each backend's own way), results in task order."""

    def close(self) -> None:  # noqa: B027 - optional hook: backends without workers release nothing
        """Release workers (idempotent)."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


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


def _gather_in_order(
    futures: list[Any],
    weights: list[int],
    progress: Progress | None,
    pending_wait: Callable[[set[Any]], set[Any]],
    on_result: OnResult | None = None,
) -> list[Any]:
    index = {id(f): k for k, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    total, done = sum(weights), 0
    pending = set(futures)
    while pending:
        finished = pending_wait(pending)
        for f in finished:
            k = index[id(f)]
            results[k] = f.result()
            if on_result is not None:
                on_result(k, results[k])
            done += weights[k]
        pending -= finished
        if progress is not None:
            progress(done, total)
    return results


class ProcessBackend(Backend):
    """Run tasks in local worker processes (``concurrent.futures``, spawn start method)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        super().__init__(workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
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
            return _gather_in_order(futures, weights, progress, next_done, on_result)
        except BaseException:
            for f in futures:
                f.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskBackend(Backend):
    """Run tasks on a Dask cluster: a new :class:`LocalCluster`, or an existing one at ``address``.

    Three things keep the workers busy (each measured on the korea-2019 sweep of
    ``benchmarks/bench_simulate.py``):

    - **Warm workers.** Before the first task of a module, every worker imports it (and
      the module of each shipped object) at once, in parallel. Otherwise the first worker
      to receive the job imports detente (about 0.7 s) while the other waits.
    - **The job on every worker.** Each distinct first argument (the job) is scattered to
      all workers in one call, so no worker is preferred for holding the data and the
      scheduler hands out tasks by load alone (with the job on one worker, the other
      started only once work stealing moved tasks to it).
    - **Results as they finish**, fetched in the background (``as_completed``), not one
      round trip per task.

    Tasks are sized by time (:meth:`chunk_size`): on a 2-core machine each Dask task added
    about 2.5 ms to the wall time (scheduler, client and worker share the cores with the
    work: 1.5 s of work took 5% over the ideal in 4 tasks, 10% in 16, 26% in 64), so tasks
    should last a good fraction of a second, yet there should be several per worker so that
    a worker slowed by other work on the machine hands its share to the others.
    """

    name = "dask"
    tasks_per_worker = 8
    """At most this many tasks per worker (and at least two)."""
    task_seconds = 0.25
    """Aim for tasks of at least this long, once :meth:`map` has timed some work."""

    def __init__(
        self, workers: int | None = None, address: str | None = None, connect_timeout: float = 10.0
    ) -> None:
        from dask.distributed import Client, LocalCluster

        self.address = address
        self._cluster: Any = None
        self._client: Any = None
        self._warm: set[str] = set()
        self._unit_seconds: float | None = None
        if address is not None:
            try:
                self._client = Client(address, timeout=f"{connect_timeout}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ScenarioError.single(
                    "--address", f"cannot reach a Dask scheduler at {address}: {exc}"
                ) from None
            n = len(self._client.scheduler_info().get("workers", {}))
            super().__init__(workers or n or 1)
        else:
            import dask

            super().__init__(workers or os.cpu_count() or 1)
            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,  # logging.ERROR
                )
            self._client = Client(self._cluster)

    def chunk_size(self, total: int) -> int:
        """Units per task: ``tasks_per_worker`` tasks per worker, fewer (down to two) when the
        work is known to be short, so that a task lasts about ``task_seconds``; always the
        same number of tasks per worker.

        The time of a unit (a replicate) is the latest :meth:`map`'s wall time per unit
        per worker busy; it includes the overheads, so it errs towards more tasks.
        """
        tasks = self.tasks_per_worker * self.workers
        if self._unit_seconds is not None:
            by_time = math.ceil(total * self._unit_seconds / self.task_seconds)
            # the same number per worker: 7 equal tasks on 2 workers take 4/7 of the work's time
            per_worker = math.ceil(by_time / self.workers)
            tasks = self.workers * min(self.tasks_per_worker, max(2, per_worker))
        return max(1, math.ceil(total / tasks))

    def _warm_up(self, modules: set[str]) -> None:
        """Import ``modules`` on every worker at once (errors surface later, in the tasks)."""
        todo = sorted(modules - self._warm)
        if todo:
            self._client.run(_import_modules, todo, on_error="ignore")
            self._warm.update(todo)

    def _map(
        self,
        fn: Callable[..., Any],
        tasks: list[tuple[Any, ...]],
        weights: list[int],
        progress: Progress | None,
        on_result: OnResult | None = None,
    ) -> list[Any]:
        from dask.distributed import as_completed

        client = self._client
        heads: dict[int, Any] = {}
        for t in tasks:
            heads.setdefault(id(t[0]), t[0])
        self._warm_up({_module_of(fn), *(_module_of(h) for h in heads.values())})
        # Ship each distinct first argument (the job) once, to every worker, then refer to it.
        scattered = client.scatter(list(heads.values()), broadcast=True, hash=False)
        shipped = dict(zip(heads, scattered, strict=True))
        start = time.perf_counter()
        futures = [client.submit(fn, shipped[id(t[0])], *t[1:], pure=False) for t in tasks]
        index = {f.key: k for k, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        total, done = sum(weights), 0
        try:
            for future, result in as_completed(futures, with_results=True):
                k = index[future.key]
                results[k] = result
                if on_result is not None:
                    on_result(k, result)
                done += weights[k]
                if progress is not None:
                    progress(done, total)
            if total > 0:
                busy = min(self.workers, len(tasks))
                self._unit_seconds = (time.perf_counter() - start) * busy / total
            return results
        finally:
            client.cancel(futures)
            client.cancel(scattered)

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "200ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask configuration of a :class:`DaskBackend`'s own LocalCluster (its scheduler, nannies and
workers). Its dashboard is off, so the statistical profiler (every thread sampled every 10 ms)
and the system monitor feed nothing, and the event-loop health check and memory monitor need
not wake every 20 ms and 100 ms: together they used about 4% of a core on the machine that
the workers need (measured on the korea-2019 sweep; halved with these settings)."""


def _module_of(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):
        module = type(obj).__module__
    return module


def _import_modules(names: list[str]) -> None:
    """Run on each worker: import ``names`` (best effort)."""
    import contextlib
    import importlib

    for name in names:
        if name not in ("__main__", "builtins"):
            with contextlib.suppress(ImportError):
                importlib.import_module(name)


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
    detente.model.errors.ScenarioError: --backend: unknown backend 'threads'; expected one of auto, inprocess, processes, dask
    """
    if workers is not None and workers < 1:
        raise ScenarioError.single("--workers", f"expected at least 1 worker, found {workers}")
    if address is not None:
        if name not in ("dask", "inprocess", "auto"):
            raise ScenarioError.single("--address", f"--address needs --backend dask, found --backend {name}")
        if not address.startswith(("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")):
            raise ScenarioError.single(
                "--address", f"expected a scheduler address like tcp://host:8786, found {address!r}"
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
    raise ScenarioError.single(
        "--backend", f"unknown backend {name!r}; expected one of {', '.join(BACKENDS)}"
    )
