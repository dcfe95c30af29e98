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

import dataclasses
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from detente.model.errors import Problem, ScenarioError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular, frame
from detente.simulate.backends import InProcessBackend
from detente.simulate.engine import SimulationSettings

if TYPE_CHECKING:
    import pandas as pd

    from detente.simulate.backends import Backend, Progress
    from detente.simulate.engine import SimulationSettings

from .jobs import (
    SCALAR_COLUMNS,
    GroupTask,
    MonteCarloJob,
    _default_make,
    group_tasks,
    outcome_columns,
    replicate_seed,
    run_chunk,
    run_group,
)
from .outcomes import QUANTILES, distribution, summarise, wilson_interval

__all__ = [
    "QUANTILES",
    "SCALAR_COLUMNS",
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
        """The outcome distribution as a DataFrame: one row per outcome (and party for the per-party ones)."""
        d = self.distribution(confidence)
        keys = ("outcome", "party", "mean", "ci_low", "ci_high", "std", "n", *(q for q, _ in QUANTILES))
        cols: dict[str, list[Any]] = {k: [] for k in keys}
        per_party = ("utility", "window", "no_deal", "gain")
        entries = [(k, None, v) for k, v in d.items() if k not in per_party]
        entries += [(k, p, v) for k in per_party for p, v in d[k].items()]
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
