"""The Dask backend: tasks on a new LocalCluster or on an existing cluster at a scheduler address.

dask.distributed is imported when a DaskBackend starts (about 0.5 s), not with this module.

Examples
--------
>>> DaskBackend(workers=2).workers
2
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import Any

from detente.model.errors import RunError, ScenarioError

from .backend import Backend, OnResult, Progress

__all__ = ["LOCAL_CLUSTER_CONFIG", "DaskBackend"]


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
    lost_seconds = 20.0
    """A run ends with :class:`RunError` once the cluster has had no worker, or its scheduler
    has not answered, for this long (a LocalCluster's nanny restarts a dead worker in about
    two seconds)."""
    poll_seconds = 1.0
    """How often a waiting :meth:`map` checks that the cluster is still there."""

    def __init__(
        self, workers: int | None = None, address: str | None = None, connect_timeout: float = 10.0
    ) -> None:
        # dask imported here, not with the module: about 0.5 s that runs without a cluster never pay
        from dask.distributed import Client, LocalCluster

        # distributed logs each failed reconnection with a traceback; the RunError a lost
        # cluster raises says what happened, once, so its connection loggers are quiet meanwhile
        self._log_levels = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
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
                    "address", f"cannot reach a Dask scheduler at {address}: {exc}"
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
        pending = set(futures)
        try:
            while pending:
                finished = self._next_done(pending, len(futures))
                for future in finished:
                    k = index[future.key]
                    results[k] = self._result(future, len(futures) - len(pending))
                    if on_result is not None:
                        on_result(k, results[k])
                    done += weights[k]
                pending -= finished
                if finished and progress is not None:
                    progress(done, total)
            if total > 0:
                busy = min(self.workers, len(tasks))
                self._unit_seconds = (time.perf_counter() - start) * busy / total
            return results
        finally:
            self._release([*futures, *scattered])

    def _next_done(self, pending: set[Any], n: int) -> set[Any]:
        """The futures that finish next; :class:`RunError` once the cluster is gone for good."""
        from dask.distributed import TimeoutError as DaskTimeout
        from dask.distributed import wait as dask_wait

        lost_since: float | None = None
        while True:
            try:
                finished, _ = dask_wait(
                    list(pending), timeout=self.poll_seconds, return_when="FIRST_COMPLETED"
                )
                return set(finished)
            except (DaskTimeout, TimeoutError):
                pass
            except CancelledError as exc:  # the scheduler dropped them: their data or cluster is gone
                reason = _cancel_reason(exc)
                cause = self._trouble() or "the Dask scheduler cancelled the tasks"
                raise RunError(self._lost_message(f"{cause} ({reason})", n, pending)) from None
            why = self._trouble()
            if why is None:
                lost_since = None
                continue
            lost_since = lost_since if lost_since is not None else time.monotonic()
            if time.monotonic() - lost_since >= self.lost_seconds:
                raise RunError(self._lost_message(f"{why} (for {self.lost_seconds:g} s)", n, pending))

    def _trouble(self) -> str | None:
        """What is wrong with the cluster (no worker, no scheduler), or None."""
        client = self._client
        if client.status not in ("running", "newly-created"):
            return "the Dask scheduler has been unreachable"
        try:
            info = client.sync(
                client.scheduler.identity, n_workers=-1, callback_timeout=self.poll_seconds * 5
            )
        except Exception:  # any failure to answer means the same thing here
            return "the Dask scheduler has been unreachable"
        if not info.get("workers"):
            return "the Dask cluster has no worker left"
        return None

    def _result(self, future: Any, finished: int) -> Any:
        from dask.distributed import KilledWorker

        if future.status == "finished":
            return future.result()
        if future.cancelled():
            raise RunError(self._lost_message("the Dask scheduler cancelled a task", finished, set()))
        try:
            return future.result()  # raises the task's own error
        except KilledWorker as exc:
            raise RunError(
                f"a task kept killing its Dask workers ({exc}); {finished} tasks had finished, and a "
                "recorded run keeps their results"
            ) from None

    def _lost_message(self, why: str, n: int, pending: set[Any]) -> str:
        left = len(pending)
        return (
            f"{why}: the run stopped with {n - left} of {n} tasks finished. A recorded run "
            "(--store) keeps every finished replicate: run the same command with --resume "
            "once the cluster is back."
        )

    def _release(self, futures: list[Any]) -> None:
        """Cancel what is left on the cluster, without waiting on a scheduler that is gone."""
        client = self._client
        if client is None or client.status not in ("running", "newly-created"):
            return
        with contextlib.suppress(Exception):  # best effort: the run's outcome is decided already
            client.sync(client._cancel, futures, callback_timeout=self.poll_seconds * 5)

    def close(self) -> None:
        client, self._client = getattr(self, "_client", None), None
        if client is not None:
            with contextlib.suppress(Exception):  # a scheduler that is gone cannot be told
                client.close(timeout=self.poll_seconds * 5)
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close(timeout=self.poll_seconds * 10)
            self._cluster = None
        for name, level in getattr(self, "_log_levels", {}).items():
            logging.getLogger(name).setLevel(level)


_QUIET_LOGGERS = ("distributed.client", "distributed.comm", "distributed.core", "distributed.batched")

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


def _cancel_reason(exc: BaseException) -> str:
    """The scheduler's reason for cancelling futures (``lost dependencies``, ...), in words."""
    groups = getattr(exc, "groups", None)
    found = [g.reason for g in groups] if groups else [getattr(exc, "reason", "")]
    reasons = sorted({str(r) for r in found})
    reasons = [r for r in reasons if r and r != "unknown"]
    return "cancelled: " + ", ".join(reasons) if reasons else "tasks cancelled"


def _module_of(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):
        module = type(obj).__module__
    return module


def _import_modules(names: list[str]) -> None:
    """Run on each worker: import ``names`` (best effort)."""
    for name in names:
        if name not in ("__main__", "builtins"):
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
