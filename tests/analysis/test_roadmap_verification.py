"""Verification in self-enforcement: a secret reversal pays for as long as it is not found out.

Oracles: the closed form and a brute-force sum for ``found_out``; a two-move case worked by hand
(docs/roadmap.md, "Verification"); the simulator's ``breach_loss``; the period-by-period walk of
``roadmap_oracle``; and the planner's own results with every verification set to 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import detente.analysis.roadmap_cpsat as cpsat
from detente.analysis.discounting import breach_loss, found_out
from detente.analysis.roadmap import check, plan
from detente.analysis.roadmap_cpsat import GroupKey
from detente.analysis.roadmap_instance import Conflict, Instance, evaluate
from detente.model.load import scenario_from_text
from detente.model.scenario import Scenario
from detente.scenarios import load_builtin

sys.path.insert(0, str(Path(__file__).parent))
from roadmap_oracle import Oracle
from test_roadmap_oracle import scenarios

# A freezes (reversible at once, verified with chance Q a month), B grants relief (reversible);
# both are worth twice to the other what they cost their maker. Four months, no discounting.
PAIR = """\
detente: 1
id: pair
title: A freeze for relief
time: {unit: month, horizon: 4}
parties:
  - {id: A, discount: 1.0}
  - {id: B, discount: 1.0}
moves:
  - {id: a-freeze, by: A, title: freeze, value: {A: -1, B: 2}, reversible: true, verification: Q}
  - {id: b-relief, by: B, title: relief, value: {A: 2, B: -1}, reversible: true}
