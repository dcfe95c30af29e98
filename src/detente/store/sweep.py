"""Recorded, resumable sweeps: Monte Carlo work whose every replicate lands in the results store.

A sweep is a list of ``(job, runs)``: a job is any picklable object with ``.columns``
and ``.replicate(index) -> row`` whose row depends only on the job and the index (a
:class:`~detente.simulate.montecarlo.MonteCarloJob`, or a sensitivity study's job).
:func:`record_sweep` cuts the replicates not yet stored into chunks, hands them all to a
backend, and commits the finished chunks, as they complete, in one transaction about once
a second. So a sweep killed at any moment (even ``SIGKILL``) loses at most the work since
the last commit, and the same command
with ``resume=True`` finds the unfinished run by its *sweep key* and computes only the
missing replicates. The primary key of the ``replicates`` table keeps each replicate
exactly once; the result is read back from the store in replicate order, so it is
bit-identical to an uninterrupted run.

Sweep key: SHA-256 of the canonical JSON of the kind, the parameters (less the keys in
:data:`NOT_IN_KEY`, such as the backend, which never change the numbers) and, for each
job, its scenario's content hash, its description (strategies, seed, settings) and its
number of replicates.

Examples
--------
>>> import tempfile, pathlib
>>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb")
>>> run_id, (squares,) = StoreRecorder(store).record(Sweep("demo", ((Squares(), 5),)))
>>> squares[:, 0].tolist()
[0.0, 1.0, 4.0, 9.0, 16.0]
>>> store.run(run_id).status
'complete'
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from detente.model.errors import DetenteError
from detente.simulate.backends import InProcessBackend
from detente.simulate.montecarlo import MonteCarloResult, Sweep, group_tasks, run_group

from .database import JobRecord, RunStore, canonical_json, scenario_hash

if TYPE_CHECKING:
    from detente.simulate.backends import Backend, Progress
    from detente.simulate.montecarlo import MonteCarloJob

__all__ = [
    "NOT_IN_KEY",
    "Job",
    "Squares",
    "StoreRecorder",
    "describe_job",
    "record_sweep",
    "run_recorded",
    "sweep_key",
]

NOT_IN_KEY: frozenset[str] = frozenset(
    {"backend", "workers", "address", "store", "resume", "json", "output", "progress", "quiet"}
)
"""Parameter names left out of the sweep key: they never change a replicate's numbers."""


class Job(Protocol):
    """What a sweep runs: replicate ``index`` gives one outcome row (a function of the index only)."""

    @property
    def columns(self) -> tuple[str, ...]: ...

    def replicate(self, index: int) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True)
class Squares:
    """A tiny job for examples and tests: replicate ``i`` is ``[i**2, seed]``."""

    seed: int = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return ("square", "seed")

    def replicate(self, index: int) -> np.ndarray:
        return np.array([float(index * index), float(self.seed)])


def _jsonable(obj: Any) -> Any:
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else repr(obj)
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in obj]
        return sorted(items, key=repr) if isinstance(obj, set | frozenset) else items
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return _jsonable(dump(mode="json"))
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if callable(obj):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
    return repr(obj)


def describe_job(job: Any, runs: int) -> JobRecord:
    """What identifies a job's numbers: its scenario, strategies or parameters, seed and columns.

    A job may describe itself with ``describe() -> (scenario or None, dict)``; a
    :class:`~detente.simulate.montecarlo.MonteCarloJob` is described by its strategies,
    seed, settings, ``sample_values`` and any non-default engine functions; any other
    dataclass by its fields.

    >>> describe_job(Squares(seed=3), 4).description
    {'type': 'detente.store.sweep.Squares', 'seed': 3}
    """
    seed = int(getattr(job, "seed", 0) or 0)
    kind = f"{type(job).__module__}.{type(job).__qualname__}"
    describe = getattr(job, "describe", None)
    scenario = None
    if callable(describe):
        scenario, fields = describe()
        description = {"type": kind, **_jsonable(fields)}
    elif dataclasses.is_dataclass(job) and not isinstance(job, type):
        fields = {f.name: getattr(job, f.name) for f in dataclasses.fields(job)}
        scenario = fields.pop("scenario", None)
        description = {"type": kind, **_jsonable(fields)}
    else:
        description = {"type": kind, "repr": repr(job)}
    return JobRecord(scenario, description, seed, int(runs), tuple(job.columns))


