"""Monte Carlo jobs: one replicate's seeds, the jobs of a sweep, and the groups they are run in.

A replicate is one play of the scenario by fresh strategy objects. Replicate ``i`` of a
run with seed ``s`` draws everything from ``SeedSequence(s, spawn_key=(i,))``: its first
child samples the ranged values of the scenario (when it has ranges), its second child
drives the engine. A replicate's result therefore depends only on ``(s, i)``.

Examples
--------
>>> outcome_columns(("A",))[-3:]
('utility:A', 'window:A', 'no_deal:A')
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.model.scenario import Scenario
from detente.simulate.engine import SimulationSettings, play
from detente.simulate.sampling import sampled
from detente.simulate.strategies import make_strategy

from .tables import Tables

if TYPE_CHECKING:
    from detente.simulate.engine import SimulationSettings

__all__ = [
    "SCALAR_COLUMNS",
    "GroupTask",
    "MonteCarloJob",
    "group_tasks",
    "outcome_columns",
    "replicate_seed",
    "run_chunk",
    "run_group",
]

SCALAR_COLUMNS: tuple[str, ...] = (
    "agreement",
    "first_step",
    "target_share",
    "breakdowns",
    "breaches_detected",
    "breaches_missed",
    "periods",
)
"""The scalar outcomes of one replicate, in column order; then per party its payoff
(``utility:<party>``), the window's part of it (``window:<party>``) and its value of no deal
(``no_deal:<party>``)."""


def outcome_columns(parties: Sequence[str]) -> tuple[str, ...]:
    """Column names of the outcome array: the scalar outcomes, then ``utility:``, ``window:`` and ``no_deal:<party>``.

    >>> outcome_columns(["USA", "DPRK"])[-6:-4]
    ('utility:USA', 'utility:DPRK')
    """
    return (
        *SCALAR_COLUMNS,
        *(f"utility:{p}" for p in parties),
        *(f"window:{p}" for p in parties),
        *(f"no_deal:{p}" for p in parties),
    )


def replicate_seed(seed: int | np.random.SeedSequence, index: int) -> np.random.SeedSequence:
    """The seed sequence of replicate ``index``: ``SeedSequence(seed, spawn_key=(index,))``.

    It equals the ``index``-th child of ``SeedSequence(seed).spawn(n)``, so replicates can be
    computed in any order, in any batch, on any worker.

    >>> a = replicate_seed(7, 3).generate_state(2)
    >>> b = np.random.SeedSequence(7).spawn(5)[3].generate_state(2)
    >>> bool((a == b).all())
    True
    """
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, index))
    return np.random.SeedSequence(seed, spawn_key=(index,))


# --------------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class MonteCarloJob:
    """Everything a worker needs to play any replicate of one simulation (picklable).

    Strategies are given by their specs (registry names, dotted paths or entry points),
    so each replicate makes fresh strategy objects. ``play`` and ``make`` default to
    :func:`detente.simulate.engine.play` and
    :func:`detente.simulate.strategies.make_strategy`; another engine can be plugged in
    by passing module-level functions (they must be picklable for the process and Dask
    backends).
    """

    scenario: Scenario
    strategies: tuple[tuple[str, str], ...]
    seed: int = 0
    settings: SimulationSettings | None = None
    sample_values: bool = True
    play: Callable[..., Any] | None = field(default=None, compare=False)
    make: Callable[[str], Any] | None = field(default=None, compare=False)
    tables: Tables | None = field(default=None, compare=False, repr=False)
    """The engine's :class:`~detente.simulate.tables.Tables` of ``scenario``, shared by the jobs of
    a group (:func:`group_tasks` sets it), so that their replicates share its structure and
    what is remembered on it (the step-by-step plans on the estimates among them)."""

    @property
    def columns(self) -> tuple[str, ...]:
        return outcome_columns(self.scenario.party_ids)

    def replicate(self, index: int) -> np.ndarray:
        """Play replicate ``index`` and return its outcome row (see :func:`outcome_columns`)."""
        return self.play_drawn(*self.draw(index))

    def draw(self, index: int) -> tuple[Scenario, np.random.SeedSequence]:
        """Replicate ``index``'s scenario (sampled, if the job samples values) and its play's seed.

        The draw depends only on the scenario, the seed, ``sample_values`` and ``index``, so
        jobs that share those share it (:func:`run_group` draws once for all of them).
        """
        values_seq, play_seq = replicate_seed(self.seed, index).spawn(2)
        scenario = self.scenario
        if self.sample_values and scenario.has_ranges:
            scenario = _sampled(scenario, np.random.default_rng(values_seq))  # = scenario.sampled(...)
        return scenario, play_seq

    def play_drawn(self, scenario: Scenario, play_seq: np.random.SeedSequence) -> np.ndarray:
        """Play one replicate on its drawn scenario (from :meth:`draw`); its outcome row."""
        return np.asarray(self._outcomes(scenario, play_seq), dtype=float)

    def tables_of(self, scenario: Scenario, base: Tables | None) -> Tables | None:
        """The engine's tables of a drawn ``scenario``, sharing ``base``'s structure (``None`` for another engine)."""
        if self.play is not None:
            return None
        if base is None:
            return Tables(scenario)
        return base if scenario is base.scenario else base.resampled(scenario)

    def _outcomes(
        self, scenario: Scenario, play_seq: np.random.SeedSequence, tables: Tables | None = None
    ) -> list[float]:
        play = self.play if self.play is not None else _default_play()
        make = self.make if self.make is not None else _default_make()
        kwargs: dict[str, Any] = {"seed": np.random.default_rng(play_seq)}
        if tables is not None:
            kwargs["tables"] = tables
        if self.sample_values and self.scenario.has_ranges and self.play is None:
            kwargs["prior"] = self.scenario  # the engine's strategies may plan on the published ranges
        strategies = {party: make(spec) for party, spec in self.strategies}
        if self.settings is not None:
            kwargs["settings"] = self.settings
        result = play(scenario, strategies, **kwargs)
        return _outcome_values(result, self.scenario.party_ids)

    def _draw_key(self) -> tuple[int, int, bool]:
        """Jobs with equal keys draw the same scenario for every replicate (within one process)."""
        return (id(self.scenario), self.seed, self.sample_values)


def _sampled(scenario: Scenario, rng: np.random.Generator) -> Scenario:

    return sampled(scenario, rng)


def _default_play() -> Callable[..., Any]:

    return play


def _default_make() -> Callable[[str], Any]:

    return make_strategy


def _outcome_values(result: Any, parties: Sequence[str]) -> list[float]:
    first = result.first_step
    row = [
        1.0 if result.agreement else 0.0,
        math.nan if first is None else float(first),
        float(result.target_share),
        float(result.breakdowns),
        float(result.breaches_detected),
        float(result.breaches_missed),
        float(result.periods),
    ]
    row.extend(float(result.utilities[p]) for p in parties)
    # a play() that reports no split (a user's stand-in) has all of its payoff in the window
    window = getattr(result, "window", None) or result.utilities
    no_deal = getattr(result, "no_deal", None) or {}
    row.extend(float(window[p]) for p in parties)
    row.extend(float(no_deal[p]) if p in no_deal else math.nan for p in parties)
    return row


def run_chunk(job: MonteCarloJob, start: int, stop: int) -> np.ndarray:
    """Outcome rows of replicates ``start .. stop-1`` of ``job``."""
    (rows,) = run_group((job,), (range(start, stop),))
    return rows


def run_group(jobs: Sequence[Any], indices: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """Outcome rows of replicates ``indices[k]`` of ``jobs[k]``, for every ``k`` (the unit of work).

    Replicates are played in increasing index; replicate ``i`` is drawn once (its sampled
    scenario and its play's seed, :meth:`MonteCarloJob.draw`) for all the jobs that share
    the scenario object, the seed and ``sample_values`` (the cells of a comparison matrix),
    and each of them plays on that one scenario object, so the parties' views of it and
    their memo of pure offer searches are built once, not once per job. A row depends only
    on its job and index, so the grouping never changes a number. Any other job (an object
    with ``columns`` and ``replicate(index)``) plays ``job.replicate(i)``.

    >>> from types import SimpleNamespace
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}]})
    >>> def coin(scenario, strategies, *, seed):
    ...     u = float(seed.random())
    ...     return SimpleNamespace(agreement=u < 0.5, first_step=None, target_share=u,
    ...         utilities={"A": u}, breakdowns=0, breaches_detected=0, breaches_missed=0, periods=1)
    >>> jobs = [MonteCarloJob(s, (("A", name),), 3, play=coin, make=str) for name in ("x", "y")]
    >>> a, b = run_group(jobs, (range(0, 4), [2]))
    >>> same = lambda x, y: bool(np.array_equal(x, y, equal_nan=True))  # first_step is NaN here
    >>> a.shape, same(b[0], jobs[1].replicate(2)), same(a[2], b[0]), same(a[1], b[0])
    ((4, 10), True, True, False)
    """
    out = [np.empty((len(idx), len(job.columns))) for job, idx in zip(jobs, indices, strict=True)]
    plan: dict[int, list[tuple[int, int]]] = {}  # replicate -> (job, row) that play it
    for k, idx in enumerate(indices):
        for r, i in enumerate(idx):
            plan.setdefault(i, []).append((k, r))
    bases: dict[tuple[int, int, bool], Tables | None] = {}  # per shared scenario: its tables, built once
    for i in sorted(plan):
        drawn: dict[tuple[int, int, bool], tuple[Scenario, np.random.SeedSequence, Tables | None]] = {}
        for k, r in plan[i]:
            job = jobs[k]
            if not isinstance(job, MonteCarloJob):
                out[k][r] = job.replicate(i)
                continue
            key = job._draw_key()
            hit = drawn.get(key)
            if hit is None:
                scenario, seq = job.draw(i)
                if key not in bases:
                    bases[key] = job.tables if job.tables is not None else job.tables_of(job.scenario, None)
                hit = drawn[key] = (scenario, seq, job.tables_of(scenario, bases[key]))
            scenario, seq, tables = hit
            # a fresh copy of the play's seed sequence for each job: nothing one job's play
            # does to it (a spawn) can reach another's
            fresh = np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key, pool_size=seq.pool_size)
            out[k][r] = job._outcomes(scenario, fresh, tables if job.play is None else None)
    return out


def _group_key(job: Any, k: int) -> tuple[Any, ...]:
    """Jobs with equal keys are run together by :func:`run_group` (they share every draw)."""
    if isinstance(job, MonteCarloJob):
        return (*job._draw_key(), job.settings)
    return ("job", k)


@dataclass(frozen=True)
class GroupTask:
    """A unit of work from :func:`group_tasks`: run as ``run_group(task.jobs, task.indices)``."""

    jobs: tuple[Any, ...]
    """The group's jobs: the same tuple object in every task of the group (Dask ships it once)."""
    members: tuple[int, ...]
    """The position of each of those jobs in the work given to :func:`group_tasks`."""
    indices: tuple[Sequence[int], ...]
    """The replicates of each job in this task (some may be empty), ascending."""

    @property
    def weight(self) -> int:
        """Runs in this task (its weight for the progress bar)."""
        return sum(len(i) for i in self.indices)


