"""The backend interface: map a module-level function over argument tuples, results in task order.

Examples
--------
>>> class Serial(Backend):
...     name = "serial"
...     def _map(self, fn, tasks, weights, progress, on_result):
...         return [fn(*t) for t in tasks]
>>> Serial().map(pow, [(2, 3)])
[8]
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

__all__ = ["AUTO_MIN_RUNS", "BACKENDS", "Backend", "OnResult", "Progress", "gather_in_order"]

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


def gather_in_order(
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
