"""Metrics: one number per (scenario, seed), so studies can vary a scenario and watch a verdict.

A metric is a small frozen (picklable) object with ``evaluate(scenario, seed) -> float``.
It knows which analysis it calls (imported lazily, inside ``evaluate``), so sensitivity
code never does. Each metric has a ``kind``:

- ``boolean``: 1.0 or 0.0 (the verdict is yes / no);
- ``categorical``: the index of one of ``categories`` (the verdict is that category);
- ``numeric``: any number; the verdict is ``value >= threshold`` when a threshold is
  given (some metrics have a default), else there is no verdict, only a value.

Specs (``--metric``):

=========================================  ==============================================
``zopa``                                   boolean: some package gives every party more than
                                           its disagreement value (deal analysis)
``nash-utility:PARTY``                     numeric: PARTY's utility at the Nash bargaining package
``nash-package``                           categorical: the package (set of moves) the Nash
                                           bargaining solution picks
``package-utility:PARTY=M1+M2``            numeric: PARTY's utility with the moves (and their
                                           prerequisites) in force beside the status quo
``roadmap-exists[:SECONDS]``               boolean: the planner finds a roadmap to the default
                                           target within SECONDS (default 10); a time-out
                                           counts as no roadmap
``agreement-rate:P=STRAT,Q=STRAT[@RUNS]``  numeric in [0, 1] (default threshold 0.5): share of
                                           RUNS simulated talks (default 100) that agree
``best-pair[:S1,S2,...][@RUNS]``           categorical: the strategy pair (first two parties)
                                           with the highest agreement rate, ties broken by
                                           target share, then by name
=========================================  ==============================================

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [1, 2, 4]}}]})
>>> m = parse_metric("package-utility:B=a1", s)
>>> m.kind, m.evaluate(s, 0)
('numeric', 2.0)
"""

from __future__ import annotations

import difflib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from detente.analysis.deals import analyse_deals
from detente.analysis.roadmap import plan
from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.simulate.compare import compare
from detente.simulate.montecarlo import simulate
from detente.simulate.strategies import make_strategy

__all__ = [
    "METRICS",
    "AgreementRate",
    "BestPair",
    "Metric",
    "NashPackage",
    "NashUtility",
    "PackageUtility",
    "RoadmapExists",
    "Zopa",
    "parse_metric",
]

Kind = Literal["boolean", "categorical", "numeric"]

DEFAULT_PAIR_STRATEGIES: tuple[str, ...] = (
    "maximum-pressure",
    "big-deal",
    "step-by-step",
    "tit-for-tat",
    "grit",
)


@dataclass(frozen=True)
class Metric(ABC):
    """Base class: a named function of a scenario and a seed (see the module docstring)."""

    spec: str

    kind: Kind = "numeric"
    categories: tuple[str, ...] = ()
    default_threshold: float | None = None
    description: str = ""

    @abstractmethod
    def evaluate(self, scenario: Scenario, seed: int) -> float:
        """The metric's value on ``scenario`` (``seed`` for any random draw)."""

    def verdict(self, value: float, threshold: float | None = None) -> str | None:
        """The verdict a value gives: ``yes``/``no``, a category, ``>= t``/``< t``, or ``None``.

        >>> Zopa("zopa").verdict(1.0), NashUtility("nash-utility:A", party="A").verdict(2.0, 1.5)
        ('yes', '>= 1.5')
        """
        if math.isnan(value):
            return "undetermined"
        if self.kind == "boolean":
            return "yes" if value >= 0.5 else "no"
        if self.kind == "categorical":
            return self.categories[int(value)]
        t = threshold if threshold is not None else self.default_threshold
        if t is None:
            return None
        return f">= {t:g}" if value >= t else f"< {t:g}"

    def describe_change(self, before: float, after: float, threshold: float | None = None) -> str:
        """The change of verdict from ``before`` to ``after`` in words."""
        return _describe_change(self, before, after, threshold)


def _describe_change(metric: Metric, before: float, after: float, threshold: float | None) -> str:
    return (
        f"{metric.spec} becomes {metric.verdict(after, threshold)} (was {metric.verdict(before, threshold)})"
    )