def _window(indices: Sequence[int], start: int, stop: int) -> Sequence[int]:
    """The entries of ascending ``indices`` in ``[start, stop)`` (a range stays a range)."""
    if isinstance(indices, range) and indices.step == 1:
        lo = max(indices.start, start)
        return range(lo, max(lo, min(indices.stop, stop)))
    return tuple(indices[bisect.bisect_left(indices, start) : bisect.bisect_left(indices, stop)])


def group_tasks(work: Sequence[tuple[Any, Sequence[int]]], size: int) -> list[GroupTask]:
    """Cut ``(job, ascending replicate indices)`` pairs into tasks of at most about ``size`` runs.

    Jobs that share the scenario object, seed, ``sample_values`` and settings (the cells of
    a comparison matrix, the matches of a tournament on one scenario) form a group, and a
    task holds a window of replicate indices of the whole group, so that :func:`run_group`
    draws each replicate once for the group. A window is ``size // len(group)`` indices
    wide (at least one), so a task has at most ``size`` runs (or one replicate of a group
    larger than ``size``). Any other job is a group of its own.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}]})
    >>> a, b, c = (MonteCarloJob(s, (("A", name),), seed) for name, seed in [("p", 0), ("q", 0), ("p", 1)])
    >>> for t in group_tasks([(a, range(3)), (b, range(3)), (c, [0, 5])], 4):
    ...     print(t.members, t.indices, t.weight)
    (0, 1) (range(0, 2), range(0, 2)) 4
    (0, 1) (range(2, 3), range(2, 3)) 2
    (2,) ((0,),) 1
    (2,) ((5,),) 1
    """
    groups: dict[tuple[Any, ...], list[int]] = {}
    for k, (job, indices) in enumerate(work):
        if len(indices):
            groups.setdefault(_group_key(job, k), []).append(k)
    tasks: list[GroupTask] = []
    for members in groups.values():
        jobs = _with_tables(tuple(work[k][0] for k in members))
        lists = [work[k][1] for k in members]
        step = max(1, size // len(members))
        first, last = min(i[0] for i in lists), max(i[-1] for i in lists)
        for start in range(first, last + 1, step):
            parts = tuple(_window(i, start, start + step) for i in lists)
            if any(len(p) for p in parts):
                tasks.append(GroupTask(jobs, tuple(members), parts))
    return tasks


def _with_tables(jobs: tuple[Any, ...]) -> tuple[Any, ...]:
    """The jobs of one group, the engine's jobs given one shared :class:`Tables` of their scenario."""
    engine = [
        job for job in jobs if isinstance(job, MonteCarloJob) and job.play is None and job.tables is None
    ]
    if not engine:
        return jobs
    shared = Tables(engine[0].scenario)
    chosen = {id(job) for job in engine}
    return tuple(dataclasses.replace(job, tables=shared) if id(job) in chosen else job for job in jobs)
