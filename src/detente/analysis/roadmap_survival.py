"""A roadmap judged over value draws: how often each stage holds, for whom, and what breaks it first.

A roadmap planned at the likely values can fail at values well inside their ranges.
:func:`survival` checks one sequence of stages, exactly (:func:`evaluate`), on each of
``samples`` value draws (:func:`detente.model.draws.value_draws`: the draws the
simulator's runs with the same seed play with) and counts, for every stage, party and
kind of constraint that depends on the values (:data:`KINDS`), the share of draws in
which it holds. Self-enforcement at decision point k (after stage k) counts for stage k,
and participation (before stage 1) for stage 1, as the checker reports them.

:func:`first_break` holds every value at its likely point but one, and moves that one
through its range: the value that breaks the roadmap after the smallest move (measured as
a share of its range) is where the roadmap is weakest.

Examples
--------
>>> from detente.model.scenario import Scenario
>>> s = Scenario.model_validate({"detente": 1, "id": "t", "title": "T",
...     "parties": [{"id": "A"}, {"id": "B"}],
...     "moves": [{"id": "a1", "by": "A", "title": "a1", "value": {"A": -1, "B": [0.5, 2, 3]}},
...               {"id": "b1", "by": "B", "title": "b1", "value": {"A": 2, "B": -1}}]})
>>> sv = survival(s, [["a1", "b1"]], samples=200, seed=0)
>>> sv.held < 200 < 2 * sv.held, sv.stages[0]["B"]["balance"] == sv.share
(True, True)
>>> b = first_break(s, [["a1", "b1"]])
>>> (b.move, b.party, b.kind, round(b.value, 2))
('a1', 'B', 'balance', 1.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from detente.model.draws import value_draws
from detente.model.scenario import Scenario
from detente.model.values import Value

from .roadmap_instance import Conflict, Instance, evaluate

__all__ = ["KINDS", "Break", "Survival", "first_break", "survival"]

KINDS = ("balance", "exposure", "self-enforcement")
"""The constraints whose truth depends on the values (reciprocity, prerequisites and exclusions do not)."""
STEPS = 16
"""Points tried on each side of a likely value before the crossing is narrowed down by bisection."""
PRECISION = 1e-4
"""The break-even is found to within this share of the value's range."""


@dataclass(frozen=True)
class Survival:
    """How a roadmap fares over ``samples`` value draws of ``seed``.

    ``stages[k][party][kind]`` is the share of draws in which that constraint of stage
    k + 1 holds for that party, ``joint[k][party]`` the share in which all of them do;
    ``breaking`` lists the draws (0-based) that break any constraint.
    """

    samples: int
    seed: int
    held: int
    stages: tuple[dict[str, dict[str, float]], ...]
    joint: tuple[dict[str, float], ...]
    breaking: tuple[int, ...]

    @property
    def share(self) -> float:
        """The share of draws in which the whole roadmap keeps every constraint."""
        return self.held / self.samples

    def weakest(self) -> tuple[int, str, str, float] | None:
        """(stage, party, kind, share) of the constraint that holds least often, None if all always hold."""
        worst = min(
            (
                (k + 1, p, kind, x)
                for k, st in enumerate(self.stages)
                for p, ks in st.items()
                for kind, x in ks.items()
            ),
            key=lambda t: (t[3], t[0]),
            default=None,
        )
        return worst if worst is not None and worst[3] < 1.0 else None

    def to_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "held": self.held,
            "share": round(self.share, 6),
            "stages": [
                {
                    p: {"all": round(self.joint[k][p], 6), **{kind: round(x, 6) for kind, x in ks.items()}}
                    for p, ks in st.items()
                }
                for k, st in enumerate(self.stages)
            ],
            "breaking_draws": list(self.breaking),
        }


@dataclass(frozen=True)
class Break:
    """The single value whose smallest move (share of its range) breaks the roadmap, and how."""

    move: str
    party: str
    likely: float
    value: float
    distance: float
    """|value - likely| as a share of the range (high - low)."""
    kind: str
    stage: int | None
    broken_for: str | None
    """The party whose constraint breaks (it can be another than ``party``)."""
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "move": self.move,
            "party": self.party,
            "likely": self.likely,
            "value": round(self.value, 6),
            "share_of_range": round(self.distance, 6),
            "kind": self.kind,
            "stage": self.stage,
            "broken_for": self.broken_for,
            "text": self.text,
        }


