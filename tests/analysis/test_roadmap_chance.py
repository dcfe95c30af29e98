"""Chance-constrained and worst-case roadmaps against brute force over every roadmap and every draw.

Oracles: the period-by-period ``roadmap_oracle`` on each value draw (and on each corner of the
box of ranges), enumerating every ordered partition of small targets; ``survival``'s independent
count of the draws a roadmap holds in; and today's planner where every range is collapsed.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from detente.analysis.roadmap import plan
from detente.analysis.roadmap_chance import WORST_CASE, parse_level, plan_robust
from detente.analysis.roadmap_survival import survival
from detente.model.draws import value_draws
from detente.model.errors import ScenarioError
from detente.model.scenario import Scenario
from detente.model.values import Value

sys.path.insert(0, str(Path(__file__).parent))
from roadmap_oracle import Oracle
from test_roadmap_oracle import scenarios

VALUE_KINDS = {"balance", "exposure", "self-enforcement"}
Stages = list[frozenset[str]]


def examples(n: int) -> Any:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def ranged(draw: Any, max_moves: int = 5, max_ranged: int = 5) -> tuple[Scenario, float]:
    """Small two-party scenarios near the edge: reciprocal trades whose values have ranges."""
    parties = [
        {
            "id": p,
            "discount": draw(st.sampled_from([1.0, 0.9])),
            **(
                {"exposure_limit": x}
                if (x := draw(st.sampled_from([None, None, 1, 2, 3]))) is not None
                else {}
            ),
        }
        for p in ("A", "B")
    ]
    n, moves, ranged_left = draw(st.sampled_from([2, 4, 4, 3, max_moves])), [], max_ranged
    for i in range(n):
        by, other = ("A", "B") if i % 2 == 0 else ("B", "A")
        cost = float(draw(st.sampled_from([-2, -1, -1, -0.5])))
        value: dict[str, Any] = {by: cost, other: -cost + float(draw(st.sampled_from([0.5, 0, 1, 1.5])))}
        for p in (by, other):
            if ranged_left and draw(st.booleans()):
                below, above = (
                    draw(st.sampled_from([0, 0.25, 0.5, 1])),
                    draw(st.sampled_from([0, 0.25, 0.5, 1])),
                )
                if below or above:
                    value[p] = [value[p] - below, value[p], value[p] + above]
                    ranged_left -= 1
        # in pairs: a reversible concession is answered by a reversible one
        reversible = draw(st.integers(0, 2)) == 0 if i % 2 == 0 else moves[-1]["reversible"]
        moves.append(
            {
                "id": f"m{i}",
                "by": by,
                "title": f"m{i}",
                "value": value,
                "reversible": reversible,
                "reversal_lag": draw(st.integers(0, 2)) if reversible else 0,
                "verification": draw(st.sampled_from([1.0, 0.8, 0.3])) if reversible else 1.0,
                "duration": draw(st.sampled_from([0, 0, 1, 2])),
                "requires": [f"m{i - 2}"] if i >= 2 and draw(st.integers(0, 2)) == 0 else [],
            }
        )
    s = Scenario.model_validate(
        {
            "detente": 1,
            "id": "gen",
            "title": "gen",
            "time": {"horizon": draw(st.integers(3, 8))},
            "parties": parties,
            "moves": moves,
        }
    )
    return s, draw(st.sampled_from([0.0, 0.0, 0.25]))


def holds(s: Scenario, target: list[str], tol: float, stages: Stages) -> bool:
    o = Oracle(s, target, tol)
    return not o.breaks(stages) & o.all_groups()


def candidates(s: Scenario, target: list[str], tol: float) -> list[Stages]:
    """Every ordered partition that keeps the constraints that do not depend on the values."""
    o = Oracle(s, target, tol)
    structural = {g for g in o.all_groups() if g[0] not in VALUE_KINDS}
    return list(o.roadmaps(structural))


def corners(s: Scenario, target: list[str]) -> list[Scenario]:
    """Every corner of the box of ranges of the target's values."""
    slots = [(mv.id, p) for mv in s.moves if mv.id in target for p, v in mv.value.items() if v.low < v.high]
    out = []
    for ends in itertools.product((0, 1), repeat=len(slots)):
        pick = dict(zip(slots, ends, strict=True))
        moves = []
        for mv in s.moves:
            value = dict(mv.value)
            for p, v in mv.value.items():
                if (mv.id, p) in pick:
                    x = v.high if pick[(mv.id, p)] else v.low
                    value[p] = Value(low=x, likely=x, high=x)
            moves.append(mv.model_copy(update={"value": value}))
        out.append(s.replace(moves=tuple(moves)))
    return out