def sweep_key(kind: str, parameters: Mapping[str, Any], records: Sequence[JobRecord]) -> str:
    """The identity of a sweep (see the module docstring); equal keys mean equal numbers.

    >>> a = sweep_key("demo", {"runs": 5, "backend": "processes"}, [describe_job(Squares(), 5)])
    >>> a == sweep_key("demo", {"runs": 5}, [describe_job(Squares(), 5)])
    True
    """
    doc = {
        "kind": kind,
        "parameters": _jsonable({k: v for k, v in parameters.items() if k not in NOT_IN_KEY}),
        "jobs": [
            {
                "scenario": None if r.scenario is None else scenario_hash(r.scenario),
                "description": r.description,
                "runs": r.runs,
                "columns": list(r.columns),
            }
            for r in records
        ],
    }
    return hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


def _chunk(jobs: tuple[Any, ...], indices: tuple[Sequence[int], ...]) -> list[np.ndarray]:
    """Outcome rows of replicates ``indices[k]`` of ``jobs[k]`` (a task of ``group_tasks``; picklable)."""
    return run_group(jobs, indices)


def _missing(runs: int, stored: np.ndarray | None) -> list[int]:
    if stored is None or stored.size == 0:
        return list(range(runs))
    mask = np.ones(runs, dtype=bool)
    mask[stored[stored < runs]] = False
    return [int(i) for i in np.flatnonzero(mask)]


def record_sweep(
    jobs: Sequence[tuple[Any, int]],
    store: RunStore,
    *,
    kind: str,
    parameters: Mapping[str, Any] | None = None,
    resume: bool = False,
    backend: Backend | None = None,
    progress: Progress | None = None,
    wave: int | None = None,
    commit_every: float = 1.0,
) -> tuple[str, list[np.ndarray]]:
    """Run a sweep, committing replicates as they complete; return ``(run_id, outcomes per job)``.

    Parameters
    ----------
    jobs : sequence of (job, runs)
        The work: ``runs`` replicates of each job.
    store : RunStore
        Where the run is recorded.
    kind : str
        ``simulate``, ``compare``, ``tournament``, ``sensitivity``, ...
    parameters : mapping, optional
        The command's parameters (JSON-able); all but :data:`NOT_IN_KEY` enter the sweep key.
    resume : bool
        Continue the newest unfinished run with the same sweep key (or return the complete
        one) instead of starting a new run. With nothing to resume, a new run starts.
    backend, progress
        As for :func:`detente.simulate.montecarlo.run_jobs`.
    wave : int, optional
        Chunks per backend call (default: all of them in one call).
    commit_every : float
        Seconds between commits: finished chunks are buffered and committed together once
        this much time has passed since the last commit (and at the end), so cheap
        replicates do not pay a transaction each. A kill loses at most the work since the
        last commit.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb")
    >>> run_id, (a,) = record_sweep([(Squares(), 3)], store, kind="demo")
    >>> again, (b,) = record_sweep([(Squares(), 3)], store, kind="demo", resume=True)
    >>> again == run_id, bool((a == b).all())
    (True, True)
    """
    parameters = dict(parameters or {})
    backend = backend if backend is not None else InProcessBackend()
    records = [describe_job(job, runs) for job, runs in jobs]
    for r in records:
        if r.runs < 1:
            raise DetenteError(f"expected at least 1 run per job, found {r.runs}")
    key = sweep_key(kind, parameters, records)
    found = store.find_sweep(key) if resume else None
    if found is not None:
        run_id = found.run_id
        stored = store.stored_indices(run_id) if found.status != "complete" else {}
    else:
        seeds = {r.seed for r in records}
        seed = seeds.pop() if len(seeds) == 1 else None
        run_id = store.begin_run(kind, key, parameters, records, seed=seed)
        stored = {}

    if found is None or found.status != "complete":
        total = sum(r.runs for r in records)
        missing = [_missing(r.runs, stored.get(k)) for k, r in enumerate(records)]
        done = total - sum(len(m) for m in missing)
        size = backend.chunk_size(total)
        # jobs that share their draws (a compare matrix) run together: one draw per replicate
        tasks = group_tasks([(job, m) for (job, _), m in zip(jobs, missing, strict=True)], size)
        # Every task is handed to the backend at once (no barrier between waves, so no worker
        # waits), and each finished task is kept as it completes; ``wave`` limits the tasks
        # per backend call instead.
        per_wave = max(1, wave) if wave is not None else max(1, len(tasks))
        if progress is not None:
            progress(done, total)
        pending: list[tuple[int, tuple[int, ...], np.ndarray]] = []
        last_commit = time.monotonic()
        for start in range(0, len(tasks), per_wave):
            batch = tasks[start : start + per_wave]
            base = done

            def relay(n: int, _t: int, base: int = base) -> None:
                if progress is not None:
                    progress(base + n, total)

            def keep(k: int, parts: list[np.ndarray], batch: list[Any] = batch) -> None:
                nonlocal pending, last_commit
                t = batch[k]
                pending += [
                    (m, tuple(idx), r)
                    for m, idx, r in zip(t.members, t.indices, parts, strict=True)
                    if len(idx)
                ]
                if time.monotonic() - last_commit >= commit_every:
                    store.write_replicates(run_id, pending)
                    pending, last_commit = [], time.monotonic()

            backend.map(
                _chunk,
                [(t.jobs, t.indices) for t in batch],
                [t.weight for t in batch],
                relay if progress is not None else None,
                on_result=keep,
            )
            done += sum(t.weight for t in batch)
        store.write_replicates(run_id, pending)
        store.finish_run(run_id)

    outcomes = store.outcomes(run_id)
    for r, arr in zip(records, outcomes, strict=True):
        if arr.shape[0] != r.runs:
            raise DetenteError(
                f"run {run_id}: expected {r.runs} replicates in the store, found {arr.shape[0]}"
            )
    return run_id, outcomes


