"""The planner against an independent brute-force oracle on small random scenarios (Hypothesis).

Every roadmap returned satisfies every constraint; its stage count equals the
brute-force optimum; "infeasible" only when brute force finds none; the
explanation's constraints are infeasible together and each is needed; the checker
reports exactly the constraint families the oracle finds broken.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from detente.analysis.roadmap import check, plan
from detente.model.scenario import Scenario

sys.path.insert(0, str(Path(__file__).parent))
from roadmap_oracle import Oracle

# ROADMAP_FUZZ=k runs k times as many random (not derandomised) examples, for a longer hunt.
FUZZ = int(os.environ.get("ROADMAP_FUZZ", "0"))


def examples(n: int) -> settings:
    return settings(
        max_examples=n * max(1, FUZZ),
        deadline=None,
        derandomize=not FUZZ,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def scenarios(draw: Any, max_moves: int = 6) -> tuple[Scenario, float]:
    n_parties = draw(st.sampled_from([2, 2, 2, 2, 3]))
    pids = ["A", "B", "C"][:n_parties]
    parties = []
    for p in pids:
        limit = draw(st.sampled_from([None, None, 0, 1, 2, 3, 5]))
        parties.append(
            {
                "id": p,
                "discount": draw(st.sampled_from([1.0, 0.95, 0.8])),
                **({"exposure_limit": limit} if limit is not None else {}),
            }
        )
    mode = draw(st.integers(0, 3))
    paired = mode > 0  # alternating makers, friendlier values: more feasible cases
    chained = mode == 3  # every move after the first round needs the previous one of its maker: more stages
    n = draw(st.integers(2 if mode < 2 else min(4, max_moves), max_moves))
    own = [-2, -1, -1, -0.5] if paired else [-3, -2, -1, -1, -0.5, 0, 0.5]
    other = [1, 1.5, 2, 3] if paired else [-0.5, 0, 0.5, 1, 2, 3, 4]
    moves: list[dict[str, Any]] = []
    for i in range(n):
        by = pids[i % n_parties] if paired or i < n_parties else draw(st.sampled_from(pids))
        value = {q: float(draw(st.sampled_from(own if q == by else other))) for q in pids}
        reversible = draw(st.integers(0, 3)) == 0 and not chained
        requires = []
        if i >= n_parties and paired and (chained or draw(st.booleans())):
            requires = [moves[i - n_parties]["id"]]
        elif i and not paired and draw(st.integers(0, 3)) == 0:
            requires = [moves[draw(st.integers(0, i - 1))]["id"]]
        moves.append(
            {
                "id": f"m{i}",
                "by": by,
                "title": f"m{i}",
                "value": value,
                "reversible": reversible,
                "reversal_lag": draw(st.integers(0, 3)) if reversible else 0,
                "verification": draw(st.sampled_from([1.0, 1.0, 0.8, 0.5, 0.2])) if reversible else 1.0,
                "duration": draw(st.sampled_from([0, 0, 1, 2])),
                "requires": requires,
            }
        )
    if draw(st.booleans()):  # a move already in force, which the planner must leave alone
        moves.append({"id": "sq", "by": pids[0], "title": "sq", "value": {pids[1]: 1.0}, "in_force": True})
    s = Scenario.model_validate(
        {
            "detente": 1,
            "id": "gen",
            "title": "gen",
            "time": {"horizon": draw(st.integers(3, 12))},
            "parties": parties,
            "moves": moves,
        }
    )
    return s, draw(st.sampled_from([0.0, 0.0, 0.25, 0.5]))


def key_of(c: Any) -> tuple[str, object]:
    if c.kind == "prerequisite":
        return ("prerequisite", (c.moves[1], c.moves[0]))
    if c.kind in ("reciprocity", "max-stages"):
        return (c.kind, None)
    return (c.kind, c.party)


@examples(60)
@given(scenarios(), st.sampled_from([None, None, 2, 3]))
def test_plan_matches_brute_force(case: tuple[Scenario, float], max_stages: int | None) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    oracle = Oracle(s, target, tol, max_stages)
    best = oracle.fewest_stages()
    r = plan(s, target, tolerance=tol, max_stages=max_stages, time_limit=60)
    event(f"{r.status} with {len(r.stages)} stages")
    assert r.status in ("optimal", "infeasible")
    if r.feasible:
        stages = [st.moves for st in r.stages]
        assert sorted(m for x in stages for m in x) == sorted(target)
        assert oracle.breaks(stages) & oracle.all_groups() == set()
        assert len(stages) == best
    else:
        assert best is None
        assert r.conflicts, "an infeasible plan must name its conflicts"
        assert not r.notes or all("not used by the planner" in n or "likely" in n for n in r.notes)
        sets: dict[int | None, set[tuple[str, object]]] = {}
        for c in r.conflicts:
            sets.setdefault(c.group, set()).add(key_of(c))
        assert None not in sets
        # prerequisites are facts: always on, never needed to be named (a chain may be named for words)
        facts = {g for g in oracle.all_groups() if g[0] == "prerequisite"}
        for keys in sets.values():
            assert not oracle.exists(keys | facts), f"{keys} are not infeasible together"
            for k in keys - facts:
                assert oracle.exists((keys - {k}) | facts), f"{k} is not needed in {keys}"


@examples(8)
@given(scenarios(max_moves=8))
def test_plan_matches_brute_force_up_to_eight_moves(case: tuple[Scenario, float]) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    best = Oracle(s, target, tol).fewest_stages()
    r = plan(s, target, tolerance=tol, time_limit=60)
    assert (len(r.stages) if r.feasible else None) == best


@examples(60)
@given(scenarios(), st.data())
def test_checker_reports_what_the_oracle_finds_broken(case: tuple[Scenario, float], data: Any) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    slots = data.draw(st.lists(st.integers(0, len(target) - 1), min_size=len(target), max_size=len(target)))
    stages = [frozenset(m for m, k in zip(target, slots, strict=True) if k == i) for i in sorted(set(slots))]
    r = check(s, stages, tolerance=tol)
    expected = Oracle(s, target, tol).breaks(stages)
    assert {key_of(c) for c in r.conflicts} == expected
    assert r.feasible == (not expected)
    assert [x.moves for x in r.stages] == stages


@examples(15)
@given(scenarios(max_moves=5), st.sampled_from(["fastest", "most-robust"]))
def test_other_objectives_are_optimal(case: tuple[Scenario, float], objective: str) -> None:
    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    oracle = Oracle(s, target, tol)
    every = list(oracle.roadmaps())
    r = plan(s, target, tolerance=tol, objective=objective, time_limit=60)
    assert r.feasible == bool(every)
    if not every:
        return
    assert r.status == "optimal"
    stages = [x.moves for x in r.stages]
    assert not oracle.breaks(stages) & oracle.all_groups()
    if objective == "fastest":
        best = min((oracle.ends(x)[-1], len(x)) for x in every)
        assert (oracle.ends(stages)[-1], len(stages)) == best
    else:

        def slack(x: list[frozenset[str]]) -> float:
            res = check(s, x, tolerance=tol)
            out = [st.received[p] - (1 - tol) * st.given[p] for st in res.stages for p in s.party_ids]
            out += [
                s.party(p).exposure_limit - st.exposure[p]  # type: ignore[operator]
                for st in res.stages
                for p in s.party_ids
                if s.party(p).exposure_limit is not None
            ]
            return min(out)

        assert slack(stages) == pytest.approx(max(slack(x) for x in every), abs=2e-3)


@examples(15)
@given(scenarios(max_moves=5))
def test_coarse_scaling_is_still_exact(case: tuple[Scenario, float]) -> None:
    """With values rounded to whole units the integer model is a loose relaxation: the exact
    re-check and the no-good cuts must still return only true roadmaps, and never a false "none"."""
    import detente.analysis.roadmap_cpsat as cpsat

    s, tol = case
    target = [m for m in s.move_ids if m not in s.status_quo]
    oracle = Oracle(s, target, tol)
    best = oracle.fewest_stages()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cpsat, "SCALE", 1)
        r = plan(s, target, tolerance=tol, time_limit=60)
    if r.feasible:
        assert not oracle.breaks([x.moves for x in r.stages]) & oracle.all_groups()
        assert best is not None and len(r.stages) >= best
        if r.status == "optimal":
            assert len(r.stages) == best
    elif r.status == "infeasible":
        assert best is None