@examples(100)
@given(ranged(), st.sampled_from([1, 5, 12]), st.sampled_from([0.5, 0.8, 1.0]), st.integers(0, 3))
def test_chance_constrained_plan_is_the_fewest_stages_over_every_roadmap(
    case: tuple[Scenario, float], samples: int, level: float, seed: int
) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    draws = value_draws(s, samples, seed)
    need = -(-int(level * samples * 1000) // 1000)
    counted = [(x, sum(holds(d, target, tol, x) for d in draws)) for x in candidates(s, target, tol)]
    good = [x for x, n in counted if n >= need]
    r = plan_robust(s, target, level=level, samples=samples, seed=seed, tolerance=tol, time_limit=60)
    event(
        f"{r.result.status}, {len(r.result.stages)} stages, held < samples: {r.held is not None and r.held < samples}"
    )
    assert r.result.status in ("optimal", "infeasible")
    if good:
        assert r.result.status == "optimal"
        stages = [x.moves for x in r.result.stages]
        assert sorted(m for x in stages for m in x) == sorted(target)
        assert len(stages) == min(len(x) for x in good)
        n = sum(holds(d, target, tol, stages) for d in draws)  # recomputed on each draw
        assert r.held == n >= need
        assert survival(s, stages, tolerance=tol, samples=samples, seed=seed).held == n
    else:
        assert r.result.status == "infeasible"
        best = max((n for _, n in counted), default=None)
        if best is None:
            return  # no roadmap even ignores the values: the plain planner's explanation
        assert r.highest is not None and r.highest * samples == pytest.approx(best)
        assert len(r.breaking) == samples - best


@examples(150)
@given(ranged(max_moves=4, max_ranged=5))
def test_worst_case_plan_holds_at_every_corner_and_is_fewest(case: tuple[Scenario, float]) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    box = corners(s, target)
    good = [x for x in candidates(s, target, tol) if all(holds(c, target, tol, x) for c in box)]
    r = plan_robust(s, target, level=WORST_CASE, tolerance=tol, time_limit=60)
    event(f"{r.result.status}, {len(box)} corners")
    assert r.result.status in ("optimal", "infeasible")
    assert r.result.feasible == bool(good)
    if good:
        stages = [x.moves for x in r.result.stages]
        assert len(stages) == min(len(x) for x in good)
        assert all(holds(c, target, tol, stages) for c in box)


@examples(20)
@given(scenarios(max_moves=5), st.sampled_from([1, 7]), st.sampled_from([0.6, 1.0, WORST_CASE]))
def test_without_ranges_it_is_todays_planner(case: tuple[Scenario, float], samples: int, level: Any) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    today = plan(s, target, tolerance=tol, time_limit=60)
    r = plan_robust(s, target, level=level, samples=samples, tolerance=tol, time_limit=60)
    assert r.result.feasible == today.feasible
    if today.feasible:
        assert len(r.result.stages) == len(today.stages)
    fast = plan(s, target, tolerance=tol, objective="fastest", time_limit=60)
    rf = plan_robust(
        s, target, level=level, samples=samples, tolerance=tol, objective="fastest", time_limit=60
    )
    assert rf.result.feasible == fast.feasible
    if fast.feasible:
        assert (rf.result.duration, len(rf.result.stages)) == (fast.duration, len(fast.stages))


def test_bad_levels_are_clear_errors() -> None:
    for bad in ("0", "1.5", "-0.2", "most", "nan"):
        with pytest.raises(ScenarioError, match="expected a share in"):
            parse_level(bad)
    assert parse_level("Worst-Case") == WORST_CASE
    s = value_draws(Scenario.model_validate(PAIR), 1)[0]
    with pytest.raises(ScenarioError, match="at least 1 draw"):
        plan_robust(s, ["a", "b"], level=0.9, samples=0)
    with pytest.raises(ScenarioError, match="fewest-stages or fastest"):
        plan_robust(s, ["a", "b"], level=0.9, objective="most-robust")


PAIR = {
    "detente": 1,
    "id": "t",
    "title": "T",
    "parties": [{"id": "A"}, {"id": "B"}],
    "moves": [
        {"id": "a", "by": "A", "title": "a", "value": {"A": -1, "B": 2}},
        {"id": "b", "by": "B", "title": "b", "value": {"A": 2, "B": -1}},
    ],
}
