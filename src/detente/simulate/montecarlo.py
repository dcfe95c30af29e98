"""Monte Carlo over one scenario: many seeded replicates, one outcome distribution.

A replicate is one play of the scenario by fresh strategy objects. Replicate ``i`` of a
run with seed ``s`` draws everything from ``SeedSequence(s, spawn_key=(i,))``: its first
child samples the ranged values of the scenario (when it has ranges), its second child
drives the engine. A replicate's result therefore depends only on ``(s, i)``: never on
how replicates are batched, on the backend, or on the number of workers, and replicate
``i`` of two strategy pairs sees the same sampled valuations (common random numbers,
which sharpens comparisons between strategies).

Results are gathered in replicate order into a float array (one row per replicate,
columns :func:`outcome_columns`), and summarised by :func:`distribution`: rates with
Wilson score intervals, means with Student-t intervals, and quantiles.

Examples
--------
>>> [round(x, 4) for x in wilson_interval(8, 10)]
[0.4902, 0.9433]
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from scipy import stats

from detente.model.errors import Problem, ScenarioError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular, frame
from detente.simulate.backends import InProcessBackend
from detente.simulate.engine import SimulationSettings, play
from detente.simulate.sampling import sampled
from detente.simulate.strategies import make_strategy

from .tables import Tables

if TYPE_CHECKING:
    import pandas as pd

    from detente.simulate.backends import Backend, Progress
    from detente.simulate.engine import SimulationSettings

__all__ = [
    "Engine",
    "GroupTask",
    "MonteCarloJob",
    "MonteCarloResult",
    "Recorder",
    "Sweep",
    "distribution",
    "group_tasks",
    "outcome_columns",
    "replicate_seed",
    "run_chunk",
    "run_group",
    "run_jobs",
    "run_sweep",
    "settings_for",
    "settings_json",
    "simulate",
    "summarise",
    "validate_strategies",
    "wilson_interval",
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
"""The scalar outcomes of one replicate, in column order; utilities follow, one per party."""

QUANTILES: tuple[tuple[str, float], ...] = (
    ("p5", 0.05),
    ("p25", 0.25),
    ("p50", 0.5),
    ("p75", 0.75),
    ("p95", 0.95),
)


def outcome_columns(parties: Sequence[str]) -> tuple[str, ...]:
    """Column names of the outcome array: the scalar outcomes, then ``utility:<party>``.

    >>> outcome_columns(["USA", "DPRK"])[-2:]
    ('utility:USA', 'utility:DPRK')
    """
    return (*SCALAR_COLUMNS, *(f"utility:{p}" for p in parties))


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


# ------------------------------------------------------------- engine, sweep, recorder
@dataclass(frozen=True)
class Engine:
    """What replicates are played on: ``play(scenario, strategies, *, seed, ...)`` and ``make(spec)``.

    ``None`` is detente's own: :func:`detente.simulate.engine.play` and
    :func:`detente.simulate.strategies.make_strategy`. Another engine is plugged in with
    module-level functions (picklable, for the process and Dask backends); its ``play``
    is called with ``seed`` (a :class:`numpy.random.Generator`) and, when given, ``settings``.
    """

    play: Callable[..., Any] | None = None
    make: Callable[[str], Any] | None = None


@dataclass(frozen=True)
class Sweep:
    """The Monte Carlo work of one call, run (and recorded) as one: ``runs`` replicates of each job.

    ``kind`` says what made it (``simulate``, ``compare``, ``tournament``, ``sensitivity``);
    a job is any picklable object with ``columns`` and ``replicate(index) -> row``.
    """

    kind: str
    jobs: tuple[tuple[Any, int], ...]


class Recorder(Protocol):
    """Runs a sweep and records it somewhere (:class:`detente.store.StoreRecorder`: the results database)."""

    def record(
        self, sweep: Sweep, backend: Backend | None = None, progress: Progress | None = None
    ) -> tuple[str, list[np.ndarray]]:
        """Run ``sweep``; its run id and one outcome array per job (as :func:`run_jobs` returns)."""
        ...


def run_sweep(
    sweep: Sweep,
    backend: Backend | None = None,
    progress: Progress | None = None,
    recorder: Recorder | None = None,
) -> tuple[str | None, list[np.ndarray]]:
    """Run ``sweep`` with ``recorder`` (then its run id), or unrecorded with :func:`run_jobs` (``None``)."""
    if recorder is not None:
        return recorder.record(sweep, backend, progress)
    return None, run_jobs(sweep.jobs, backend, progress)


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
    ((4, 8), True, True, False)
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


def validate_strategies(
    scenario: Scenario, strategies: Mapping[str, str], make: Callable[[str], Any] | None = None
) -> tuple[tuple[str, str], ...]:
    """Check a party -> strategy-spec assignment; return it in the scenario's party order.

    Every party needs exactly one strategy; unknown parties and specs that the strategy
    factory rejects are reported together as one :class:`ScenarioError`.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "USA"}, {"id": "DPRK"}]})
    >>> try:
    ...     validate_strategies(s, {"US": "grit", "DPRK": "grit"}, make=str)
    ... except ScenarioError as e:
    ...     print(e)
    strategies: US: no party 'US' in scenario x; did you mean 'USA'? (parties: USA, DPRK)
    strategies: USA: no strategy for party USA; give it one
    """

    make = make if make is not None else _default_make()
    known = scenario.party_ids
    problems: list[Problem] = []
    for party, spec in strategies.items():
        if party not in known:
            close = difflib.get_close_matches(party, list(known), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"no party {party!r} in scenario {scenario.id}{hint} (parties: {', '.join(known)})"
            problems.append(Problem("strategies", None, None, party, message))
            continue
        try:
            make(spec)
        except ScenarioError as exc:
            for p in exc.problems:
                problems.append(Problem("strategies", None, None, party, f"{spec!r}: {p.message}"))
    for party in known:
        if party not in strategies:
            message = f"no strategy for party {party}; give it one"
            problems.append(Problem("strategies", None, None, party, message))
    if problems:
        raise ScenarioError(problems)
    return tuple((p, strategies[p]) for p in known)


def settings_for(
    scenario: Scenario,
    *,
    horizon: int | None = None,
    misperception: float = 0.0,
    cooling_off: int = 3,
    target: Sequence[str] | None = None,
) -> SimulationSettings:
    """Engine settings checked against a scenario; every problem is reported, named by its option.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}],
    ...     "moves": [{"id": "freeze", "by": "A", "title": "f"}]})
    >>> settings_for(s, target=["freeze"]).target
    frozenset({'freeze'})
    >>> try:
    ...     settings_for(s, cooling_off=-1, target=["freez"])
    ... except ScenarioError as e:
    ...     print(e)
    cooling_off: expected >= 0, found -1
    target: no move 'freez' (did you mean 'freeze'?)
    """

    settings = SimulationSettings(
        horizon=horizon,
        misperception=misperception,
        cooling_off=cooling_off,
        target=frozenset(target) if target else None,
    )
    problems = []
    for text in settings.problems(scenario):
        name, _, message = text.partition(": ")
        problems.append(Problem(name, None, None, "", message))
    if problems:
        raise ScenarioError(problems)
    return settings


# ------------------------------------------------------------------------ running
@dataclass(frozen=True)
class MonteCarloResult(Tabular):
    """The outcome rows of ``runs`` replicates of one job, in replicate order."""

    job: MonteCarloJob
    outcomes: np.ndarray
    backend: str = "inprocess"
    run_id: str | None = None
    """The run in the results database, when a recorder recorded it."""

    @property
    def runs(self) -> int:
        return int(self.outcomes.shape[0])

    @property
    def columns(self) -> tuple[str, ...]:
        return self.job.columns

    def column(self, name: str) -> np.ndarray:
        return self.outcomes[:, self.columns.index(name)]

    def distribution(self, confidence: float = 0.95) -> dict[str, Any]:
        """The outcome distribution (the ``outcomes`` object of ``simulate --json``)."""
        return distribution(self.outcomes, self.job.scenario.party_ids, confidence)

    def _table(self) -> Table:
        """One row per replicate: its outcomes (counts as integers, agreement as a flag)."""
        cols: dict[str, Any] = {"replicate": np.arange(self.runs)}
        for k, name in enumerate(self.columns):
            x = self.outcomes[:, k]
            if name == "agreement":
                x = x != 0
            elif name in ("breakdowns", "breaches_detected", "breaches_missed", "periods"):
                x = x.astype(np.int64)
            cols[name] = x
        names = ", ".join(f"{p}: {s}" for p, s in self.job.strategies)
        return Table(cols, f"{self.job.scenario.id} ({names}): {self.runs} replicates")

    def summary_frame(self, confidence: float = 0.95) -> pd.DataFrame:
        """The outcome distribution as a DataFrame: one row per outcome (and party for utility)."""
        d = self.distribution(confidence)
        keys = ("outcome", "party", "mean", "ci_low", "ci_high", "std", "n", *(q for q, _ in QUANTILES))
        cols: dict[str, list[Any]] = {k: [] for k in keys}
        entries = [(k, None, v) for k, v in d.items() if k != "utility"]
        entries += [("utility", p, v) for p, v in d["utility"].items()]
        for name, party, v in entries:
            v = v if isinstance(v, dict) else {"mean": v}
            ci, qs = v.get("ci") or [None, None], v.get("quantiles") or {}
            row = (
                name,
                party,
                v["mean"],
                ci[0],
                ci[1],
                v.get("std"),
                v.get("n"),
                *(qs.get(q) for q, _ in QUANTILES),
            )
            for key, value in zip(keys, row, strict=True):
                cols[key].append(value)
        return frame(Table(cols))

    def as_json(self, confidence: float = 0.95) -> dict[str, Any]:
        """The document printed by ``detente simulate --json``."""
        return {
            "scenario": self.job.scenario.id,
            "strategies": dict(self.job.strategies),
            "runs": self.runs,
            "seed": self.job.seed,
            "backend": self.backend,
            "sample_values": self.job.sample_values,
            "settings": settings_json(self.job.settings),
            "confidence": confidence,
            "outcomes": self.distribution(confidence),
        }


def settings_json(settings: SimulationSettings | None) -> dict[str, Any]:
    """Engine settings as JSON (``None`` means the engine's defaults, which are written out).

    >>> settings_json(None)["cooling_off"]
    3
    """
    if settings is None:
        settings = SimulationSettings()
    out: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        out[f.name] = sorted(value) if isinstance(value, frozenset) else value
    return out


def run_jobs(
    jobs: Sequence[tuple[Any, int]],
    backend: Backend | None = None,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Run ``runs`` replicates of each job on one backend; one outcome array per job.

    Jobs that share the scenario object, seed, ``sample_values`` and settings (the cells
    of a comparison matrix, the matches of a tournament on one scenario) form a group; a
    task is a range of replicates of a whole group (:func:`run_group`), so each replicate's
    scenario is sampled once for the group and its views and memo are shared. The tasks
    of every group are handed to the backend at once, at most about ``backend.chunk_size(total)``
    runs each (:func:`group_tasks`; progress counts runs), so workers stay evenly loaded.
    """

    backend = backend if backend is not None else InProcessBackend()
    for _, runs in jobs:
        if runs < 1:
            raise ScenarioError.single("runs", f"expected at least 1 run, found {runs}")
    size = backend.chunk_size(sum(runs for _, runs in jobs))
    tasks = group_tasks([(job, range(runs)) for job, runs in jobs], size)
    chunks = backend.map(run_group, [(t.jobs, t.indices) for t in tasks], [t.weight for t in tasks], progress)
    out: list[list[np.ndarray]] = [[] for _ in jobs]
    for task, parts in zip(tasks, chunks, strict=True):
        for k, part in zip(task.members, parts, strict=True):
            if len(part):
                out[k].append(part)
    return [parts[0] if len(parts) == 1 else np.vstack(parts) for parts in out]


def simulate(
    scenario: Scenario,
    strategies: Mapping[str, str],
    *,
    runs: int = 200,
    seed: int = 0,
    settings: SimulationSettings | None = None,
    sample_values: bool = True,
    backend: Backend | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
    recorder: Recorder | None = None,
) -> MonteCarloResult:
    """Play ``runs`` seeded replicates of a scenario and gather their outcomes.

    Parameters
    ----------
    scenario : Scenario
        The scenario; ranged values are sampled afresh in each replicate unless
        ``sample_values`` is false (then the likely values are used).
    strategies : mapping of party id to strategy spec
        One spec per party: a registry name, a dotted path or an entry point.
    runs, seed : int
        Number of replicates and the seed (non-negative); see :func:`replicate_seed`.
    settings : SimulationSettings, optional
        Engine settings (horizon, misperception, cooling-off, target package).
    backend : Backend, optional
        Where replicates run (default: in this process). Every backend gives identical results.
    progress : callable, optional
        Called as ``progress(done, total)`` as replicates complete.
    engine : Engine, optional
        The engine and strategy factory (default: detente's own).
    recorder : Recorder, optional
        Records the replicates (:class:`detente.store.StoreRecorder`); the result's
        ``run_id`` is then the recorded run.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}]})
    >>> def coin(scenario, strategies, *, seed):
    ...     heads = bool(seed.random() < 0.5)
    ...     return SimpleNamespace(agreement=heads, first_step=None, target_share=float(heads),
    ...         utilities={"A": float(heads)}, breakdowns=0, breaches_detected=0, breaches_missed=0,
    ...         periods=1)
    >>> r = simulate(s, {"A": "any"}, runs=200, seed=1, engine=Engine(coin, str))
    >>> d = r.distribution()["agreement_rate"]
    >>> d["ci"][0] < 0.5 < d["ci"][1]
    True
    """
    if seed < 0:
        raise ScenarioError.single("seed", f"expected a non-negative integer, found {seed}")
    engine = engine if engine is not None else Engine()
    order = validate_strategies(scenario, strategies, engine.make)
    job = MonteCarloJob(scenario, order, seed, settings, sample_values, engine.play, engine.make)
    run_id, (outcomes,) = run_sweep(Sweep("simulate", ((job, runs),)), backend, progress, recorder)
    name = backend.name if backend is not None else "inprocess"
    return MonteCarloResult(job, outcomes, name, run_id)


# ---------------------------------------------------------------------- statistics
def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    Better behaved than the normal interval near 0 and 1 and for small ``n``.

    >>> lo, hi = wilson_interval(0, 20)
    >>> lo, round(hi, 4)
    (0.0, 0.1611)
    """
    if n <= 0:
        raise ValueError("n must be positive")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends, not 1e-17 off
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


def summarise(x: np.ndarray, confidence: float = 0.95) -> dict[str, Any]:
    """Mean with a Student-t interval, standard deviation, count and quantiles of a sample.

    NaN entries (an outcome that did not occur in a replicate) are left out; ``n`` says
    how many remain. With fewer than two values the interval is ``[null, null]``.

    >>> s = summarise(np.array([1.0, 2.0, 3.0, np.nan]))
    >>> s["mean"], s["n"], s["quantiles"]["p50"]
    (2.0, 3, 2.0)
    >>> [round(v, 3) for v in s["ci"]]
    [-0.484, 4.484]
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return {"mean": None, "ci": [None, None], "std": None, "n": 0, "quantiles": None}
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    ci: list[float | None] = [None, None]
    if n > 1:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
        ci = [mean - half, mean + half]
    qs = np.quantile(x, [q for _, q in QUANTILES])
    return {
        "mean": mean,
        "ci": ci,
        "std": std,
        "n": n,
        "quantiles": {name: float(v) for (name, _), v in zip(QUANTILES, qs, strict=True)},
    }


def distribution(outcomes: np.ndarray, parties: Sequence[str], confidence: float = 0.95) -> dict[str, Any]:
    """Summarise outcome rows (columns :func:`outcome_columns`) into an outcome distribution.

    ``agreement_rate`` is a proportion with a Wilson interval (plus ``count`` and ``n``);
    ``first_step`` is summarised over the replicates where a first step happened (its
    ``n`` says how many); every other entry over all replicates.

    >>> rows = np.array([[1, 2, 1.0, 0, 0, 0, 10, 5.0], [0, np.nan, 0.0, 1, 1, 1, 10, -1.0]])
    >>> d = distribution(rows, ["A"])
    >>> d["agreement_rate"]["mean"], d["first_step"]["n"], d["utility"]["A"]["mean"]
    (0.5, 1, 2.0)
    """
    outcomes = np.asarray(outcomes, dtype=float)
    columns = outcome_columns(parties)
    if outcomes.ndim != 2 or outcomes.shape[1] != len(columns):
        raise ValueError(f"expected an array with {len(columns)} columns")
    n = int(outcomes.shape[0])
    col = {name: outcomes[:, k] for k, name in enumerate(columns)}
    successes = int(np.count_nonzero(col["agreement"]))
    lo, hi = wilson_interval(successes, n, confidence)
    detected = float(col["breaches_detected"].sum())
    missed = float(col["breaches_missed"].sum())
    return {
        "agreement_rate": {"mean": successes / n, "ci": [lo, hi], "count": successes, "n": n},
        "first_step": summarise(col["first_step"], confidence),
        "target_share": summarise(col["target_share"], confidence),
        "utility": {p: summarise(col[f"utility:{p}"], confidence) for p in parties},
        "breakdowns": summarise(col["breakdowns"], confidence),
        "breaches_detected": summarise(col["breaches_detected"], confidence),
        "breaches_missed": summarise(col["breaches_missed"], confidence),
        "detection_rate": None if detected + missed == 0 else detected / (detected + missed),
        "periods": summarise(col["periods"], confidence),
    }
