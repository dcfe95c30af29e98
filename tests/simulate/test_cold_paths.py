"""Work shared by every scenario of one structure, and per-scenario tables, agree with direct computation.

A Monte Carlo replicate plays a freshly sampled scenario; what depends only on the structure
(moves, makers, prerequisites, exclusions) and the signs of values is remembered on the
:class:`Structure` its tables share with the base's (:meth:`Tables.resampled`). These tests
check those answers against the scenario's own methods on random scenarios, and that a
replicate finds its base's entries.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from detente.model.order import content_rank
from detente.model.scenario import Scenario
from detente.scenarios import builtin_names, load_builtin
from detente.simulate.engine import SimulationSettings, _Run
from detente.simulate.observation import Observation, Perception, Proposal, Sequencing, likely_values
from detente.simulate.settings import default_target, perceptions
from detente.simulate.strategies import demands, make_strategy, offers
from detente.simulate.strategies._exchange_search import fast_small_exchange
from detente.simulate.strategies.reciprocity import Grit
from detente.simulate.structure import Structure, concessions
from detente.simulate.tables import Tables

_small_exchange_reference = offers.small_exchange_plain


def _random_scenario(seed: int, n_moves: int = 9) -> Scenario:
    """Two or three parties, random values (some zero or negative), prerequisites, exclusions, status quo."""
    rng = np.random.default_rng(seed)
    parties = ["A", "B", "C"][: int(rng.integers(2, 4))]
    moves = []
    for i in range(n_moves):
        by = parties[int(rng.integers(len(parties)))]
        # a concession mostly costs its maker and helps the others (but not always)
        value = {
            p: float(rng.choice([-2.0, -1.5, -0.5, 0.0, 0.3] if p == by else [-0.5, 0.0, 0.3, 1.0, 2.5]))
            for p in parties
            if rng.random() < 0.85
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
    limits = [None, 0.4, 1.0, 2.5]
    party_rows = [{"id": p, "exposure_limit": limits[int(rng.integers(4))]} for p in parties]
    a, b = rng.choice(n_moves, size=2, replace=False)
    interactions = [{"moves": [f"m{a}", f"m{b}"], "value": {parties[0]: float(rng.normal())}}]
    return Scenario.model_validate(
        {
            "detente": 1,
            "id": f"r{seed}",
            "title": "R",
            "parties": party_rows,
            "moves": moves,
            "interactions": interactions,
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
    assert Structure.key_of(out) == Structure.key_of(sc)
    return out


def test_remembered_default_targets_equal_the_reference_on_random_scenarios() -> None:
    rng = np.random.default_rng(0)
    nonempty = 0
    for seed in range(150):
        sc = _random_scenario(seed)
        tables = Tables(sc)
        for s in (sc, _flipped(sc, rng), _flipped(sc, rng), sc.replace()):
            expected = _default_target_reference(s)
            nonempty += bool(expected)
            assert tables.resampled(s).target == expected
            assert tables.resampled(s).target == expected  # from the structure's memo
            assert default_target(s) == expected
    assert nonempty > 200  # targets were found, not only empty ones


@pytest.mark.parametrize("name", builtin_names("scenario"))
def test_sampled_scenarios_share_their_base_targets(name: str) -> None:
    base = load_builtin(name)
    tables = Tables(base)
    st = tables.structure
    entries = dict(st._targets)
    for seed in range(4):
        s = base.sampled(np.random.default_rng(seed))
        assert tables.resampled(s).structure is st
        assert tables.resampled(s).target == _default_target_reference(s)
    # a replicate whose values keep their signs finds its base's answer (the same object)
    assert tables.resampled(base.replace()).target is tables.target
    assert st.default_target(base.status_quo, concessions(base)) is tables.target
    assert all(st._targets[k] is v for k, v in entries.items())


@pytest.mark.parametrize("misperception", [0.0, 0.3])
@pytest.mark.parametrize("name", ["korea-2019", "iran-jcpoa-2015", "six-party-2007"])
def test_run_utilities_equal_scenario_utility_with_misperception(name: str, misperception: float) -> None:
    """The engine sums each party's own values from its view: exact even when it misperceives the others."""
    sc = load_builtin(name).sampled(np.random.default_rng(7))
    strategies = {p: make_strategy("tit-for-tat") for p in sc.party_ids}
    tables = Tables(sc)
    run = _Run(tables, strategies, 0, SimulationSettings(misperception=misperception), None)
    if misperception:
        p, q = sc.party_ids[:2]
        assert run.observer.views[p].values[q] != {m.id: m.value_for(q).likely for m in sc.moves}
    rng = np.random.default_rng(4)
    sets = [frozenset(m for m in sc.move_ids if rng.random() < x) for x in rng.uniform(0, 1, 200)]
    sets += [frozenset(sc.move_ids), frozenset()]
    for moves in sets:
        assert tables.utility(moves) == {p: sc.utility(p, moves) for p in sc.party_ids}


