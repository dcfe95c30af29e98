"""Work shared by every scenario of one structure, and per-scenario tables, agree with direct computation.

A Monte Carlo replicate plays a freshly sampled scenario, so nothing remembered per scenario
object helps it; what depends only on the structure (moves, makers, prerequisites, exclusions)
and the signs of values is remembered on the shared :class:`Structure`. These tests check those
answers against the scenario's own methods on random scenarios, and that a sampled scenario
finds its base's entries.
"""

from __future__ import annotations

import numpy as np
import pytest

from detente.model.scenario import Scenario
from detente.scenarios import builtin_names, load_builtin
from detente.simulate.engine import SimulationSettings, _Run
from detente.simulate.observation import Perception, Structure, likely_values
from detente.simulate.settings import _default_target, default_target, perceptions
from detente.simulate.strategies import make_strategy


def _random_scenario(seed: int, n_moves: int = 9) -> Scenario:
    """Two or three parties, random values (some zero or negative), prerequisites, exclusions, status quo."""
    rng = np.random.default_rng(seed)
    parties = ["A", "B", "C"][: int(rng.integers(2, 4))]
    moves = []
    for i in range(n_moves):
        by = parties[int(rng.integers(len(parties)))]
        value = {
            p: float(rng.choice([-2.0, -0.5, 0.0, 0.3, 1.0, 2.5])) for p in parties if rng.random() < 0.8
        }
        earlier = [f"m{j}" for j in range(i)]
        requires = [m for m in earlier if rng.random() < 0.15]
        excludes = [m for m in earlier if m not in requires and rng.random() < 0.08]
        moves.append(
            {
                "id": f"m{i}",
                "by": by,
                "title": f"m{i}",
                "value": value,
                "in_force": bool(rng.random() < 0.2),
                "reversible": bool(rng.random() < 0.5),
                "requires": requires,
                "excludes": excludes,
            }
        )
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": f"r{seed}",
            "title": "R",
            "parties": [{"id": p} for p in parties],
            "moves": moves,
        }
    )


def _default_target_reference(scenario: Scenario) -> frozenset[str]:
    """default_target as first written, with the scenario's own closure and is_feasible."""
    sq = scenario.status_quo
    chosen: frozenset[str] = frozenset()
    for m in scenario.moves:
        if m.in_force or not any(v.likely > 0 for p, v in m.value.items() if p != m.by):
            continue
        candidate = scenario.closure(chosen | {m.id})
        if scenario.is_feasible(candidate | sq):
            chosen = candidate - sq
    return chosen


def _flipped(sc: Scenario, rng: np.random.Generator) -> Scenario:
    """The same structure with every value redrawn (signs change) and another status quo."""
    moves = tuple(
        m.model_copy(
            update={
                "value": {
                    p: v.model_copy(update={"likely": float(rng.normal())}) for p, v in m.value.items()
                },
                "in_force": bool(rng.random() < 0.2),
            }
        )
        for m in sc.moves
    )
    out = sc.replace(moves=moves)
    assert Structure.of(out) is Structure.of(sc)
    return out


def test_remembered_default_targets_equal_the_reference_on_random_scenarios() -> None:
    rng = np.random.default_rng(0)
    nonempty = 0
    for seed in range(150):
        sc = _random_scenario(seed)
        for s in (sc, _flipped(sc, rng), _flipped(sc, rng), sc.replace()):
            expected = _default_target_reference(s)
            nonempty += bool(expected)
            assert _default_target(s) == expected
            assert _default_target(s) == expected  # from the structure's memo
            assert default_target(s) == expected
    assert nonempty > 200  # targets were found, not only empty ones


@pytest.mark.parametrize("name", builtin_names("scenario"))
def test_sampled_scenarios_share_their_base_targets(name: str) -> None:
    base = load_builtin(name)
    st = Structure.of(base)
    target = default_target(base)
    entries = dict(st.targets)
    for seed in range(4):
        s = base.sampled(np.random.default_rng(seed))
        assert Structure.of(s) is st
        assert default_target(s) == _default_target_reference(s)
    # a replicate whose values keep their signs finds its base's answer (the same object)
    assert _default_target(base.replace()) is target
    assert all(st.targets[k] is v for k, v in entries.items())


@pytest.mark.parametrize("misperception", [0.0, 0.3])
@pytest.mark.parametrize("name", ["korea-2019", "iran-jcpoa-2015", "six-party-2007"])
def test_run_utilities_equal_scenario_utility_with_misperception(name: str, misperception: float) -> None:
    """The engine sums each party's own values from its view: exact even when it misperceives the others."""
    sc = load_builtin(name).sampled(np.random.default_rng(7))
    strategies = {p: make_strategy("tit-for-tat") for p in sc.party_ids}
    run = _Run(sc, strategies, 0, SimulationSettings(misperception=misperception))
    if misperception:
        p, q = sc.party_ids[:2]
        assert run.views[p].values[q] != {m.id: m.value_for(q).likely for m in sc.moves}
    rng = np.random.default_rng(4)
    sets = [frozenset(m for m in sc.move_ids if rng.random() < x) for x in rng.uniform(0, 1, 200)]
    sets += [frozenset(sc.move_ids), frozenset()]
    for moves in sets:
        assert run.utilities(moves) == {p: sc.utility(p, moves) for p in sc.party_ids}


def test_likely_values_and_exact_views_equal_value_for() -> None:
    rng = np.random.default_rng(1)
    for seed in range(40):
        sc = _random_scenario(seed)
        for s in (sc, _flipped(sc, rng)):
            expected = {p: {m.id: m.value_for(p).likely for m in s.moves} for p in s.party_ids}
            assert likely_values(s) == expected
            assert [list(row) for row in likely_values(s).values()] == [list(s.move_ids)] * len(s.party_ids)
            views = perceptions(s, 0.0, np.random.default_rng(0))
            for p in s.party_ids:
                assert views[p].party == p and views[p].scenario is s
                assert views[p].values == expected == Perception.exact(p, s).values
                assert views[p].structure is Structure.of(s) is Structure.of(s.replace())
