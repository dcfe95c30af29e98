"""Strategies against strategies: a pair matrix on one scenario, a round robin across scenarios.

Every cell of a matrix and every match of a tournament is a Monte Carlo simulation
(:func:`detente.simulate.montecarlo.simulate`) with the **same seed**: replicate ``i``
of every cell sees the same sampled valuations (common random numbers), so differences
between cells come from the strategies, not from luck of the draw, and each cell is
exactly what ``detente simulate`` prints for that pair with that seed. All cells are
run as one batch on the chosen backend, a task being a range of replicates of every
cell (:func:`~detente.simulate.montecarlo.run_group`): replicate ``i`` is sampled once
and every cell plays on that one scenario object, so the parties' views of it and their
memo of pure offer searches are built once for all the cells (about 1.5x less work per
run on korea-2019 than a sampling per cell); likewise the matches of a tournament on
one scenario.

Tournament score (a round robin in the manner of Axelrod's tournaments, self-play
included): utilities are on each party's own scale, so they are not compared across
parties or scenarios. For each scenario and each seat (party), the mean utility of every
match is rescaled to [0, 1] between the worst and the best match in that seat
(0.5 when all are equal). A strategy's score is the mean of its rescaled utilities over
every match it plays, in either seat, in every scenario; strategies are ranked by score.

Examples
--------
>>> rank_order({"a": 0.5, "b": 0.9, "c": 0.5})
[('b', 1), ('a', 2), ('c', 2)]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detente.model.errors import Problem, ScenarioError
from detente.model.scenario import Scenario
from detente.model.tabular import Table, Tabular

from .montecarlo import (
    Engine,
    MonteCarloJob,
    Recorder,
    Sweep,
    _default_make,
    distribution,
    run_sweep,
    validate_strategies,
)

if TYPE_CHECKING:
    from .backends import Backend, Progress
    from .engine import SimulationSettings

__all__ = ["Comparison", "Tournament", "compact", "compare", "rank_order", "tournament"]


PER_PARTY = ("utility", "window", "no_deal", "gain")
"""Outcomes given per party: payoff, its window part, the value of no deal, the gain over it."""


def compact(outcomes: Mapping[str, Any]) -> dict[str, Any]:
    """The headline of an outcome distribution: mean and interval of each entry.

    >>> compact({"agreement_rate": {"mean": 0.5, "ci": [0.4, 0.6], "n": 10},
    ...          "utility": {"A": {"mean": 1.0, "ci": [0.5, 1.5], "std": 2.0}}})
    {'agreement_rate': {'mean': 0.5, 'ci': [0.4, 0.6]}, 'utility': {'A': {'mean': 1.0, 'ci': [0.5, 1.5]}}}
    """
    out: dict[str, Any] = {}
    for key, value in outcomes.items():
        if key in PER_PARTY:
            out[key] = {p: {"mean": v["mean"], "ci": v["ci"]} for p, v in value.items()}
        elif isinstance(value, Mapping):
            out[key] = {"mean": value["mean"], "ci": value["ci"]}
    return out


def _check_specs(specs: Sequence[str], make: Callable[[str], Any] | None, where: str) -> None:
    make = make if make is not None else _default_make()
    problems: list[Problem] = []
    if not specs:
        problems.append(Problem(where, None, None, "", "expected at least one strategy"))
    for spec in dict.fromkeys(specs):
        try:
            make(spec)
        except ScenarioError as exc:
            problems.extend(Problem(where, None, None, "", f"{spec!r}: {p.message}") for p in exc.problems)
    if problems:
        raise ScenarioError(problems)


# ------------------------------------------------------------------------ matrix
@dataclass(frozen=True)
class Comparison(Tabular):
    """A strategy matrix: row party's strategies against column party's strategies."""

    scenario: str
    row_party: str
    column_party: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...]
    runs: int
    seed: int
    backend: str
    outcomes: tuple[tuple[dict[str, Any], ...], ...]
    """``outcomes[i][j]``: the outcome distribution of ``rows[i]`` against ``columns[j]``."""
    run_id: str | None = None
    """The run in the results database, when a recorder recorded it."""

    def cell(self, row: str, column: str) -> dict[str, Any]:
        return self.outcomes[self.rows.index(row)][self.columns.index(column)]

    def matrix(self, metric: str = "agreement_rate", party: str | None = None) -> list[list[float | None]]:
        """Means of one outcome as a rows x columns list (a per-party outcome, see :data:`PER_PARTY`, needs ``party``)."""

        def pick(d: dict[str, Any]) -> float | None:
            entry = d[metric][party] if metric in PER_PARTY else d[metric]
            return None if entry is None else entry["mean"]

        return [[pick(d) for d in row] for row in self.outcomes]

    def _table(self) -> Table:
        """One row per cell: the row and column strategies and the mean of each outcome."""
        parties = [self.row_party, self.column_party]
        keys = ("row", "column", "agreement_rate", "agreement_ci_low", "agreement_ci_high", "target_share")
        cols: dict[str, list[Any]] = {
            k: []
            for k in (
                *keys,
                "first_step",
                *(f"utility:{p}" for p in parties),
                *(f"no_deal:{p}" for p in parties),
                *(f"gain:{p}" for p in parties),
            )
        }
        for i, r in enumerate(self.rows):
            for j, c in enumerate(self.columns):
                d = self.outcomes[i][j]
                rate = d["agreement_rate"]
                values = (r, c, rate["mean"], rate["ci"][0], rate["ci"][1], d["target_share"]["mean"])
                for key, value in zip(keys, values, strict=True):
                    cols[key].append(value)
                cols["first_step"].append(d["first_step"]["mean"])
                for p in parties:
                    for name in ("utility", "no_deal", "gain"):
                        cols[f"{name}:{p}"].append(d[name][p]["mean"])
        title = (
            f"{self.scenario}: {self.row_party} (row) against {self.column_party} (column), {self.runs} runs"
        )
        return Table(cols, title)

    def as_json(self) -> dict[str, Any]:
        """The document printed by ``detente compare --json``."""
        parties = [self.row_party, self.column_party]
        return {
            "scenario": self.scenario,
            "row_party": self.row_party,
            "column_party": self.column_party,
            "rows": list(self.rows),
            "columns": list(self.columns),
            "fixed": dict(self.fixed),
            "runs": self.runs,
            "seed": self.seed,
            "backend": self.backend,
            "matrix": {
                "agreement_rate": self.matrix("agreement_rate"),
                "target_share": self.matrix("target_share"),
                "utility": {p: self.matrix("utility", p) for p in parties},
                "no_deal": {p: self.matrix("no_deal", p) for p in parties},
                "gain": {p: self.matrix("gain", p) for p in parties},
            },
            "cells": [
                {"row": r, "column": c, "outcomes": compact(self.outcomes[i][j])}
                for i, r in enumerate(self.rows)
                for j, c in enumerate(self.columns)
            ],
        }


def compare(
    scenario: Scenario,
    strategies: Sequence[str],
    *,
    column_strategies: Sequence[str] | None = None,
    parties: tuple[str, str] | None = None,
    fixed: Mapping[str, str] | None = None,
    runs: int = 50,
    seed: int = 0,
    settings: SimulationSettings | None = None,
    sample_values: bool = True,
    backend: Backend | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
    recorder: Recorder | None = None,
) -> Comparison:
    """Every row strategy against every column strategy on one scenario.

    Parameters
    ----------
    strategies : sequence of str
        Strategy specs for the row party (and for the column party unless
        ``column_strategies`` is given).
    parties : (row party, column party), optional
        Default: the scenario's first two parties. Any other party must be given a
        strategy in ``fixed``.
    runs, seed, settings, sample_values, backend, progress, engine, recorder
        As for :func:`~detente.simulate.montecarlo.simulate`; every cell uses the same seed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "A"}, {"id": "B"}]})
    >>> def play(scenario, strategies, *, seed):  # agreement iff both strategies are "yes"
    ...     ok = all(v == "yes" for v in strategies.values())
    ...     return SimpleNamespace(agreement=ok, first_step=0 if ok else None, target_share=float(ok),
    ...         utilities={"A": float(ok), "B": float(ok)}, breakdowns=0, breaches_detected=0,
    ...         breaches_missed=0, periods=1)
    >>> c = compare(s, ["yes", "no"], runs=5, engine=Engine(play, str))
    >>> c.matrix("agreement_rate")
    [[1.0, 0.0], [0.0, 0.0]]
    """
    fixed = dict(fixed or {})
    cols = list(column_strategies) if column_strategies is not None else list(strategies)
    if parties is None:
        if len(scenario.party_ids) < 2:
            raise ScenarioError.single(scenario.id, "a comparison needs a scenario with at least two parties")
        parties = (scenario.party_ids[0], scenario.party_ids[1])
    row_party, column_party = parties
    if row_party == column_party:
        raise ScenarioError.single("parties", f"expected two different parties, found {row_party} twice")
    for p in parties:
        if p in fixed:
            raise ScenarioError.single(
                "fixed", f"{p} is a matrix party; it cannot also have a fixed strategy"
            )
    engine = engine if engine is not None else Engine()
    make = engine.make
    _check_specs(list(strategies), make, "strategies")
    _check_specs(cols, make, "column_strategies")
    # Checks the parties (and the fixed strategies) once, with the first pair.
    validate_strategies(scenario, {row_party: strategies[0], column_party: cols[0], **fixed}, make)

    jobs = []
    for a in strategies:
        for b in cols:
            assignment = {row_party: a, column_party: b, **fixed}
            order = tuple((p, assignment[p]) for p in scenario.party_ids)
            jobs.append(
                (MonteCarloJob(scenario, order, seed, settings, sample_values, engine.play, make), runs)
            )
    run_id, arrays = run_sweep(Sweep("compare", tuple(jobs)), backend, progress, recorder)
    dists = [distribution(a, scenario.party_ids) for a in arrays]
    n = len(cols)
    return Comparison(
        scenario=scenario.id,
        row_party=row_party,
        column_party=column_party,
        rows=tuple(strategies),
        columns=tuple(cols),
        fixed=tuple(sorted(fixed.items())),
        runs=runs,
        seed=seed,
        backend=backend.name if backend is not None else "inprocess",
        outcomes=tuple(tuple(dists[i * n : (i + 1) * n]) for i in range(len(strategies))),
        run_id=run_id,
    )


# -------------------------------------------------------------------- tournament
def _mean(values: Sequence[float]) -> float:
    """An exactly rounded mean (math.fsum): independent of the order of the strategies."""
    return math.fsum(values) / len(values)


def rank_order(scores: Mapping[str, float]) -> list[tuple[str, int]]:
    """Names by descending score with competition ranks (ties share a rank; names break the order)."""
    ordered = sorted(scores, key=lambda k: (-scores[k], k))
    out: list[tuple[str, int]] = []
    for k, name in enumerate(ordered):
        rank = out[-1][1] if k and scores[name] == scores[ordered[k - 1]] else k + 1
        out.append((name, rank))
    return out


@dataclass(frozen=True)
class Tournament(Tabular):
    """A round robin: every ordered pair of strategies in every two-party scenario."""

    scenarios: tuple[str, ...]
    strategies: tuple[str, ...]
    runs: int
    seed: int
    backend: str
    matches: tuple[dict[str, Any], ...]
    """One entry per match: scenario, strategies by party, and a compact outcome summary."""
    ranking: tuple[dict[str, Any], ...]
    """One entry per strategy, best first: rank, strategy, score, agreement rate, target share."""
    run_id: str | None = None
    """The run in the results database, when a recorder recorded it."""

    def _table(self) -> Table:
        """The ranking, best first: rank, strategy, score, agreement rate, target share, matches."""
        keys = ("rank", "strategy", "score", "agreement_rate", "target_share", "matches")
        cols = {k: [r[k] for r in self.ranking] for k in keys}
        return Table(cols, f"Tournament: {len(self.strategies)} strategies, {len(self.scenarios)} scenarios")

    def as_json(self) -> dict[str, Any]:
        """The document printed by ``detente tournament --json``."""
        return {
            "scenarios": list(self.scenarios),
            "strategies": list(self.strategies),
            "runs": self.runs,
            "seed": self.seed,
            "backend": self.backend,
            "ranking": list(self.ranking),
            "matches": list(self.matches),
        }


def tournament(
    scenarios: Sequence[Scenario],
    strategies: Sequence[str],
    *,
    runs: int = 20,
    seed: int = 0,
    settings: SimulationSettings | None = None,
    sample_values: bool = True,
    backend: Backend | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
    recorder: Recorder | None = None,
) -> Tournament:
    """Round robin of strategies across two-party scenarios, ranked by rescaled utility.

    Each strategy meets each strategy (itself included) in both seats of every scenario;
    see the module docstring for the score.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
    ...     "parties": [{"id": "A"}, {"id": "B"}]})
    >>> def play(scenario, strategies, *, seed):  # "greedy" takes 2 from the other side
    ...     u = {p: 1.0 for p in strategies}
    ...     a, b = strategies["A"], strategies["B"]
    ...     u["A"] += 2 * (a == "greedy") - 2 * (b == "greedy")
    ...     u["B"] += 2 * (b == "greedy") - 2 * (a == "greedy")
    ...     return SimpleNamespace(agreement=True, first_step=0, target_share=1.0, utilities=u,
    ...         breakdowns=0, breaches_detected=0, breaches_missed=0, periods=1)
    >>> t = tournament([s], ["fair", "greedy"], runs=3, engine=Engine(play, str))
    >>> [(r["strategy"], r["rank"], r["score"]) for r in t.ranking]
    [('greedy', 1, 0.75), ('fair', 2, 0.25)]
    """
    if not scenarios:
        raise ScenarioError.single("SCENARIOS", "expected at least one scenario")
    problems = [
        Problem(
            s.id,
            None,
            None,
            "parties",
            f"a tournament needs two-party scenarios; {s.id} has {len(s.parties)}",
        )
        for s in scenarios
        if len(s.parties) != 2
    ]
    if problems:
        raise ScenarioError(problems)
    engine = engine if engine is not None else Engine()
    make = engine.make
    _check_specs(list(strategies), make, "strategies")
    strategies = list(dict.fromkeys(strategies))

    jobs, keys = [], []
    for k, s in enumerate(scenarios):
        p1, p2 = s.party_ids
        for a in strategies:
            for b in strategies:
                order = ((p1, a), (p2, b))
                jobs.append((MonteCarloJob(s, order, seed, settings, sample_values, engine.play, make), runs))
                keys.append((k, a, b))
    run_id, arrays = run_sweep(Sweep("tournament", tuple(jobs)), backend, progress, recorder)

    matches = []
    seat_scores: dict[str, list[float]] = {x: [] for x in strategies}
    agreement: dict[str, list[float]] = {x: [] for x in strategies}
    share: dict[str, list[float]] = {x: [] for x in strategies}
    for k, s in enumerate(scenarios):
        dists = {
            (a, b): distribution(arr, s.party_ids)
            for (kk, a, b), arr in zip(keys, arrays, strict=True)
            if kk == k
        }
        for seat, party in enumerate(s.party_ids):
            means = {ab: d["utility"][party]["mean"] for ab, d in dists.items()}
            lo, hi = min(means.values()), max(means.values())
            for ab, m in means.items():
                scaled = 0.5 if hi == lo else (m - lo) / (hi - lo)
                seat_scores[ab[seat]].append(scaled)
        for (a, b), d in dists.items():
            for x in (a, b):
                agreement[x].append(d["agreement_rate"]["mean"])
                share[x].append(d["target_share"]["mean"])
            matches.append(
                {"scenario": s.id, "strategies": {s.party_ids[0]: a, s.party_ids[1]: b}, **compact(d)}
            )
    scores = {x: _mean(v) for x, v in seat_scores.items()}
    ranking = tuple(
        {
            "rank": rank,
            "strategy": name,
            "score": scores[name],
            "agreement_rate": _mean(agreement[name]),
            "target_share": _mean(share[name]),
            "matches": len(seat_scores[name]),
        }
        for name, rank in rank_order(scores)
    )
    return Tournament(
        scenarios=tuple(s.id for s in scenarios),
        strategies=tuple(strategies),
        runs=runs,
        seed=seed,
        backend=backend.name if backend is not None else "inprocess",
        matches=tuple(matches),
        ranking=ranking,
        run_id=run_id,
    )