def test_likely_values_and_exact_views_equal_value_for() -> None:
    rng = np.random.default_rng(1)
    for seed in range(40):
        sc = _random_scenario(seed)
        for s in (sc, _flipped(sc, rng)):
            expected = {p: {m.id: m.value_for(p).likely for m in s.moves} for p in s.party_ids}
            assert likely_values(s) == expected
            assert [list(row) for row in likely_values(s).values()] == [list(s.move_ids)] * len(s.party_ids)
            tables = Tables(s)
            views = perceptions(tables, 0.0, np.random.default_rng(0))
            for p in s.party_ids:
                assert views[p].party == p and views[p].scenario is s
                assert views[p].values == expected == Perception.exact(p, s).values
                assert views[p] is tables.views[p] and views[p].structure is tables.structure


def _best_demand_reference(obs: Observation) -> frozenset[str]:
    """best_demand as first written, with the scenario's own closure and is_feasible."""
    me, sc = obs.me, obs.scenario
    chosen: frozenset[str] = frozenset()
    for other in obs.others:
        for m in obs.available(other):
            if obs.value(me, m) <= offers.EPS:
                continue
            cand = sc.closure(chosen | {m}) - obs.settled
            if sc.is_feasible(obs.settled | cand) and all(sc.move(x).by != me for x in cand):
                chosen = cand
    return chosen


def _within_exposure_reference(obs: Observation, asks: frozenset[str]) -> frozenset[str]:
    sc = obs.scenario
    rank = content_rank(sc)  # ties in the content order, not by id
    out = set(asks)
    for other in obs.others:
        limit = sc.party(other).exposure_limit
        if limit is None:
            continue

        def cost(m: str, other: str = other) -> float:
            return max(0.0, -obs.value(other, m))

        irrev = [
            m for m in out if sc.move(m).by == other and not sc.move(m).reversible and cost(m) > offers.EPS
        ]
        irrev.sort(key=lambda m: (obs.value(obs.me, m) / cost(m), rank[m]))
        while irrev and math.fsum(cost(m) for m in irrev) > limit + offers.EPS:
            drop = irrev.pop(0)
            gone = {drop} | {m for m in out if drop in sc.closure([m])}
            out -= gone
            irrev = [m for m in irrev if m not in gone]
    return frozenset(out)


def _package_at_reference(obs: Observation, level: float, sequence: Sequencing) -> Proposal | None:
    """package_at as first written: nothing remembered, every test through assess and the scenario."""
    me, sc = obs.me, obs.scenario
    rank = content_rank(sc)  # ties in the content order, not by id
    asks = _within_exposure_reference(obs, _best_demand_reference(obs))
    if not asks or obs.gain(me, asks) < level - offers.EPS:
        return None
    pkg = set(asks)

    def others_value(m: str) -> float:
        return math.fsum(max(0.0, obs.value(o, m)) for o in obs.others)

    candidates = [m for m in obs.available(me) if others_value(m) > offers.EPS]
    candidates.sort(key=lambda m: (-others_value(m) / max(offers.EPS, -obs.value(me, m)), rank[m]))
    for m in candidates:
        cand = frozenset(pkg | (sc.closure({m}) - obs.settled))
        if not sc.is_feasible(obs.settled | cand) or obs.gain(me, cand) < level - offers.EPS:
            continue
        gives = frozenset(x for x in cand if sc.move(x).by == me)
        prop = Proposal(gives, cand - gives, sequence, by=me)
        if offers.exposure_ok(obs, me, offers._assess(obs, prop, me)):
            pkg = set(cand)
    for m in sorted(asks, key=lambda m: (obs.value(me, m), rank[m])):
        if any(m in sc.move(x).requires for x in pkg - {m}):
            continue
        rest = frozenset(pkg - {m})
        if any(sc.move(x).by != me for x in rest) and obs.gain(me, rest) >= level - offers.EPS:
            pkg = set(rest)
    gives = frozenset(x for x in pkg if sc.move(x).by == me)
    return Proposal(gives, frozenset(pkg) - gives, sequence)