"""


def pair(q: float) -> Scenario:
    return scenario_from_text(PAIR.replace("verification: Q", f"verification: {q}"), "pair.yaml")


def with_verification(s: Scenario, move: str, q: float) -> Scenario:
    return s.replace(
        moves=tuple(m.model_copy(update={"verification": q}) if m.id == move else m for m in s.moves)
    )


@pytest.mark.parametrize("d", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("q", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("start", [0, 1, 3])
@pytest.mark.parametrize("after", [0, 2])
def test_found_out_is_the_expected_stream_after_detection(d: float, q: float, start: int, after: int) -> None:
    # brute force: sum over the period of detection t of P(t) times the stream from t + start
    far = 4000
    brute = sum(q * (1 - q) ** t * d ** (t + start) / (1 - d) for t in range(after, far))
    assert found_out(d, start, q, after=after) == pytest.approx(brute, rel=1e-9)
    window = 7
    inside = sum(q * (1 - q) ** t * sum(d**u for u in range(t + start, window)) for t in range(after, window))
    assert found_out(d, start, q, after=after, window=window) == pytest.approx(inside, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("d", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("q", [0.0, 0.05, 0.5, 1.0])
def test_the_simulator_breach_loss_is_the_same_definition(d: float, q: float) -> None:
    assert breach_loss(3.0, discount=d, detection=q) == pytest.approx(3.0 * found_out(d, 1, q), rel=1e-12)


def test_seen_at_once_is_the_open_future_stream() -> None:
    assert found_out(0.9, 2, 1.0) == pytest.approx(0.9**2 / 0.1)
    assert found_out(1.0, 1, 1.0, window=5) == 4.0
    with pytest.raises(ValueError, match="lookahead"):
        found_out(1.0, 1, 0.5)


def test_two_moves_by_hand() -> None:
    # open margin of A after the stage: lose the relief (2 x 4) and keep the freeze's cost (-1 x 4): 4.
    # secretly: F = sum_t q (1-q)^t (4 - t); with q = 0.5, F = 2 + 0.75 + 0.25 + 0.0625 = 3.0625 and
    # A's margin is -1 x 4 + 2 x F = 2.125; with q = 0.2, F = 1.6384 and the margin is -0.7232.
    held = check(pair(0.5), [["a-freeze", "b-relief"]])
    assert held.feasible
    assert held.stages[0].margin == {"A": 2.125, "B": 4.0}
    broken = check(pair(0.2), [["a-freeze", "b-relief"]])
    assert not broken.feasible
    (c,) = broken.conflicts
    assert (c.kind, c.party, c.moves, c.stage) == ("self-enforcement", "A", ("a-freeze",), 1)
    assert "secretly reversing a-freeze" in c.text and "verification 0.2" in c.text
    assert broken.stages[0].margin["A"] == pytest.approx(-0.7232)
    assert check(pair(1.0), [["a-freeze", "b-relief"]]).stages[0].margin == {"A": 4.0, "B": 4.0}
    # the oracle's walk over the period of detection agrees
    for q, margin in [(0.5, 2.125), (0.2, -0.7232)]:
        o, stages = Oracle(pair(q), ["a-freeze", "b-relief"]), [frozenset({"a-freeze", "b-relief"})]
        assert o.continue_value("A", stages, 1) - o.covert_value("A", stages, 1, "a-freeze") == pytest.approx(
            margin
        )


@pytest.mark.parametrize("q", [0.0, 0.2, 0.5, 0.8, 0.95])
def test_verification_one_gives_the_open_margin_and_less_needs_more(q: float) -> None:
    worse, better = (
        check(pair(q), [["a-freeze", "b-relief"]]),
        check(pair(min(1.0, q + 0.05)), [["a-freeze", "b-relief"]]),
    )
    assert worse.stages[0].margin["A"] <= better.stages[0].margin["A"]
    assert worse.stages[0].margin["B"] == better.stages[0].margin["B"] == 4.0


def test_a_poorly_verified_first_step_of_korea_needs_more_at_stake_later() -> None:
    s = load_builtin("korea-2019")
    base = plan(s, "ks", time_limit=60)
    assert base.feasible
    stages = [st.moves for st in base.stages]
    first = base.stages[0]
    own = [m for m in sorted(first.moves) if s.move(m).reversible and s.move(m).by == "DPRK"]
    assert own, "the first stage has a reversible DPRK move"
    hidden = s
    for m in own:
        hidden = with_verification(hidden, m, 0.02)
    checked = check(hidden, stages)
    worst = min(check(s, stages).stages[0].margin["DPRK"], 0.0)
    assert checked.stages[0].margin["DPRK"] < worst or not checked.feasible
    assert any(c.kind == "self-enforcement" and c.party == "DPRK" for c in checked.conflicts)


def test_renaming_changes_no_number() -> None:
    for q in (0.2, 0.5):
        s = pair(q)
        text = json.dumps(s.model_dump(mode="json"))
        renamed = Scenario.model_validate(json.loads(text.replace('"a-', '"zz-').replace('"b-', '"aa-')))
        back = {"zz-freeze": "a-freeze", "aa-relief": "b-relief"}
        for got, want in [
            (plan(renamed, "auto", time_limit=30), plan(s, "auto", time_limit=30)),
            (check(renamed, [["zz-freeze", "aa-relief"]]), check(s, [["a-freeze", "b-relief"]])),
        ]:
            assert got.status == want.status
            assert [{back[m] for m in st.moves} for st in got.stages] == [set(st.moves) for st in want.stages]
            assert [st.margin for st in got.stages] == [st.margin for st in want.stages]
            assert [(c.kind, c.party, tuple(back[m] for m in c.moves)) for c in got.conflicts] == [
                (c.kind, c.party, c.moves) for c in want.conflicts
            ]


def poorly_verified(s: Scenario, qs: list[float], lags: list[int]) -> Scenario:
    """Every move that costs its maker made reversible, with the drawn verification and lag."""
    moves = []
    for i, m in enumerate(s.moves):
        costly = not m.in_force and m.value_for(m.by).likely < 0
        if costly:
            m = m.model_copy(update={"reversible": True, "verification": qs[i], "reversal_lag": lags[i]})
        moves.append(m)
    return s.replace(moves=tuple(moves))


@settings(
    max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
@given(scenarios(max_moves=5), st.data())
def test_poorly_verified_roadmaps_match_brute_force(
    case: tuple[Scenario, float], data: st.DataObject
) -> None:
    s, tol = case
    n = len(s.moves)
    qs = data.draw(st.lists(st.sampled_from([0.1, 0.3, 0.6, 0.9, 1.0]), min_size=n, max_size=n))
    lags = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    s = poorly_verified(s, qs, lags)
    target = [m for m in s.move_ids if m not in s.status_quo]
    oracle = Oracle(s, target, tol)
    # the CP-SAT model itself must keep out secret breaches: the exact re-check may only cut off
    # roadmaps that the scaled model lets through by rounding (a margin within a few 1/SCALE of 0)
    cut: list[float] = []
    real = cpsat._broken

    def broken(inst: Instance, stages: list[frozenset[str]], on: set[GroupKey]) -> list[Conflict]:
        out = real(inst, stages, on)
        figures, _, _ = evaluate(inst, stages)
        cut.extend(
            figures[c.stage - 1].margin[c.party] for c in out if c.kind == "self-enforcement" and c.party
        )
        return out

    cpsat._broken = broken  # type: ignore[assignment]
    try:
        r = plan(s, target, tolerance=tol, time_limit=60)
    finally:
        cpsat._broken = real  # type: ignore[assignment]
    assert all(m > -0.02 for m in cut), cut
    assert (len(r.stages) if r.feasible else None) == oracle.fewest_stages()
    slots = data.draw(st.lists(st.integers(0, len(target) - 1), min_size=len(target), max_size=len(target)))
    stages = [frozenset(m for m, k in zip(target, slots, strict=True) if k == i) for i in sorted(set(slots))]
    found = {c.party for c in check(s, stages, tolerance=tol).conflicts if c.kind == "self-enforcement"}
    assert found == {p for kind, p in oracle.renege_breaks(stages) if kind == "self-enforcement"}