def _broken(scenario: Scenario, stages: Sequence[frozenset[str]], tolerance: float) -> list[Conflict]:
    """The value-dependent constraints the stages break (each with its stage and party)."""
    target = frozenset().union(*stages) if stages else frozenset()
    _, conflicts, _ = evaluate(Instance(scenario, target, tolerance), stages)
    return [c for c in conflicts if c.kind in KINDS]


def _located(conflicts: list[Conflict]) -> set[tuple[int, str, str]]:
    return {(c.stage, c.party, c.kind) for c in conflicts if c.stage is not None and c.party is not None}


def _stages(scenario: Scenario, stages: Iterable[Iterable[str]]) -> list[frozenset[str]]:
    sq = scenario.status_quo
    return [st for st in (frozenset(x) - sq for x in stages) if st]


def survival(
    scenario: Scenario,
    stages: Iterable[Iterable[str]],
    *,
    tolerance: float = 0.0,
    samples: int = 500,
    seed: int = 0,
) -> Survival:
    """The share of value draws in which each stage of ``stages`` holds, per party and kind."""
    seq = _stages(scenario, stages)
    parties = scenario.party_ids
    fails = [{p: dict.fromkeys(KINDS, 0) for p in parties} for _ in seq]
    joint = [dict.fromkeys(parties, 0) for _ in seq]
    breaking = []
    for i, drawn in enumerate(value_draws(scenario, samples, seed)):
        broken = _located(_broken(drawn, seq, tolerance))
        if broken:
            breaking.append(i)
        for k, p, kind in broken:
            fails[k - 1][p][kind] += 1
        for k, p in {(k, p) for k, p, _ in broken}:
            joint[k - 1][p] += 1
    shares = tuple(
        {p: {kind: 1.0 - n / samples for kind, n in ks.items()} for p, ks in st.items()} for st in fails
    )
    together = tuple({p: 1.0 - n / samples for p, n in st.items()} for st in joint)
    return Survival(samples, seed, samples - len(breaking), shares, together, tuple(breaking))


def _with_value(scenario: Scenario, move: str, party: str, x: float) -> Scenario:
    m = scenario.move(move)
    changed = m.model_copy(update={"value": {**m.value, party: Value(low=x, likely=x, high=x)}})
    return scenario.replace(moves=tuple(changed if mm.id == move else mm for mm in scenario.moves))


def first_break(
    scenario: Scenario, stages: Iterable[Iterable[str]], *, tolerance: float = 0.0
) -> Break | None:
    """The ranged value of the roadmap's moves that breaks it after the smallest move from its likely point.

    Every other value stays at its likely point; each value is tried on a grid of
    :data:`STEPS` points towards each end of its range, and the first crossing is narrowed
    down by bisection to :data:`PRECISION` of the range. None: no single value breaks it
    anywhere in its range (or it does not hold at the likely values to begin with).
    """
    seq = _stages(scenario, stages)
    if _broken(scenario, seq, tolerance):
        return None
    moves = {m for st in seq for m in st}
    best: Break | None = None
    for mv in scenario.moves:
        if mv.id not in moves:
            continue
        for party in scenario.party_ids:
            v = mv.value.get(party)
            if v is None or not v.is_range:
                continue
            width = v.high - v.low
            for end in (v.low, v.high):
                if end == v.likely:
                    continue
                found = _crossing(scenario, seq, tolerance, mv.id, party, v.likely, end)
                if found is None:
                    continue
                x, conflict = found
                distance = abs(x - v.likely) / width
                if best is None or distance < best.distance - 1e-12:
                    best = Break(
                        mv.id,
                        party,
                        v.likely,
                        x,
                        distance,
                        conflict.kind,
                        conflict.stage,
                        conflict.party,
                        conflict.text,
                    )
    return best


def _crossing(
    scenario: Scenario,
    seq: list[frozenset[str]],
    tolerance: float,
    move: str,
    party: str,
    likely: float,
    end: float,
) -> tuple[float, Conflict] | None:
    """The point nearest ``likely`` on the way to ``end`` at which the roadmap breaks, with what breaks."""

    def broken(x: float) -> list[Conflict]:
        return _broken(_with_value(scenario, move, party, x), seq, tolerance)

    inside = likely
    for j in range(1, STEPS + 1):
        x = likely + (end - likely) * j / STEPS
        if broken(x):
            outside = x
            break
        inside = x
    else:
        return None
    while abs(outside - inside) > PRECISION * abs(end - likely):
        mid = (inside + outside) / 2
        if broken(mid):
            outside = mid
        else:
            inside = mid
    return outside, broken(outside)[0]