@dataclass(frozen=True)
class StoreRecorder:
    """The :class:`~detente.simulate.montecarlo.Recorder` that records sweeps in a results database.

    ``parameters`` are the command's parameters (JSON-able, they enter the sweep key);
    ``resume`` continues an unfinished run with the same sweep key. Hand it as ``recorder=``
    to :func:`~detente.simulate.montecarlo.simulate`, :func:`~detente.simulate.compare.compare`
    or :func:`~detente.simulate.compare.tournament`; the result's ``run_id`` is the run.

    >>> import tempfile, pathlib
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb")
    >>> run_id, arrays = StoreRecorder(store).record(Sweep("demo", ((Squares(), 2), (Squares(), 3))))
    >>> [a.shape for a in arrays], store.run(run_id).expected
    ([(2, 2), (3, 2)], 5)
    """

    store: RunStore
    parameters: Mapping[str, Any] = field(default_factory=dict)
    resume: bool = False

    def record(
        self, sweep: Sweep, backend: Backend | None = None, progress: Progress | None = None
    ) -> tuple[str, list[np.ndarray]]:
        """Run ``sweep``, committing its replicates as they complete; its run id and outcomes."""
        return record_sweep(
            sweep.jobs,
            self.store,
            kind=sweep.kind,
            parameters=self.parameters,
            resume=self.resume,
            backend=backend,
            progress=progress,
        )


def run_recorded(
    job: MonteCarloJob,
    store: RunStore,
    *,
    runs: int,
    kind: str = "simulate",
    parameters: Mapping[str, Any] | None = None,
    resume: bool = False,
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> MonteCarloResult:
    """Run and record ``runs`` replicates of one Monte Carlo job (``detente simulate --store``).

    Same numbers as :func:`detente.simulate.montecarlo.simulate` with the same job; the
    result's ``run_id`` is the recorded run.
    """
    recorder = StoreRecorder(store, dict(parameters or {}), resume)
    run_id, (outcomes,) = recorder.record(Sweep(kind, ((job, runs),)), backend, progress)
    return MonteCarloResult(job, outcomes, backend.name if backend is not None else "inprocess", run_id)