def _states(sc: Scenario, rng: np.random.Generator, n: int) -> list[frozenset[str]]:
    """Feasible settled sets (closed under prerequisites), the status quo first."""
    out = [sc.status_quo]
    for _ in range(n):
        share = rng.uniform(0, 0.6)
        s = sc.closure(m for m in sc.move_ids if rng.random() < share)
        if sc.is_feasible(s):
            out.append(s)
    return out


def _obs(sc: Scenario, me: str, settled: frozenset[str], view: Perception) -> Observation:
    others = tuple(p for p in sc.party_ids if p != me)
    trust = dict.fromkeys(sc.party_ids, 0.5)
    return Observation(
        0, 10, me, others, settled, {}, {}, frozenset(), default_target(sc), trust, "open", True, (), view
    )


@pytest.mark.parametrize("misperception", [0.0, 0.4])
def test_demand_and_package_searches_equal_first_written_ones(misperception: float) -> None:
    rng = np.random.default_rng(2)
    found = packages = 0
    for seed in range(60):
        sc = _random_scenario(100 + seed, n_moves=8)
        views = perceptions(Tables(sc), misperception, np.random.default_rng(seed))
        for settled in _states(sc, rng, 4):
            for me in sc.party_ids:
                obs = _obs(sc, me, settled, views[me])
                demand = _best_demand_reference(obs)
                found += bool(demand)
                assert demands.best_demand(obs) == demand
                assert demands.within_exposure(obs, demand) == _within_exposure_reference(obs, demand)
                gains = [obs.gain(me, frozenset(sorted(demand)[:k])) for k in range(len(demand) + 1)]
                levels = [-1.0, 0.0, 1.0, 3.0, *(g + d for g in gains for d in (0.0, offers.EPS, -1e-12))]
                for level in levels:
                    for sequence in ("together", "asks-first", "gives-first"):
                        expected = _package_at_reference(obs, level, sequence)
                        packages += expected is not None
                        assert demands.package_at(obs, level, sequence) == expected
    assert found > 100 and packages > 300


def test_required_by_inverts_requires() -> None:
    for seed in range(30):
        sc = _random_scenario(seed)
        st = Structure(sc)
        for m in sc.moves:
            assert st.required_by[m.id] == {x.id for x in sc.moves if m.id in x.requires and x.id != m.id}


@pytest.mark.parametrize("misperception", [0.0, 0.4])
def test_small_exchange_equals_the_first_written_search(misperception: float) -> None:
    rng = np.random.default_rng(3)
    found = 0
    for seed in range(60):
        sc = _random_scenario(300 + seed, n_moves=8)
        views = perceptions(Tables(sc), misperception, np.random.default_rng(seed))
        for settled in _states(sc, rng, 3):
            for me in sc.party_ids:
                obs = _obs(sc, me, settled, views[me])
                for tol, rev, size in ((0.2, False, 2), (0.3, True, 1), (0.0, False, 2), (0.6, False, 1)):
                    expected = _small_exchange_reference(obs, tol, reversible_only=rev, max_size=size)
                    found += expected is not None
                    assert fast_small_exchange(obs, tol, rev, size) == expected
    assert found > 200


