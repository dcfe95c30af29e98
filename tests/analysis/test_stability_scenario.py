"""The conflict implied by a scenario: utilities, feasibility, directions, option choice."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.analysis.stability import analyse
from detente.analysis.stability_scenario import conflict_from_scenario, default_options
from detente.model.errors import AnalysisError
from detente.model.scenario import Scenario
from detente.scenarios import builtin_names, load_builtin


def _scenario(n_moves: int, seed: int) -> Scenario:
    rng = np.random.default_rng(seed)
    moves = []
    for k in range(n_moves):
        m: dict[str, object] = {
            "id": f"m{k}",
            "by": "A" if k % 2 == 0 else "B",
            "title": f"move {k}",
            "value": {"A": float(rng.integers(-3, 4)), "B": float(rng.integers(-3, 4)) / 2},
            "reversible": bool(rng.random() < 0.5),
        }
        if k >= 2 and rng.random() < 0.3:
            m["requires"] = [f"m{k - 2}"]
        if k >= 3 and rng.random() < 0.2:
            m["excludes"] = [f"m{k - 3}"]
        moves.append(m)
    inters = [{"moves": ["m0", "m1"], "value": {"A": 0.25}}] if n_moves >= 2 else []
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": "r",
            "title": "R",
            "parties": [{"id": "A"}, {"id": "B"}],
            "moves": moves,
            "interactions": inters,
        }
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(0, 10_000))
def test_payoffs_and_feasibility_agree_with_the_scenario(n_moves: int, seed: int) -> None:
    s = _scenario(n_moves, seed)
    sc = conflict_from_scenario(s)
    c = sc.conflict
    assert set(sc.chosen) == set(s.move_ids)
    for bits in itertools.product([0, 1], repeat=c.n_options):
        state = sum(b << k for k, b in enumerate(bits))
        moves = [mid for mid, b in zip(c.option_ids, bits, strict=True) if b]
        assert bool(c.feasible[state]) == s.is_feasible(moves)
        for i, p in enumerate(c.dms):
            assert c.payoff[i][state] == pytest.approx(s.utility(p, moves), abs=1e-9)
    for o in c.options:
        assert o.direction == ("both" if s.move(o.id).reversible else "take")


def test_fixed_moves_and_status_quo() -> None:
    s = Scenario.model_validate(
        {
            "detente": 1,
            "id": "t",
            "title": "T",
            "parties": [{"id": "A"}, {"id": "B"}],
            "moves": [
                {"id": "done", "by": "A", "title": "done", "value": {"B": 1}, "in_force": True},
                {
                    "id": "held",
                    "by": "A",
                    "title": "held",
                    "value": {"A": -1, "B": 2},
                    "in_force": True,
                    "reversible": True,
                },
                {"id": "next", "by": "B", "title": "next", "value": {"A": 2, "B": -1}, "requires": ["done"]},
            ],
        }
    )
    sc = conflict_from_scenario(s)
    c = sc.conflict
    assert sc.chosen == ("held", "next") and sc.fixed_in_force == ("done",)
    assert c.pattern(c.status_quo) == "YN"
    # 'done' stays in force in every state and counts in every utility
    assert c.payoff[c.dm_index("B")][c.state_of("NN")] == 1.0
    r = analyse(c)
    # A gains by dropping 'held'; B loses by taking 'next' but, 'next' being irreversible
    # (take), cannot undo it once taken: NY is Nash stable for B
    assert not r.is_stable("nash", "A", c.status_quo)
    assert r.equilibria("nash") == ["NN", "NY"]
    assert c.options[1].direction == "take"


def test_default_option_choice_keeps_prerequisites() -> None:
    moves = [{"id": f"m{k}", "by": "A", "title": "m", "value": {"A": k}} for k in range(6)]
    moves.append({"id": "big", "by": "A", "title": "big", "value": {"A": 100}, "requires": ["m0"]})
    s = Scenario.model_validate(
        {"detente": 1, "id": "t", "title": "T", "parties": [{"id": "A"}], "moves": moves}
    )
    assert default_options(s, 3) == ["m0", "m5", "big"]
    sc = conflict_from_scenario(s, max_options=3)
    assert sc.left_out == ("m1", "m2", "m3", "m4")


def test_explicit_options_and_errors() -> None:
    s = load_builtin("korea-2019")
    sc = conflict_from_scenario(s, ["usa-sanctions-relief-partial", "dprk-fissile-freeze"])
    assert sc.conflict.option_ids == ("dprk-fissile-freeze", "usa-sanctions-relief-partial")
    with pytest.raises(AnalysisError, match="unknown move"):
        conflict_from_scenario(s, ["no-such-move"])
    with pytest.raises(AnalysisError, match="irreversible"):
        conflict_from_scenario(s, ["dprk-remains-returned"])
    too_many = [m.id for m in s.moves if not (m.in_force and not m.reversible)] + ["extra"]
    with pytest.raises(AnalysisError):
        conflict_from_scenario(s, too_many)
    with pytest.raises(AnalysisError, match="max_options"):
        conflict_from_scenario(s, max_options=21)


def test_korea_default_is_sensible() -> None:
    s = load_builtin("korea-2019")
    sc = conflict_from_scenario(s)
    c = sc.conflict
    assert c.n_options <= 16 and set(c.dms) == {"USA", "DPRK"}
    # prerequisites of every chosen move are chosen or already in force
    for mid in sc.chosen:
        for r in s.closure([mid]):
            assert r in sc.chosen or s.move(r).in_force
    assert c.feasible[c.status_quo]
    r = analyse(c)
    assert r.equilibrium_states("nash")


@pytest.mark.parametrize("name", builtin_names("scenario"))
def test_every_builtin_scenario_gives_a_conflict(name: str) -> None:
    sc = conflict_from_scenario(load_builtin(name))
    r = analyse(sc.conflict, ["nash", "seq"])
    assert r.stable["nash"].shape == (len(sc.conflict.dms), sc.conflict.n_states)