def _party(scenario: Scenario, party: str, spec: str) -> str:
    if party in scenario.party_ids:
        return party
    close = difflib.get_close_matches(party, list(scenario.party_ids), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ScenarioError.single(
        "metric",
        f"{spec}: no party {party!r} in {scenario.id}{hint} (parties: {', '.join(scenario.party_ids)})",
    )


def _runs(text: str, spec: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise ScenarioError.single("metric", f"{spec}: expected a number of runs after '@', found {text!r}")
    return int(text)


@dataclass(frozen=True)
class Zopa(Metric):
    kind: Kind = "boolean"
    description: str = "a package gives every party more than its disagreement value"

    def evaluate(self, scenario: Scenario, seed: int) -> float:

        return 1.0 if analyse_deals(scenario).has_agreement else 0.0


@dataclass(frozen=True)
class NashUtility(Metric):
    party: str = ""
    description: str = "utility at the Nash bargaining package"

    def evaluate(self, scenario: Scenario, seed: int) -> float:

        return float(analyse_deals(scenario).solutions["nash"].utility[self.party])


@dataclass(frozen=True)
class NashPackage(Metric):
    """Which package the Nash bargaining solution picks, coded as a bit mask over the move ids."""

    kind: Kind = "categorical"
    moves: tuple[str, ...] = ()
    description: str = "the package the Nash bargaining solution picks"

    def evaluate(self, scenario: Scenario, seed: int) -> float:

        chosen = analyse_deals(scenario).solutions["nash"].moves
        return float(sum(1 << k for k, m in enumerate(self.moves) if m in chosen))

    def package(self, value: float) -> frozenset[str]:
        """The moves a value codes for."""
        code = int(value)
        return frozenset(m for k, m in enumerate(self.moves) if code >> k & 1)

    def verdict(self, value: float, threshold: float | None = None) -> str | None:
        if math.isnan(value):
            return "undetermined"
        return "{" + ", ".join(sorted(self.package(value))) + "}"

    def describe_change(self, before: float, after: float, threshold: float | None = None) -> str:
        old, new = self.package(before), self.package(after)
        parts = []
        if old - new:
            parts.append("drops " + ", ".join(sorted(old - new)))
        if new - old:
            parts.append("adds " + ", ".join(sorted(new - old)))
        return "the Nash deal " + ("; ".join(parts) if parts else "is unchanged")


@dataclass(frozen=True)
class PackageUtility(Metric):
    party: str = ""
    moves: tuple[str, ...] = ()
    description: str = "utility of a fixed package (with prerequisites and the status quo)"

    def evaluate(self, scenario: Scenario, seed: int) -> float:
        package = scenario.closure(self.moves) | scenario.status_quo
        return float(scenario.utility(self.party, package))


@dataclass(frozen=True)
class RoadmapExists(Metric):
    kind: Kind = "boolean"
    time_limit: float = 10.0
    description: str = "the planner finds a step-by-step roadmap to the default target"

    def evaluate(self, scenario: Scenario, seed: int) -> float:

        return 1.0 if plan(scenario, time_limit=self.time_limit).feasible else 0.0


@dataclass(frozen=True)
class AgreementRate(Metric):
    strategies: tuple[tuple[str, str], ...] = ()
    runs: int = 100
    default_threshold: float | None = 0.5
    description: str = "share of simulated talks that reach agreement"

    def evaluate(self, scenario: Scenario, seed: int) -> float:

        result = simulate(scenario, dict(self.strategies), runs=self.runs, seed=seed, sample_values=False)
        return float(result.distribution()["agreement_rate"]["mean"])


@dataclass(frozen=True)
class BestPair(Metric):
    kind: Kind = "categorical"
    strategies: tuple[str, ...] = ()
    runs: int = 50
    description: str = "the strategy pair with the highest agreement rate"

    def evaluate(self, scenario: Scenario, seed: int) -> float:

        c = compare(scenario, list(self.strategies), runs=self.runs, seed=seed, sample_values=False)
        rates, shares = c.matrix("agreement_rate"), c.matrix("target_share")
        best: tuple[float, float, int] | None = None
        for i, row in enumerate(self.strategies):
            for j, col in enumerate(self.strategies):
                key = (
                    -(rates[i][j] or 0.0),
                    -(shares[i][j] or 0.0),
                    self.categories.index(_pair(c, row, col)),
                )
                best = key if best is None or key < best else best
        assert best is not None
        return float(best[2])


def _pair(c: object, row: str, col: str) -> str:
    return f"{getattr(c, 'row_party', '?')}={row},{getattr(c, 'column_party', '?')}={col}"


# ---------------------------------------------------------------------------- parsing
def _zopa(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    return Zopa(spec)


def _nash(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    return NashUtility(spec, party=_party(scenario, arg, spec))


def _nash_package(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    if len(scenario.moves) > 52:
        raise ScenarioError.single(
            "metric", f"{spec}: at most 52 moves (this scenario has {len(scenario.moves)})"
        )
    return NashPackage(spec, moves=scenario.move_ids)


def _package(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    party, _, moves = arg.partition("=")
    ids = tuple(m for m in moves.split("+") if m)
    if not ids:
        raise ScenarioError.single("metric", f"{spec}: expected package-utility:PARTY=MOVE+MOVE")
    for m in ids:
        if m not in scenario.move_ids:
            close = difflib.get_close_matches(m, list(scenario.move_ids), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError.single("metric", f"{spec}: no move {m!r} in {scenario.id}{hint}")
    return PackageUtility(spec, party=_party(scenario, party, spec), moves=ids)


def _roadmap(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    try:
        limit = float(arg) if arg else 10.0
    except ValueError:
        limit = -1.0
    if not (limit > 0 and math.isfinite(limit)):
        raise ScenarioError.single("metric", f"{spec}: expected roadmap-exists:SECONDS, found {arg!r}")
    return RoadmapExists(spec, time_limit=limit)


def _strategies_ok(specs: list[str], spec: str) -> None:

    for s in specs:
        try:
            make_strategy(s)
        except ScenarioError as exc:
            raise ScenarioError.single("metric", f"{spec}: {s!r}: {exc.problems[0].message}") from None


def _agreement(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    pairs: dict[str, str] = {}
    for item in arg.split(","):
        party, eq, strategy = item.partition("=")
        if not eq or not strategy:
            raise ScenarioError.single(
                "metric", f"{spec}: expected agreement-rate:PARTY=STRATEGY,PARTY=STRATEGY, found {item!r}"
            )
        pairs[_party(scenario, party.strip(), spec)] = strategy.strip()
    missing = [p for p in scenario.party_ids if p not in pairs]
    if missing:
        raise ScenarioError.single("metric", f"{spec}: no strategy for {', '.join(missing)}")
    _strategies_ok(list(pairs.values()), spec)
    order = tuple((p, pairs[p]) for p in scenario.party_ids)
    return AgreementRate(spec, strategies=order, runs=_runs(runs, spec) if runs else 100)


def _best_pair(arg: str, runs: str, scenario: Scenario, spec: str) -> Metric:
    names = tuple(dict.fromkeys(s.strip() for s in arg.split(",") if s.strip())) or DEFAULT_PAIR_STRATEGIES
    if len(scenario.party_ids) != 2:
        raise ScenarioError.single("metric", f"{spec}: best-pair needs a two-party scenario")
    _strategies_ok(list(names), spec)
    p, q = scenario.party_ids
    categories = tuple(f"{p}={a},{q}={b}" for a in names for b in names)
    return BestPair(spec, strategies=names, categories=categories, runs=_runs(runs, spec) if runs else 50)


METRICS: dict[str, tuple[str, Callable[[str, str, Scenario, str], Metric]]] = {
    "zopa": ("zopa", _zopa),
    "nash-utility": ("nash-utility:PARTY", _nash),
    "nash-package": ("nash-package", _nash_package),
    "package-utility": ("package-utility:PARTY=MOVE+MOVE", _package),
    "roadmap-exists": ("roadmap-exists[:SECONDS]", _roadmap),
    "agreement-rate": ("agreement-rate:PARTY=STRATEGY,...[@RUNS]", _agreement),
    "best-pair": ("best-pair[:STRATEGY,...][@RUNS]", _best_pair),
}
"""Metric name -> (spec form, factory(argument, runs, scenario, spec))."""


def parse_metric(spec: str, scenario: Scenario) -> Metric:
    """The metric a ``--metric`` spec names, checked against the scenario.

    >>> from detente.model.scenario import Scenario
    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "USA"}]})
    >>> parse_metric("nash-utility:US", s)
    Traceback (most recent call last):
    ...
    detente.model.errors.ScenarioError: metric: nash-utility:US: no party 'US' in x; did you mean 'USA'? (parties: USA)
    """
    spec = spec.strip()
    head, _, runs = spec.partition("@")
    name, _, arg = head.partition(":")
    if name not in METRICS:
        close = difflib.get_close_matches(name, list(METRICS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        forms = ", ".join(form for form, _ in METRICS.values())
        raise ScenarioError.single("metric", f"unknown metric {name!r}; {hint}expected one of: {forms}")
    needs_arg = name in ("nash-utility", "package-utility", "agreement-rate")
    if needs_arg and not arg:
        raise ScenarioError.single("metric", f"{spec}: expected {METRICS[name][0]}")
    if runs and name not in ("agreement-rate", "best-pair"):
        raise ScenarioError.single("metric", f"{spec}: only simulation metrics take @RUNS")
    return METRICS[name][1](arg, runs, scenario, spec)