def test_closures_of_seeds_are_shared_and_equal_scenario_closure() -> None:
    base = load_builtin("korea-2019")
    tables = Tables(base)
    st = tables.structure
    replicate = base.sampled(np.random.default_rng(0))
    views = perceptions(tables.resampled(replicate), 0.0, np.random.default_rng(0))
    assert views["USA"].structure is st  # the replicate searches with its base's structure
    st._closed.clear()
    for me in ("USA", "DPRK"):
        fast_small_exchange(_obs(replicate, me, replicate.status_quo, views[me]), 0.0, True, 2)
    entries = dict(st._closed)
    assert len(entries) >= 4
    for seeds, closure in entries.items():
        in_order = tuple(sorted(base.closure(seeds), key=content_rank(base).__getitem__))  # not by id
        assert closure == in_order == tuple(sorted(st.closure(seeds), key=st.rank.__getitem__))
    base_views = perceptions(tables, 0.0, np.random.default_rng(0))
    for me in ("USA", "DPRK"):  # the base's searches find the replicate's closures
        fast_small_exchange(_obs(base, me, base.status_quo, base_views[me]), 0.0, True, 2)
    assert all(st._closed[seeds] is closure for seeds, closure in entries.items())


def test_available_moves_equal_the_direct_filter_and_are_shared() -> None:
    rng = np.random.default_rng(9)
    for seed in range(30):
        sc = _random_scenario(seed)
        tables = Tables(sc)
        st = tables.structure
        replicate = _flipped(sc, rng)
        replicated = tables.resampled(replicate)
        for settled in _states(sc, rng, 5):
            agenda = frozenset(m for m in sc.move_ids if rng.random() < 0.7)
            for party in sc.party_ids:
                for ag in (agenda, None):
                    expected = [
                        m
                        for m in sc.move_ids
                        if sc.move(m).by == party and m not in settled and (ag is None or m in ag)
                    ]
                    assert list(st.available(party, settled, ag)) == expected
                    assert replicated.structure.available(party, settled, ag) is st.available(
                        party, settled, ag
                    )
                view = perceptions(replicated, 0.0, np.random.default_rng(0))[party]
                obs = _obs(replicate, party, settled, view)
                mine = obs.available(party)
                mine.append("spoilt")  # a strategy may change the list it is given: nothing shared changes
                assert "spoilt" not in obs.available(party)
                assert obs.available(party, agenda_only=False) == list(st.available(party, settled, None))


def _initiative_reference(grit: Grit, obs: Observation) -> frozenset[str] | None:
    """Grit's initiative as first written, through the scenario's own look-ups."""
    me, sc = obs.me, obs.scenario
    rank = content_rank(sc)  # equal candidates in the content order, not by id
    candidates = []
    for mid in obs.available(me):
        moves = sc.closure({mid}) - obs.settled
        if any(sc.move(m).by != me for m in moves) or not sc.is_feasible(obs.settled | moves):
            continue
        if not any(obs.value(o, m) > offers.EPS for o in obs.others for m in moves):
            continue
        cost = sum(max(0.0, -obs.value(me, m)) for m in moves)
        reversible = all(sc.move(m).reversible for m in moves)
        candidates.append((not reversible, cost, rank[mid], moves))
    if not candidates:
        return None
    limit = sc.party(me).exposure_limit
    scale = limit if limit else max(c[1] for c in candidates)
    fitting = sorted(c for c in candidates if c[1] <= grit.step * scale + offers.EPS)
    return fitting[0][3] if fitting else None


@pytest.mark.parametrize("misperception", [0.0, 0.4])
def test_grit_initiatives_equal_the_first_written_choice(misperception: float) -> None:
    rng = np.random.default_rng(5)
    found = 0
    for seed in range(80):
        sc = _random_scenario(500 + seed)
        views = perceptions(Tables(sc), misperception, np.random.default_rng(seed))
        for settled in _states(sc, rng, 3):
            for me in sc.party_ids:
                obs = _obs(sc, me, settled, views[me])
                for step in (0.2, 0.5, 1.0, 3.0):
                    grit = Grit(step=step)
                    expected = _initiative_reference(grit, obs)
                    found += expected is not None
                    assert demands._initiative(obs, step) == expected
                    assert grit.initiative(obs) == expected
    assert found > 300
